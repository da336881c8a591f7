import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combatCovariateFit, combatEstimate, runCombatTwin, type CombatRows } from '@fedrad/harmonize';
import { harmonizeBasisHash, type CampaignProtocol, type HarmonizeResult, type JobEnvelope } from '@fedrad/protocol';
import { runJob } from '../src/jobs/runJob.js';
import { admitJob } from '../src/jobPolicy.js';
import { checkEgress } from '../src/egressGuard.js';
import { protocolDeviations } from '../src/protocolConformance.js';
import { SiteStore } from '../src/siteStore.js';
import { keptHarmonization } from '../src/harmonizations.js';
import { envelope, generateCohorts, readCsv, repoRoot } from './helpers.js';

// Real site harmonize jobs on three sites' generated cohorts (each with its own scanner distortion),
// the coordinator half by @fedrad/harmonize's coordinator functions, then a real train-round job on
// the kept harmonisation (and a real select job: its sums). Reference: runCombatTwin — what `fedrad harmonize --method combat --sites`
// runs — over the same partitions read here from the CSV text, and the closed-form logistic gradient
// of SITE_CHANNEL.md §6 on those rows (plain arithmetic, no learn).
const SITES = ['site-a', 'site-b', 'site-c'];
let dir: string;
let features: string[];
const cohorts: Record<string, { name: string; features: string; outcome: string }> = {};
const csv: Record<string, { ids: string[]; x: number[][]; y: number[] }> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'harmonize-job-'));
  const summary = generateCohorts(dir, 'site-a=37,site-b=41,site-c=30', 4);
  features = summary.features;
  for (const site of summary.sites) {
    cohorts[site.siteId] = { name: 'training', features: site.featuresCsv, outcome: site.outcomeCsv };
    const f = readCsv(site.featuresCsv);
    csv[site.siteId] = { ids: f.rows.map((r) => r[0]), x: f.rows.map((r) => r.slice(1).map(Number)), y: readCsv(site.outcomeCsv).rows.map((r) => Number(r[1])) };
    mkdirSync(join(dir, 'work', site.siteId), { recursive: true });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jobAt = (siteId: string, kind: JobEnvelope['kind'], params: Record<string, unknown>, minCohortSize = 5, round?: number) => ({
  envelope: { ...envelope(kind, params, round), jobId: `test/${kind}/${siteId}`, siteId },
  siteId,
  cohort: cohorts[siteId],
  minCohortSize,
  workDir: join(dir, 'work', siteId),
});
const moments = (siteId: string, minCohortSize = 5) =>
  runJob(jobAt(siteId, 'harmonize', { kind: 'harmonize', stage: 'moments', method: 'combat', features }, minCohortSize)) as unknown as Promise<HarmonizeResult>;

/** The coordinator's half on the sites' answers: distributed ComBat's fit and estimate (no covariates). */
function estimate(results: Map<string, HarmonizeResult>) {
  const m = new Map([...results].map(([s, r]) => [s, { patientCount: r.patientCount, featureNames: features, covariateNames: [], featureMean: r.featureMean!, covariateMean: [], covariateScatter: [], crossScatter: [] }]));
  const residuals = new Map([...results].map(([s, r]) => [s, { patientCount: r.patientCount, residualSumSq: r.sumSq! }]));
  return combatEstimate(m, residuals, combatCovariateFit(m));
}

const HASH = 'e7'.repeat(32);
const applyParams = (siteId: string, adjustment: ReturnType<typeof estimate> extends Map<string, infer A> ? A : never, basisHash: string) => ({
  kind: 'harmonize', stage: 'apply', method: 'combat', features, batch: siteId, basisHash, harmonizationHash: HASH,
  combat: { grandMean: adjustment.grandMean, varPooled: adjustment.varPooled, gammaStar: adjustment.gammaStar, deltaStar: adjustment.deltaStar, reference: adjustment.reference },
});
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Mean and 1/(n−1) SD, by hand. */
function meanSd(v: number[]): { mean: number; sd: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, sd: Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1)) };
}

