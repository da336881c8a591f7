import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { icc, iccCombine, type IccSiteSummary } from '@fedrad/harmonize';
import { canonicalHash, readFeatureTable, validate, type ReproducibilityResult } from '@fedrad/protocol';
import { CohortRegistry } from '../src/cohortRegistry.js';
import { checkEgress } from '../src/egressGuard.js';
import { extractedTables, readerTable } from '../src/extractedTables.js';
import { runJob } from '../src/jobs/runJob.js';
import { envelope, repoRoot } from './helpers.js';

// The site half of the campaign's reproducibility step (#12 item 1, #13): the extract step's
// patients measured again by a second reader's masks (generate-image-cohorts.mjs --readers 2) or by
// perturbations, and only the ANOVA sums leave. References: the two-way ANOVA computed directly on
// the pooled cells of the two readers' tables the site kept (@fedrad/harmonize's icc, checked
// against psych::ICC in its own tests), and closed forms (two identical measurements).
const featureConfig = {
  interpolation: { spacing: [2, 2, 2], imageMethod: 'linear', maskMethod: 'linear', maskThreshold: 0.5 },
  discretisation: { intensityHistogram: { method: 'FBS', binWidth: 10 }, texture: { method: 'FBS', binWidth: 10 } },
  families: ['morphology', 'intensity_statistics'],
};
const PATIENTS = 7;
let dir: string;
let cohort: { name: string; images: string; features: string; outcome: string };
let plain: { name: string; images: string; features: string; outcome: string };

const params = (extra: Record<string, unknown> = {}) => ({ kind: 'reproducibility', source: 'segmentations', featureConfig, featureConfigHash: canonicalHash(featureConfig), ...extra });
const jobOn = (c: typeof cohort, p: Record<string, unknown>, minCohortSize = 5) => ({
  envelope: envelope('reproducibility', p), siteId: 'site-c', minCohortSize, workDir: join(dir, 'jobs'),
  // As the daemon gives it (siteDaemon.cohortTablesFor): the extract step's table, and the manifest.
  cohort: { name: c.name, images: c.images, features: extractedTables(c, canonicalHash(featureConfig)).features, outcome: extractedTables(c, canonicalHash(featureConfig)).outcome },
});
const summaryOf = (r: ReproducibilityResult): IccSiteSummary => ({
  patientCount: r.patientCount, readerCount: r.readerCount, featureNames: r.features.map((f) => f.name), mean: r.features.map((f) => f.mean),
  readerDeviation: r.features.flatMap((f) => f.readerDeviation), betweenCases: r.features.map((f) => f.betweenCases), withinCases: r.features.map((f) => f.withinCases),
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'reproducibility-job-'));
  execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-image-cohorts.mjs'), '--out', join(dir, 'two'), '--patients', String(PATIENTS), '--seed', '4', '--readers', '2']);
  execFileSync(process.execPath, [join(repoRoot, 'scripts/generate-image-cohorts.mjs'), '--out', join(dir, 'one'), '--patients', '5', '--seed', '4']);
  const site = (root: string, name: string) => ({ name, images: join(dir, root, 'site-c/manifest.csv'), features: join(dir, 'data/features', `${name}.csv`), outcome: join(dir, root, 'site-c/outcome.csv') });
  cohort = site('two', 'scans');
  plain = site('one', 'single');
  for (const c of [cohort, plain]) {
    await runJob({ envelope: envelope('extract', { kind: 'extract', featureConfig, featureConfigHash: canonicalHash(featureConfig) }), siteId: 'site-c', minCohortSize: 5, workDir: join(dir, 'jobs'), cohort: c });
  }
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reproducibility job over further segmentations', () => {
  let result: ReproducibilityResult;
  beforeAll(async () => {
    result = (await runJob(jobOn(cohort, params()))) as unknown as ReproducibilityResult;
  }, 120_000);

  it("sends ANOVA sums whose pooled ICC is the ICC computed directly on the two readers' tables the site kept", () => {
    expect(validate('reproducibility-result', result)).toEqual({ valid: true });
    expect(result).toMatchObject({ kind: 'reproducibility', patientCount: PATIENTS, readerCount: 2, source: 'segmentations', featureConfigHash: canonicalHash(featureConfig) });
    const tables = extractedTables(cohort, canonicalHash(featureConfig));
    const reader1 = readFeatureTable(readFileSync(tables.features, 'utf8'), 'reader 1');
    // The second reader's extraction is kept beside the table (every feature of the families), for a re-sent job.
    const reader2All = readFeatureTable(readFileSync(readerTable(tables, 2), 'utf8'), 'reader 2');
    expect(result.features.map((f) => f.name)).toEqual(reader1.featureNames);
    const column = (t: typeof reader1, name: string) => t.ids.map((_, i) => t.values[i * t.featureNames.length + t.featureNames.indexOf(name)]);
    const reader2 = { ids: reader2All.ids, featureNames: reader1.featureNames, values: Float64Array.from(reader2All.ids.flatMap((_, i) => reader1.featureNames.map((n) => reader2All.values[i * reader2All.featureNames.length + reader2All.featureNames.indexOf(n)]))) };
    const direct = icc([reader1, reader2]);
    const federated = iccCombine(new Map([['site-c', summaryOf(result)]]));
    federated.forEach((f, j) => {
      expect(f.feature).toBe(direct[j].feature);
      for (const key of ['betweenCases', 'withinCases', 'betweenReaders'] as const) {
        expect(Math.abs(f.anova[key] - direct[j].anova[key])).toBeLessThanOrEqual(1e-9 * Math.max(1, direct[j].anova[key]));
      }
    });
    // A one-voxel outline changes the volume a lot and the mean intensity little: the readers disagree on morph_volume first.
    const volume = column(reader1, 'morph_volume').map((v, i) => Math.abs(v - column(reader2, 'morph_volume')[i]));
    expect(Math.min(...volume)).toBeGreaterThan(0);
  });

  it('passes the egress guard: sums only, no case id, the count at or above the minimum', () => {
    const registered = CohortRegistry.load([cohort]).get('scans');
    expect(registered.patientIds).toHaveLength(PATIENTS);
    expect(checkEgress('reproducibility-result', result, { localPatientCounts: [PATIENTS], patientIds: new Set(registered.patientIds), minCohortSize: 5 })).toEqual({ allowed: true, schema: 'reproducibility-result' });
    // A result with fewer patients than the campaign's minimum may not leave.
    expect(checkEgress('reproducibility-result', result, { localPatientCounts: [PATIENTS], minCohortSize: 8 })).toMatchObject({ allowed: false, violations: [{ rule: 'count-below-minimum' }] });
  });

  it('refuses a cohort below the minimum, a manifest without a further segmentation, and a config other than the one it pins', async () => {
    await expect(runJob(jobOn(cohort, params(), 8))).rejects.toMatchObject({ code: 'COHORT_TOO_SMALL', message: expect.stringContaining(`has ${PATIENTS} patients with features and an outcome`) });
    await expect(runJob(jobOn(plain, params()))).rejects.toMatchObject({ code: 'JOB_INPUT_INVALID', message: expect.stringContaining('gives no further segmentation (columns mask2, mask3, …)') });
    await expect(runJob(jobOn(cohort, params({ featureConfigHash: 'ab'.repeat(32) })))).rejects.toMatchObject({ code: 'JOB_INPUT_INVALID', message: expect.stringContaining("reproducibility job's feature config hashes to") });
  });
});

