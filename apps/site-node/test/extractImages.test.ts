import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash, validate } from '@fedrad/protocol';
import { checkEgress } from '../src/egressGuard.js';
import { extractedTables } from '../src/extractedTables.js';
import { runJob } from '../src/jobs/runJob.js';
import { acquisitionCounts, featureSummaries } from '../src/jobs/extractionQc.js';
import { CohortRegistry } from '../src/cohortRegistry.js';
import { envelope, readCsv, repoRoot } from './helpers.js';

// An image cohort (#13): the site extracts its own images with the campaign's pinned feature
// config and sends only aggregates; the features stay at the site for the later jobs.
const featureConfig = {
  interpolation: { spacing: [2, 2, 2], imageMethod: 'linear', maskMethod: 'linear', maskThreshold: 0.5 },
  discretisation: { intensityHistogram: { method: 'FBS', binWidth: 10 }, texture: { method: 'FBS', binWidth: 10 } },
  families: ['morphology', 'intensity_statistics', 'glcm'],
};
let dir: string;
let site: string;
let cohort: { name: string; images: string; features: string; outcome: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'extract-images-'));
  execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-image-cohorts.mjs'), '--out', dir, '--patients', '9', '--seed', '3']);
  site = join(dir, 'site-b');
  // One case whose image is missing, one case with no outcome row, one outcome row with no case.
  appendFileSync(join(site, 'manifest.csv'), 'site-b-lost,images/nowhere.nii.gz,masks/site-b-p001.nii.gz\n');
  const outcome = readFileSync(join(site, 'outcome.csv'), 'utf8').trim().split('\n');
  writeFileSync(join(site, 'outcome.csv'), [...outcome.filter((l) => !l.startsWith('site-b-p009,')), 'site-b-never,1'].join('\n') + '\n');
  cohort = { name: 'scans', images: join(site, 'manifest.csv'), features: join(dir, 'data/features/scans.csv'), outcome: join(site, 'outcome.csv') };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const job = (config: Record<string, unknown>) => ({
  envelope: envelope('extract', { kind: 'extract', featureConfig: config, featureConfigHash: canonicalHash(config) }),
  siteId: 'site-b', minCohortSize: 3, workDir: join(dir, 'jobs'), cohort,
});

type Result = {
  patientCount: number; failedCases: number; featureCount: number; missingOutcome: number; outcomeWithoutImages: number; suppressedSummaries: number;
  featureConfigHash: string; featureTableHash: string; failures: Array<{ code: string; count: number }>;
  summaries: Array<{ name: string; n: number; mean: number; sd: number }>; acquisition: Record<string, Array<{ value: string; count: number }>>;
};

