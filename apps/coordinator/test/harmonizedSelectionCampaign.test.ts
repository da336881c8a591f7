import { describe, expect, it } from '@jest/globals';
import { applyStandardisation, runCombatTwin, zscoreCombine, zscoreSiteMoments } from '@fedrad/harmonize';
import {
  crossValidationMethod, crossValidationResult, cvSiteStep, protocolTuningSettings, runLocalTwin, selectionMethod, selectionSiteSummary, trainingSiteStep,
  type CvStepParams, type TrainingRows,
} from '@fedrad/methods';
import type { CampaignProtocol, HarmonizeResult, JobEnvelope, JobResult, SelectParams, TrainRoundParams, TuneRoundParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext, ModelExporter } from '../src/core/context.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { stepOutput } from '../src/core/stepOutputs.js';
import { openStore } from '../src/store/openStore.js';
import { features as ALL, harmonizeAnswer, rowsOf } from './fakeHarmonizingSites.js';
import { glmFixture, makeSite, protocolFor, signResult, type FakeSite } from './fakeSites.js';

// Selection and tuning beside harmonisation (issue #12 items 2–4, issue #13's plan): the fake sites
// answer harmonize jobs with @fedrad/harmonize's site functions and keep the rows they harmonised
// under the step's hash; select and tune-round jobs must name that hash (a site holding no
// harmonisation under the hash a job names refuses it, as the site node does). The selection's
// statistics and the tuning's curve must then equal the local twins run on rows harmonised
// independently by `fedrad harmonize --sites`'s twin functions (runCombatTwin; the pooled z-score's
// moments and apply), then `fedrad select --sites` and `fedrad tune --sites`'s twins on those rows.
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));
const TRAINING = ['site-a', 'site-b'];
const exportModel: ModelExporter = (_p, parameters) => new TextEncoder().encode(`onnx:${JSON.stringify(parameters)}`);

/** Columns `features` of a site's full rows (all five features, harmonised or not). */
function rowsFrom(values: Float64Array, siteId: string, features: readonly string[]): TrainingRows {
  const columns = features.map((f) => ALL.indexOf(f));
  const n = glmFixture.sites[siteId].y.length;
  const x = new Float64Array(n * features.length);
  for (let i = 0; i < n; i++) columns.forEach((j, k) => (x[i * features.length + k] = values[i * ALL.length + j]));
  return { featureNames: [...features], x, label: Float64Array.from(glmFixture.sites[siteId].y) };
}

function protocolWith(campaignId: string, harmonization: 'combat' | 'zscore-pooled'): CampaignProtocol {
  return {
    ...protocolFor({ campaignId, model: { family: 'lasso-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 40 } }),
    trainingSites: TRAINING, testSites: ['site-c'], analysisPlan: { harmonization },
    selection: { fdr: 0.5, maxCorrelation: 0.9 },
    tuning: { cv: 'kfold', folds: 3, seed: 7, nlambda: 12, lambdaMinRatio: 0.01, rule: 'min' },
  };
}

function signed(job: JobEnvelope, result: JobResult['result']): JobResult {
  return signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind, attempt: job.attempt,
    ...(job.round !== undefined ? { round: job.round } : {}), nonce: job.nonce, completedAt: '2026-12-07T12:00:00Z', result,
  });
}

/** Runs the campaign to its evaluate jobs, each site answering with the site halves on the rows it harmonised. */
async function run(ctx: CoreContext, campaignId: string) {
  const kept = new Map<string, Float64Array>();
  const keptUnder = new Map<string, string>();
  const rowsNamed = (job: JobEnvelope, hash: string | undefined, features: readonly string[]) => {
    if (hash === undefined || keptUnder.get(job.siteId) !== hash) throw new Error(`${job.jobId} names harmonisation ${hash}; ${job.siteId} keeps ${keptUnder.get(job.siteId)}`);
    return rowsFrom(kept.get(job.siteId)!, job.siteId, features);
  };
  const sent: JobEnvelope[] = [];
  const queue = startCampaign(ctx, campaignId);
  while (queue.length > 0) {
    const job = queue.shift()!;
    sent.push(job);
    if (job.kind === 'evaluate') continue;
    let result: JobResult['result'];
    if (job.kind === 'harmonize') {
      const answer = harmonizeAnswer(job, kept) as HarmonizeResult;
      if (answer.harmonizationHash) keptUnder.set(job.siteId, answer.harmonizationHash);
      result = answer;
    } else if (job.kind === 'select') {
      const p = job.params as SelectParams;
      const s = await selectionSiteSummary({ kind: 'select-summary', features: p.features, minCohortSize: p.minCohortSize }, rowsNamed(job, p.harmonizationHash, p.features), { siteId: job.siteId });
      result = { kind: 'select', patientCount: s.sampleCount, eventCount: s.eventCount, tensors: s.tensors };
    } else if (job.kind === 'tune-round') {
      const { round, alpha: _a, basedOn: _b, harmonizationHash, ...step } = job.params as TuneRoundParams;
      const u = await cvSiteStep({ ...step, kind: 'cv-step' } as CvStepParams, rowsNamed(job, harmonizationHash, step.features), { siteId: job.siteId });
      result = { kind: 'tune-round', round, sampleCount: u.sampleCount, eventCount: u.eventCount, tensors: u.tensors };
    } else {
      const params = job.params as TrainRoundParams;
      const rows = rowsNamed(job, params.harmonizationHash, params.features);
      result = await trainingSiteStep(params, { featureNames: rows.featureNames, x: rows.x, label: rows.label });
    }
    const out = acceptResult(ctx, sites[job.siteId].peer, signed(job, result));
    expect([job.jobId, out.ack.status]).toEqual([job.jobId, 'accepted']);
    queue.push(...out.send);
  }
  return sent;
}

/** The training sites' rows harmonised by the local twin of `fedrad harmonize --sites`, independently of the campaign. */
function twinHarmonised(harmonization: 'combat' | 'zscore-pooled'): Map<string, Float64Array> {
  const training = new Map(TRAINING.map((s) => [s, rowsOf(s)]));
  if (harmonization === 'combat') return runCombatTwin(training, {}, 5).harmonised;
  const pooled = zscoreCombine(new Map([...training].map(([s, r]) => [s, zscoreSiteMoments(r, { siteId: s, minCohortSize: 5 })])));
  return new Map(TRAINING.map((s) => [s, applyStandardisation(rowsOf(s), pooled, s)]));
}

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(b)));