describe('reproducibility job over perturbations', () => {
  it('measures each case under the protocol\'s perturbations: two unperturbed measurements agree exactly (no within-case variance), centred on the table\'s mean', async () => {
    const same = (await runJob(jobOn(plain, params({ source: 'perturbations', perturbations: ['none', 'none'], seed: 3 })))) as unknown as ReproducibilityResult;
    expect(validate('reproducibility-result', same)).toEqual({ valid: true });
    expect(same).toMatchObject({ patientCount: 5, readerCount: 2, source: 'perturbations' });
    const table = readFeatureTable(readFileSync(extractedTables(plain, canonicalHash(featureConfig)).features, 'utf8'));
    const j = table.featureNames.indexOf('stat_mean');
    const values = table.ids.map((_, i) => table.values[i * table.featureNames.length + j]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const f = same.features.find((x) => x.name === 'stat_mean')!;
    expect(f.withinCases).toBe(0);
    expect(f.mean).toBeCloseTo(mean, 9);
    // Closed form: k Σᵢ (xᵢ − m)² with both measurements equal to the table's value.
    expect(f.betweenCases).toBeCloseTo(2 * values.reduce((a, v) => a + (v - mean) ** 2, 0), 6);
    // A real perturbation moves the measurements apart; nothing is written for it (re-extracted on demand, deterministically).
    const eroded = (await runJob(jobOn(plain, params({ source: 'perturbations', perturbations: ['none', 'erode:1'] })))) as unknown as ReproducibilityResult;
    expect(eroded.features.find((x) => x.name === 'morph_volume')!.withinCases).toBeGreaterThan(0);
    expect(existsSync(readerTable(extractedTables(plain, canonicalHash(featureConfig)), 2))).toBe(false);
  }, 120_000);

  it('refuses a feature-table cohort: the step measures again from images', async () => {
    const table = { ...jobOn(plain, params()), cohort: { name: 'table', features: extractedTables(plain, canonicalHash(featureConfig)).features, outcome: plain.outcome } };
    await expect(runJob(table)).rejects.toMatchObject({ code: 'JOB_INPUT_INVALID', message: expect.stringContaining('is a feature table') });
  });
});