describe('extract job on an image cohort', () => {
  let result: Result;
  beforeAll(async () => {
    result = (await runJob(job(featureConfig))) as unknown as Result;
  }, 120_000);

  it('counts every case: extracted with an outcome, failed by reason, without outcome, outcome without images', () => {
    expect(validate('extract-result', result)).toEqual({ valid: true });
    expect(result.patientCount).toBe(8); // 9 generated, p009 has no outcome row
    expect(result.failedCases).toBe(1);
    expect(result.failures).toEqual([{ code: 'FILE_NOT_FOUND', count: 1 }]);
    expect(result.missingOutcome).toBe(1);
    expect(result.outcomeWithoutImages).toBe(1);
    expect(result.featureConfigHash).toBe(canonicalHash(featureConfig));
  });

  it("summarises each feature as the site's own table of the extracted cases gives it, and that table is what later jobs read", () => {
    const tables = extractedTables(cohort, canonicalHash(featureConfig));
    const { header, rows } = readCsv(tables.features);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 8 }, (_, i) => `site-b-p00${i + 1}`));
    expect(readCsv(tables.outcome).rows.map((r) => r[0])).toEqual(rows.map((r) => r[0]));
    for (const name of ['stat_mean', 'stat_var', 'morph_volume']) {
      const j = header.indexOf(name);
      const v = rows.map((r) => Number(r[j]));
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
      const s = result.summaries.find((x) => x.name === name)!;
      expect(s.n).toBe(8);
      expect(s.mean).toBeCloseTo(mean, 9);
      expect(s.sd).toBeCloseTo(sd, 9);
    }
    // The site's operator, and only they, can see which case failed and why.
    const qc = JSON.parse(readFileSync(tables.qc, 'utf8'));
    expect(qc.failed).toEqual([expect.objectContaining({ id: 'site-b-lost', code: 'FILE_NOT_FOUND' })]);
    expect(qc.missingOutcome).toEqual(['site-b-p009']);
    expect(qc.outcomeWithoutImages).toEqual(['site-b-never']);
  });

  it("reports the scanner's voxel grid of the cases it summarises, as counts: site-b's 1 × 1 mm pixels and 3 mm slices (generate-image-cohorts.mjs)", () => {
    expect(result.acquisition.pixelSpacing).toEqual([{ value: '1 × 1', count: 8 }]);
    expect(result.acquisition.sliceSpacing).toEqual([{ value: '3', count: 8 }]);
    expect(result.acquisition.modality).toEqual([{ value: 'not stated', count: 8 }]); // NIfTI states no modality
  });

  it('passes the egress guard: no case id, no per-patient array, every count at or above the minimum', () => {
    const registered = CohortRegistry.load([cohort]).get('scans');
    expect(registered.patientIds).toHaveLength(11); // 10 manifest cases + the outcome row without images
    const verdict = checkEgress('extract-result', result, { localPatientCounts: [registered.patientIds.length, 8], patientIds: new Set(registered.patientIds), minCohortSize: 3 });
    expect(verdict).toEqual({ allowed: true, schema: 'extract-result' });
  });

  it('refuses, naming the count, when fewer patients than the minimum have features and an outcome (and keeps the named QC for its operator)', async () => {
    await expect(runJob({ ...job(featureConfig), minCohortSize: 10 })).rejects.toMatchObject({
      code: 'COHORT_TOO_SMALL', message: expect.stringContaining('has 8 patients with features and an outcome'),
    });
    expect(JSON.parse(readFileSync(extractedTables(cohort, canonicalHash(featureConfig)).qc, 'utf8')).missingOutcome).toEqual(['site-b-p009']);
  }, 120_000);

  it('merges a value seen in fewer cases than the minimum into "other", so a rare scanner names no patient; suppresses a summary on too few values', () => {
    const at = (sliceThickness: number) => ({ pixelSpacing: [1, 1] as [number, number], sliceSpacing: sliceThickness, sliceThickness, modality: 'CT' });
    const cases = [3, 3, 3, 3, 3, 3, 5].map((t, i) => ({ id: `c${i}`, ok: true as const, features: { f: i, g: i < 2 ? i : Number.NaN }, diagnostics: {}, provenance: { image: { sha256: '', files: 1 }, mask: { sha256: '', files: 1 }, roi: 'label 1', acquisition: at(t) } }));
    const counts = acquisitionCounts(cases as never, 5);
    expect(counts.sliceThickness).toEqual([{ value: '3', count: 6 }, { value: 'other', count: 1 }]);
    expect(counts.modality).toEqual([{ value: 'CT', count: 7 }]);
    // A header string longer than the schema's 200 characters is cut, marked with a hash of the whole: two that share a beginning count apart.
    const long = (tail: string) => ({ ...at(3), model: 'M'.repeat(300) + tail });
    const longCases = [0, 1, 2, 3, 4, 5].map((i) => ({ ...cases[i], provenance: { ...cases[i].provenance, acquisition: long(i < 3 ? 'A' : 'B') } }));
    const models = acquisitionCounts(longCases as never, 3).model!;
    expect(models.map((m) => m.count)).toEqual([3, 3]);
    for (const m of models) expect(m.value.length).toBeLessThanOrEqual(200);
    const digest = (tail: string) => createHash('sha256').update('M'.repeat(300) + tail).digest('hex').slice(0, 12);
    expect(models.map((m) => m.value.slice(-12)).sort()).toEqual([digest('A'), digest('B')].sort());
    expect(validate('extract-result', { kind: 'extract', featureConfigHash: canonicalHash(featureConfig), patientCount: 6, failedCases: 0, featureCount: 0, summaries: [], featureTableHash: 'a'.repeat(64), acquisition: { model: models } }).valid).toBe(true);
    // f has 7 values (mean 3, SD of 0…6); g only 2, fewer than 5: suppressed, and counted.
    const { summaries, suppressed } = featureSummaries(['f', 'g'], cases.map((c) => c.features), 5);
    expect(summaries).toEqual([{ name: 'f', n: 7, mean: 3, sd: Math.sqrt(28 / 6), missing: 0 }]);
    expect(suppressed).toBe(1);
  });

  it('keeps another config apart: its tables have their own names', async () => {
    const other = { ...featureConfig, families: ['morphology'] };
    await runJob(job(other));
    expect(extractedTables(cohort, canonicalHash(other)).features).not.toBe(extractedTables(cohort, canonicalHash(featureConfig)).features);
    expect(existsSync(extractedTables(cohort, canonicalHash(other)).features)).toBe(true);
    expect(readCsv(extractedTables(cohort, canonicalHash(other)).features).header.every((h) => h === 'id' || h.startsWith('morph_'))).toBe(true);
  }, 120_000);
});

