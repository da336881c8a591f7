import { readImage, readMask } from '@fedrad/imaging';
import type { FeatureCsv } from '@fedrad/protocol';
import { extractFeatures } from '@fedrad/radiomics';
import { ExtractionInputError } from '../errors.js';
import type { ExtractTask } from '../extractCase.js';
import { perturbCase } from './perturbCase.js';
import { perturbationName, type Perturbation } from './perturbation.js';

/** One feature table per perturbation, all with the same cases and features in the same order. */
export interface PerturbedTables {
  perturbations: string[];
  tables: FeatureCsv[];
}

/**
 * Extracts every case under every perturbation (Zwanenburg et al. 2019), in this thread: one table
 * per perturbation, ready to be the k measurements of an ICC. The noise of a case depends on
 * `seed`, the case id and the perturbation's place only, so a rerun gives the same tables.
 */
export function extractPerturbed(tasks: readonly ExtractTask[], perturbations: readonly Perturbation[], seed = 1): PerturbedTables {
  if (perturbations.length === 0) throw new ExtractionInputError('no perturbation given; give at least one (the unperturbed case is "none")');
  const names = perturbations.map(perturbationName);
  const rows = tasks.map((task) => extractPerturbedCase(task, perturbations, seed));
  const featureNames = Object.keys(rows[0]?.[0] ?? {});
  const tables = names.map((name, r) => {
    const values = new Float64Array(tasks.length * featureNames.length);
    tasks.forEach((task, i) => {
      const features = rows[i][r];
      const keys = Object.keys(features);
      if (keys.length !== featureNames.length || keys.some((k, j) => k !== featureNames[j])) {
        throw new ExtractionInputError(`case ${task.id} under ${name} gave other features than case ${tasks[0].id} under ${names[0]}; every case and perturbation must share the configuration`, { caseId: task.id });
      }
      featureNames.forEach((f, j) => (values[i * featureNames.length + j] = features[f]));
    });
    return { ids: tasks.map((t) => t.id), featureNames, values, source: `perturbation ${name}` };
  });
  return { perturbations: names, tables };
}

/** One case's features under each perturbation; a perturbation that leaves no ROI (an erosion too deep) is refused naming the case. */
export function extractPerturbedCase(task: ExtractTask, perturbations: readonly Perturbation[], seed: number): Array<Record<string, number>> {
  const image = readImage(task.image);
  const mask = readMask(task.mask, image, { label: task.label, roi: task.roi, imagePath: task.image, cropToImage: task.cropMaskToImage });
  return perturbations.map((p, r) => {
    const perturbed = perturbCase(image, mask, p, caseSeed(seed, task.id, r));
    if (!perturbed.mask.data.some((v) => v !== 0)) {
      throw new ExtractionInputError(`case ${task.id}: ${perturbationName(p)} leaves no voxel of the ROI; use a smaller perturbation`, { caseId: task.id });
    }
    return extractFeatures({ image: perturbed.image, mask: perturbed.mask, config: task.config, caseId: task.id }).features;
  });
}

/** A 32-bit seed from the run's seed, the case id and the perturbation's place (FNV-1a over the id). */
function caseSeed(seed: number, id: string, place: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let c = 0; c < id.length; c++) h = Math.imul(h ^ id.charCodeAt(c), 0x01000193);
  return (Math.imul(h ^ place, 0x01000193) >>> 0);
}