describe('selection and tuning beside harmonisation', () => {
  for (const harmonization of ['combat', 'zscore-pooled'] as const) {
    it(`${harmonization}: select and tune-round jobs name the harmonisation step's hash, and choose what the twins choose on the twin's harmonised rows`, async () => {
      const id = `harmonised-${harmonization}`;
      const protocol = protocolWith(id, harmonization);
      const ctx: CoreContext = { db: openStore(':memory:'), clock: () => new Date('2026-12-07T12:00:00Z'), exportModel };
      createCampaign(ctx, protocol);
      const sent = await run(ctx, id);
      const status = campaignStatus(ctx, id);
      expect(status.plan.map((s) => [s.phase, s.state])).toEqual([['harmonization', 'done'], ['selection', 'done'], ['tuning', 'done'], ['training', 'done'], ['lock', 'done'], ['evaluation', 'running'], ['report', 'pending']]);
      const hash = status.plan.find((s) => s.phase === 'harmonization')!.outputHash!;
      const named = sent.filter((j) => j.kind === 'select' || j.kind === 'tune-round' || j.kind === 'train-round');
      expect(new Set(named.map((j) => j.kind))).toEqual(new Set(['select', 'tune-round', 'train-round']));
      for (const j of named) expect([j.jobId, (j.params as { harmonizationHash?: string }).harmonizationHash]).toEqual([j.jobId, hash]);

      const harmonised = twinHarmonised(harmonization);
      const partitions = (features: readonly string[], values: (s: string) => Float64Array) => new Map(TRAINING.map((s) => [s, rowsFrom(values(s), s, features)]));
      const options = { features: ALL, minCohortSize: 5, univariate: { fdr: 0.5 }, correlation: { threshold: 0.9, prefer: 'association' as const } };
      const twin = (await runLocalTwin(selectionMethod(options), partitions(ALL, (s) => harmonised.get(s)!), { patientCount: (r) => r.label.length })).state;
      const raw = (await runLocalTwin(selectionMethod(options), partitions(ALL, (s) => rowsOf(s).values), { patientCount: (r) => r.label.length })).state;
      const selected = stepOutput<{ features: string[]; statistics: Record<string, { sd: number; score: number; q: number }> }>(ctx, id, 'selection')!.output;
      expect(selected.features).toEqual(twin.kept);
      for (const f of ALL) {
        close(selected.statistics[f].sd, twin.statistics![f].sd);
        close(selected.statistics[f].score, twin.statistics![f].score!);
        close(selected.statistics[f].q, twin.statistics![f].q!);
      }
      // The harmonisation changed the pooled sums: on the rows as extracted the sds differ.
      expect(ALL.some((f) => Math.abs(raw.statistics![f].sd - twin.statistics![f].sd) > 1e-3)).toBe(true);

      const settings = protocolTuningSettings(protocol, selected.features, 1);
      const cv = crossValidationResult((await runLocalTwin(crossValidationMethod(settings), partitions(selected.features, (s) => harmonised.get(s)!), { patientCount: (r) => r.label.length })).state, settings);
      const tuned = stepOutput<{ lambda: number; lambdaMin: number; cvm: number[] }>(ctx, id, 'tuning')!.output;
      close(tuned.lambdaMin, cv.lambdaMin);
      expect(tuned.lambda).toBe(tuned.lambdaMin);
      expect(tuned.cvm).toHaveLength(cv.cvm.length);
      tuned.cvm.forEach((v, l) => close(v, cv.cvm[l]));
    });
  }
});
