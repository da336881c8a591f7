import { readFileSync } from 'node:fs';

// The image campaigns of the end-to-end tests (campaignFromImages, harmonizedCampaign): three
// training sites and one held-out site of scripts/generate-image-cohorts.mjs, their feature
// config and the model's features, and the pooling of tables that their by-hand references do.
export const IMAGE_TRAINING = ['site-a', 'site-b', 'site-c'];
export const IMAGE_TEST = 'site-d';
export const IMAGE_PATIENTS = 15;
export const imageFeatureConfig = {
  interpolation: { spacing: [2, 2, 2], imageMethod: 'linear', maskMethod: 'linear', maskThreshold: 0.5 },
  discretisation: { intensityHistogram: { method: 'FBS', binWidth: 10 }, texture: { method: 'FBS', binWidth: 10 } },
  families: ['morphology', 'intensity_statistics'],
};
export const IMAGE_FEATURES = ['stat_mean', 'stat_var', 'morph_volume'];

/** The rows of several CSV tables one after the other, with id and the given columns only (all columns when none are given). */
export function concatTables(files: string[], columns?: string[]): string {
  const [header] = readFileSync(files[0], 'utf8').split('\n');
  const names = header.split(',');
  const keep = columns ? ['id', ...columns].map((c) => names.indexOf(c)) : names.map((_, j) => j);
  const pick = (line: string) => keep.map((j) => line.split(',')[j]).join(',');
  return [pick(header), ...files.flatMap((f) => readFileSync(f, 'utf8').trim().split('\n').slice(1).map(pick))].join('\n') + '\n';
}