describe('the harmonize job at a site', () => {
  const applied = new Map<string, HarmonizeResult>();
  let results: Map<string, HarmonizeResult>;
  let adjustments: ReturnType<typeof estimate>;
  beforeAll(async () => {
    results = new Map();
    for (const s of SITES) results.set(s, await moments(s));
    adjustments = estimate(results);
  });

  it('sends a count, means and sums of squares only: one per feature, whatever the cohort size', () => {
    for (const s of SITES) {
      const r = results.get(s)!;
      expect(Object.keys(r).sort()).toEqual(['featureMean', 'kind', 'patientCount', 'stage', 'sumSq']);
      expect([r.patientCount, r.featureMean!.length, r.sumSq!.length]).toEqual([csv[s].ids.length, features.length, features.length]);
    }
  });

  it('keeps its own estimate, and a train-round job naming it trains on the rows the local twin harmonises (closed-form gradient)', async () => {
    const partitions = new Map(SITES.map((s): [string, CombatRows] => [s, { ids: csv[s].ids, featureNames: features, values: Float64Array.from(csv[s].x.flat()) }]));
    const twin = runCombatTwin(partitions, {}, 5).harmonised;
    for (const s of SITES) {
      const kept = (await runJob(jobAt(s, 'harmonize', applyParams(s, adjustments.get(s)!, harmonizeBasisHash(results.get(s)!))))) as unknown as HarmonizeResult;
      applied.set(s, kept);
      expect(kept).toEqual({ kind: 'harmonize', stage: 'apply', patientCount: csv[s].ids.length, harmonizationHash: HASH, summaries: expect.any(Array) });
      // Issue #14: each feature's n, mean and SD before (the CSV's rows) and after (the twin's harmonised rows), computed here.
      const n = csv[s].ids.length;
      features.forEach((name, j) => {
        const before = meanSd(csv[s].x.map((r) => r[j]));
        const after = meanSd(Array.from({ length: n }, (_, i) => twin.get(s)![i * features.length + j]));
        const got = kept.summaries![j];
        expect([got.name, got.n]).toEqual([name, n]);
        for (const [x, want] of [[got.before, before], [got.after, after]] as const) {
          expect(Math.abs(x.mean - want.mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want.mean)));
          expect(Math.abs(x.sd - want.sd)).toBeLessThanOrEqual(1e-9 * Math.max(1, want.sd));
        }
      });
    }
    const coef = [0.2, 0.1, -0.05, 0.03, 0.01];
    for (const s of SITES) {
      const update = (await runJob(jobAt(s, 'train-round', {
        kind: 'train-round', round: 0, strategy: 'exact-newton', model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05 },
        features, globalParameters: [{ name: 'coef', shape: [5], data: coef }], harmonizationHash: HASH,
      }, 5, 0))) as { tensors: Array<{ name: string; data: number[] }> };
      const p = features.length;
      const h = twin.get(s)!;
      const g = new Array(p + 1).fill(0);
      csv[s].y.forEach((y, i) => {
        const xt = [1, ...h.subarray(i * p, (i + 1) * p)];
        const mu = sigmoid(xt.reduce((a, v, k) => a + v * coef[k], 0));
        xt.forEach((v, k) => (g[k] += (mu - y) * v));
      });
      const gradient = update.tensors.find((t) => t.name === 'gradient')!.data;
      gradient.forEach((v, k) => expect(Math.abs(v - g[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(g[k]))));
    }
  });

  it('keeps one harmonisation per campaign: a second estimate H2 (crafted scale and shift) is refused, under its own hash or the kept one; the same one re-sent is kept again', async () => {
    const s = 'site-a';
    const basis = harmonizeBasisHash(results.get(s)!);
    const honest = applyParams(s, adjustments.get(s)!, basis);
    const campaignId = jobAt(s, 'harmonize', honest).envelope.campaignId;
    const kept = () => JSON.stringify(keptHarmonization(join(dir, 'work', s), campaignId, HASH));
    const before = kept();
    // The coordinator's H2: this site's batch estimate with every feature's shift and scale of its choosing.
    const crafted = { ...honest.combat, gammaStar: honest.combat.gammaStar.map((g, j) => g + 3 * (j + 1)), deltaStar: honest.combat.deltaStar.map((d) => d * 40) };
    const H2 = 'd2'.repeat(32);
    const second = (params: Record<string, unknown>) => runJob({ ...jobAt(s, 'harmonize', params), envelope: { ...jobAt(s, 'harmonize', params).envelope, jobId: `test/harmonize/${s}/2` } });
    await expect(second({ ...honest, harmonizationHash: H2, combat: crafted })).rejects.toMatchObject({ code: 'HARMONIZATION_REFUSED', message: expect.stringContaining(`already keeps harmonisation ${HASH} for campaign`) });
    await expect(second({ ...honest, combat: crafted })).rejects.toMatchObject({ code: 'HARMONIZATION_REFUSED', message: expect.stringContaining(`keeps harmonisation ${HASH} for campaign ${campaignId} with another estimate`) });
    // Nothing was replaced, and no job can name H2.
    expect(kept()).toBe(before);
    await expect(runJob(jobAt(s, 'select', { kind: 'select', features, minCohortSize: 5, harmonizationHash: H2 }))).rejects.toMatchObject({ code: 'HARMONIZATION_UNKNOWN' });
    // The honest estimate re-sent (a coordinator retrying its apply job) is answered as before.
    await expect(second(honest)).resolves.toEqual(applied.get(s));
    expect(kept()).toBe(before);
  });

  it('a select job naming it sends the sums of the rows the local twin harmonises (plain arithmetic), not of the rows as extracted', async () => {
    const partitions = new Map(SITES.map((s): [string, CombatRows] => [s, { ids: csv[s].ids, featureNames: features, values: Float64Array.from(csv[s].x.flat()) }]));
    const twin = runCombatTwin(partitions, {}, 5).harmonised;
    const p = features.length;
    for (const s of SITES) {
      const result = (await runJob(jobAt(s, 'select', { kind: 'select', features, minCohortSize: 5, harmonizationHash: HASH }))) as { patientCount: number; tensors: Array<{ name: string; data: number[] }> };
      const h = twin.get(s)!;
      const expected: Record<string, number[]> = { 'feature-sum': new Array(p).fill(0), 'feature-sumsq': new Array(p).fill(0), 'feature-sumy': new Array(p).fill(0), 'cross-products': new Array(p * p).fill(0) };
      csv[s].y.forEach((y, i) => {
        for (let j = 0; j < p; j++) {
          const v = h[i * p + j];
          expected['feature-sum'][j] += v;
          expected['feature-sumsq'][j] += v * v;
          expected['feature-sumy'][j] += v * y;
          for (let k = 0; k < p; k++) expected['cross-products'][j * p + k] += v * h[i * p + k];
        }
      });
      expect(result.patientCount).toBe(csv[s].ids.length);
      for (const [name, values] of Object.entries(expected)) {
        const got = result.tensors.find((t) => t.name === name)!.data;
        values.forEach((v, k) => expect(Math.abs(got[k] - v)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v))));
      }
      // The harmonisation moved the sums: the comparison above could not pass on the rows as extracted.
      const raw = csv[s].x.reduce((a, r) => a + r[0], 0);
      expect(Math.abs(raw - expected['feature-sum'][0])).toBeGreaterThan(1e-3);
    }
  });

  describe('an attacking coordinator', () => {
    it('asking for the sums of a cohort below the minimum is refused before anything is computed', async () => {
      await expect(moments('site-c', 31)).rejects.toMatchObject({ code: 'COHORT_TOO_SMALL' });
    });

    it('the summaries an apply job answers with hold no patient value: they pass the egress guard, no number in them is one of a patient\'s values before or after, and below the minimum cohort none are sent', async () => {
      for (const s of SITES) {
        const result = applied.get(s)!;
        const n = csv[s].ids.length;
        const { round: _round, ...frame } = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/job-result/valid-1.json'), 'utf8'));
        const verdict = checkEgress('job-result', { ...frame, siteId: s, kind: 'harmonize', result }, { localPatientCounts: [n], patientIds: new Set(csv[s].ids), minCohortSize: 5 });
        expect(verdict).toEqual({ allowed: true, schema: 'job-result' });
        const patientValues = new Set(csv[s].x.flat());
        const numbers = result.summaries!.flatMap((x) => [x.before.mean, x.before.sd, x.after.mean, x.after.sd]);
        expect(numbers.filter((v) => patientValues.has(v))).toEqual([]);
        expect(Object.keys(result.summaries![0]).sort()).toEqual(['after', 'before', 'n', 'name']);
      }
      // Per-site z-scoring needs no moments: the apply job alone must refuse a cohort below the minimum.
      const zscore = { kind: 'harmonize', stage: 'apply', method: 'zscore-site', features, batch: 'site-c', harmonizationHash: 'a1'.repeat(32) };
      await expect(runJob(jobAt('site-c', 'harmonize', zscore, csv['site-c'].ids.length + 1))).rejects.toMatchObject({ code: 'COHORT_TOO_SMALL' });
    });

    it('asking for the sums of a cohort differing by one patient from one already answered is refused (differencing)', () => {
      const store = new SiteStore(join(dir, "policy.sqlite"));
      const protocol = { ...(JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol), jobBudget: { summaries: 5 } };
      const job = (jobId: string) => ({ ...envelope('harmonize', { kind: 'harmonize', stage: 'moments', method: 'combat', features }), campaignId: protocol.campaignId, jobId });
      const ids = csv['site-a'].ids;
      expect(admitJob(store, { job: job(`${protocol.campaignId}/harmonize/site-a`), protocol, patientIds: ids, minCohortSize: 5 })).toBeUndefined();
      expect(admitJob(store, { job: job(`${protocol.campaignId}/harmonize/site-a/2`), protocol, patientIds: ids.slice(1), minCohortSize: 5 })).toMatchObject({ code: 'COHORT_DIFFERENCE_TOO_SMALL' });
      store.close();
    });

    it("sending another site's estimates is refused: another batch, or this batch's name on estimates resting on other moments", async () => {
      const a = adjustments.get('site-a')!;
      await expect(runJob(jobAt('site-b', 'harmonize', applyParams('site-a', a, harmonizeBasisHash(results.get('site-a')!))))).rejects.toMatchObject({ code: 'HARMONIZATION_REFUSED' });
      await expect(runJob(jobAt('site-b', 'harmonize', applyParams('site-b', a, harmonizeBasisHash(results.get('site-a')!))))).rejects.toMatchObject({ code: 'HARMONIZATION_REFUSED', message: expect.stringContaining('not on the ones this site sent') });
    });

    it('a train-round or an evaluate job naming a harmonisation the site does not hold is refused', async () => {
      const train = { kind: 'train-round', round: 0, strategy: 'exact-newton', model: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05 }, features, globalParameters: [{ name: 'coef', shape: [5], data: [0, 0, 0, 0, 0] }] };
      await expect(runJob(jobAt('site-a', 'train-round', { ...train, harmonizationHash: 'f0'.repeat(32) }, 5, 0))).rejects.toMatchObject({ code: 'HARMONIZATION_UNKNOWN' });
      await expect(runJob(jobAt('site-a', 'train-round', { ...train, harmonizationHash: '../../x' }, 5, 0))).rejects.toMatchObject({ code: 'HARMONIZATION_UNKNOWN' });
    });

    it('a select or tune-round job naming a harmonisation the site does not hold is refused', async () => {
      await expect(runJob(jobAt('site-a', 'select', { kind: 'select', features, minCohortSize: 5, harmonizationHash: 'f0'.repeat(32) }))).rejects.toMatchObject({ code: 'HARMONIZATION_UNKNOWN' });
      const tune = {
        kind: 'tune-round', round: 0, alpha: 1, phase: 'grid', features, folds: { scheme: 'leave-one-site-out', count: 3, fold: 0 }, measure: 'deviance', minCohortSize: 5,
        harmonizationHash: 'f0'.repeat(32),
      };
      await expect(runJob(jobAt('site-a', 'tune-round', tune, 5, 0))).rejects.toMatchObject({ code: 'HARMONIZATION_UNKNOWN' });
    });

    it('a select or tune-round job under a harmonising protocol that names no harmonisation is refused, and one naming a harmonisation under a protocol that harmonises nothing', () => {
      const protocol = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
      const harmonising = { ...protocol, features, analysisPlan: { ...protocol.analysisPlan, harmonization: 'zscore-pooled' as const } };
      const plain = { ...harmonising, analysisPlan: { ...protocol.analysisPlan, harmonization: 'none' as const } };
      for (const kind of ['select', 'tune-round'] as const) {
        const job = { ...envelope(kind, { kind, features, minCohortSize: protocol.minCohortSize }, kind === 'tune-round' ? 0 : undefined), campaignId: protocol.campaignId };
        const named = { ...job, params: { ...job.params, harmonizationHash: HASH } } as JobEnvelope;
        expect([kind, protocolDeviations(job, harmonising, 'training')]).toEqual([kind, expect.arrayContaining(['the protocol harmonises the features (zscore-pooled) and the job names no harmonisation to apply'])]);
        expect([kind, protocolDeviations(named, harmonising, 'training')]).not.toEqual([kind, expect.arrayContaining([expect.stringContaining('harmonis')])]);
        expect([kind, protocolDeviations(named, plain, 'training')]).toEqual([kind, expect.arrayContaining(['the protocol harmonises nothing, and the job names a harmonisation'])]);
      }
    });

    it('a protocol that harmonises has every training and evaluate job name the harmonisation, and harmonize jobs run its method', () => {
      const protocol = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
      const harmonising = { ...protocol, analysisPlan: { ...protocol.analysisPlan, harmonization: 'combat-federated' as const } };
      const evaluate = { ...envelope('evaluate', { kind: 'evaluate', modelHash: 'ab'.repeat(32), modelOnnxBase64: '' }), campaignId: protocol.campaignId };
      expect(protocolDeviations(evaluate, harmonising, 'test')).toEqual([expect.stringContaining('names no harmonisation')]);
      expect(protocolDeviations({ ...evaluate, params: { ...evaluate.params, harmonizationHash: HASH } } as JobEnvelope, harmonising, 'test')).toEqual([]);
      const zscore = { ...envelope('harmonize', { kind: 'harmonize', stage: 'apply', method: 'zscore-site', features }), campaignId: protocol.campaignId };
      expect(protocolDeviations(zscore, harmonising, 'training')).toEqual(['harmonisation zscore-site is not the protocol\'s combat-federated']);
      expect(protocolDeviations(zscore, { ...protocol, analysisPlan: { harmonization: 'none' } }, 'training')).toEqual(['the protocol harmonises nothing, so it asks for no harmonize job']);
    });
  });
});