describe('extract job with IBSI 2 filters in the pinned config (#15 in a campaign)', () => {
  it("computes the filtered features a protocol's featureConfig asks for, named by filter, and summarises them", async () => {
    const config = {
      families: ['intensity_statistics'],
      filters: [{ family: 'laplacian_of_gaussian', boundary: 'mirror', sigma: 1.5, truncation: 4, dimensionality: '3D' }],
      filteredFamilies: ['intensity_statistics'],
    };
    const result = (await runJob(job(config))) as unknown as Result;
    expect(validate('extract-result', result)).toEqual({ valid: true });
    const filtered = result.summaries.filter((s) => s.name.includes('__stat_'));
    expect(filtered.length).toBeGreaterThan(10);
    // The site's own table holds the same filtered columns the summaries name, for the later jobs.
    const { header, rows } = readCsv(extractedTables(cohort, canonicalHash(config)).features);
    const name = filtered.find((s) => s.name.endsWith('__stat_mean'))!.name;
    const j = header.indexOf(name);
    const v = rows.map((r) => Number(r[j]));
    expect(filtered.find((s) => s.name === name)!.mean).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 9);
  }, 120_000);
});

describe('extract job on an image cohort with time points (delta-radiomics)', () => {
  it('keeps one row of delta features per patient, counts patients, and reports the acquisitions behind them', async () => {
    const img = (p: number) => `images/site-b-p00${p}.nii.gz,masks/site-b-p00${p}.nii.gz`;
    writeFileSync(join(site, 'delta.csv'), ['id,timepoint,image,mask', `A,pre,${img(1)}`, `B,pre,${img(2)}`, `C,pre,${img(3)}`, `A,post,${img(4)}`, `B,post,${img(5)}`, `C,post,${img(6)}`].join('\n') + '\n');
    writeFileSync(join(site, 'delta-outcome.csv'), 'id,label\nA,1\nB,0\nC,1\n');
    const deltaCohort = { name: 'followup', images: join(site, 'delta.csv'), features: join(dir, 'data/features/followup.csv'), outcome: join(site, 'delta-outcome.csv') };
    const config = { families: ['intensity_statistics'] };
    const result = (await runJob({ ...job(config), cohort: deltaCohort })) as unknown as Result;
    expect(validate('extract-result', result)).toEqual({ valid: true });
    expect(result).toMatchObject({ patientCount: 3, failedCases: 0, missingOutcome: 0 });
    expect(result.acquisition.sliceSpacing).toEqual([{ value: '3', count: 6 }]); // six acquisitions behind three rows
    const { header, rows } = readCsv(extractedTables(deltaCohort, canonicalHash(config)).features);
    expect(rows.map((r) => r[0])).toEqual(['A', 'B', 'C']);
    expect(header).toContain('stat_mean.pre');
    expect(header).toContain('stat_mean.delta.post');
    expect(CohortRegistry.load([deltaCohort]).get('followup').patientIds).toEqual(['A', 'B', 'C']);
  }, 120_000);
});

// The smoke test of issue #13: the two real sarcoma patients (CT series + RTSTRUCT, ../shared/sts-dicom)
// through a site's extraction. Acquisition facts as pydicom reads them (packages/imaging/test/fixtures/sts/acquisition.json).
describe('extract job on the real STS CT cases', () => {
  const sts = join(repoRoot, '../shared/sts-dicom');
  it('extracts both patients from DICOM + RTSTRUCT and reports their scanner as counts: GE Discovery ST CT at 140 kV, 3.27 mm slices', async () => {
    const stsDir = mkdtempSync(join(tmpdir(), 'extract-sts-'));
    try {
      writeFileSync(join(stsDir, 'manifest.csv'), ['id,image,mask,roi', ...['STS_001', 'STS_002'].map((p) => `${p},${join(sts, p, 'CT/image')},${join(sts, p, 'CT/mask/RS.dcm')},GTV_Mass_CT`)].join('\n') + '\n');
      writeFileSync(join(stsDir, 'outcome.csv'), 'id,label\nSTS_001,1\nSTS_002,0\n');
      const config = { families: ['morphology', 'intensity_statistics'] };
      const result = (await runJob({
        envelope: envelope('extract', { kind: 'extract', featureConfig: config }), siteId: 'site-a', minCohortSize: 2, workDir: join(stsDir, 'jobs'),
        cohort: { name: 'sts', images: join(stsDir, 'manifest.csv'), features: join(stsDir, 'features/sts.csv'), outcome: join(stsDir, 'outcome.csv') },
      })) as unknown as Result;
      expect(validate('extract-result', result)).toEqual({ valid: true });
      expect(result).toMatchObject({ patientCount: 2, failedCases: 0, missingOutcome: 0 });
      expect(result.acquisition).toMatchObject({
        modality: [{ value: 'CT', count: 2 }],
        manufacturer: [{ value: 'GE MEDICAL SYSTEMS', count: 2 }],
        model: [{ value: 'Discovery ST', count: 2 }],
        kvp: [{ value: '140', count: 2 }],
        sliceThickness: [{ value: '3.27', count: 2 }],
      });
    } finally {
      rmSync(stsDir, { recursive: true, force: true });
    }
  }, 180_000);
});
