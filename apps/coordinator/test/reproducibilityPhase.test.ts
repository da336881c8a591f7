import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { iccSiteSummary, type FeatureRows } from '@fedrad/harmonize';
import { runLocalTwin, selectionMethod, selectionSiteSummary, type TrainingRows } from '@fedrad/methods';
import { canonicalHash, plannedSummaryJobs, type CampaignProtocol, type JobEnvelope, type JobResult, type ReproducibilityParams, type SelectParams } from '@fedrad/protocol';
import { createCampaign, startCampaign } from '../src/core/campaigns.js';
import type { CoreContext } from '../src/core/context.js';
import { plan } from '../src/core/phases/plan.js';
import type { ReproducibilityOutput } from '../src/core/phases/reproducibility.js';
import { unsupportedFields } from '../src/core/protocolSupport.js';
import { acceptResult } from '../src/core/results.js';
import { campaignStatus } from '../src/core/status.js';
import { stepOutput } from '../src/core/stepOutputs.js';
import { openStore } from '../src/store/openStore.js';
import { makeSite, protocolFor, refuseJob, signResult, type FakeSite } from './fakeSites.js';

// The campaign's reproducibility step (#12 item 1): each training site's ANOVA sums pooled into
// every feature's ICC, filtered by the protocol's form and threshold. Reference: psych::ICC on the
// pooled readings (packages/harmonize/test/fixtures/icc.json, scripts/fixtures/harmonize/icc.R),
// whose 24 cases are split across site-a, site-b and site-c; each site answers with the site
// function a real site runs (iccSiteSummary) on its own cases.
const here = dirname(fileURLToPath(import.meta.url));
interface Fixture {
  site: string[];
  sets: Array<{ readers: number; features: Array<{ name: string; readers: number[][]; icc: Array<{ type: string; estimate: number; lower: number }> }> }>;
}
const fixture = JSON.parse(readFileSync(join(here, '../../../packages/harmonize/test/fixtures/icc.json'), 'utf8')) as Fixture;
const sites: Record<string, FakeSite> = Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, makeSite(s)]));
const featureConfig = { families: ['intensity_statistics'] } as CampaignProtocol['featureConfig'] & object;

function context(path = ':memory:'): CoreContext {
  return { db: openStore(path), clock: () => new Date('2026-12-07T01:00:00Z') };
}

function protocolWith(campaignId: string, reproducibility: CampaignProtocol['reproducibility']): CampaignProtocol {
  return { ...protocolFor({ campaignId }), featureConfig, reproducibility };
}

function answer(job: JobEnvelope, result: unknown): JobResult {
  return signResult(sites[job.siteId], {
    type: 'job-result', jobId: job.jobId, campaignId: job.campaignId, siteId: job.siteId, protocolHash: job.protocolHash, kind: job.kind,
    attempt: job.attempt, nonce: job.nonce, completedAt: '2026-12-07T01:00:00Z', result: result as JobResult['result'],
  });
}

/** The fixture's readings at one site as k reader tables. */
function siteReaders(set: Fixture['sets'][number], siteId: string): FeatureRows[] {
  const cases = fixture.site.flatMap((s, i) => (s === siteId ? [i] : []));
  return [...Array(set.readers).keys()].map((r) => ({
    ids: cases.map((i) => `case-${i + 1}`), featureNames: set.features.map((f) => f.name), values: Float64Array.from(cases.flatMap((i) => set.features.map((f) => f.readers[i][r]))),
  }));
}

/** What a site running the job sends: its sums in the result schema's shape. */
function siteResult(set: Fixture['sets'][number], siteId: string, hash = canonicalHash(featureConfig)) {
  const s = iccSiteSummary(siteReaders(set, siteId), { siteId, minCohortSize: 5 });
  return {
    kind: 'reproducibility', patientCount: s.patientCount, readerCount: s.readerCount, source: 'segmentations', featureConfigHash: hash,
    features: s.featureNames.map((name, f) => ({ name, mean: s.mean[f], betweenCases: s.betweenCases[f], withinCases: s.withinCases[f], readerDeviation: s.readerDeviation.slice(f * s.readerCount, (f + 1) * s.readerCount) })),
  };
}

const extractResult = { kind: 'extract', patientCount: 8, failedCases: 0, featureCount: 4, summaries: [], featureConfigHash: canonicalHash(featureConfig) };

/** Starts the campaign and answers every extract job; returns the reproducibility jobs that follow. */
function throughExtraction(ctx: CoreContext, campaignId: string): JobEnvelope[] {
  const next: JobEnvelope[] = [];
  for (const job of startCampaign(ctx, campaignId)) {
    const out = acceptResult(ctx, sites[job.siteId].peer, answer(job, extractResult));
    expect(out.ack.status).toBe('accepted');
    next.push(...out.send);
  }
  return next;
}

describe('the reproducibility step of a campaign', () => {
  it('runs after extraction when the protocol has the section, and counts one summary job per site', () => {
    const p = protocolWith('plan', { source: 'segmentations', threshold: 0.75 });
    expect(plan(p, {})).toEqual(['extraction', 'reproducibility', 'training', 'lock', 'report']);
    expect(plannedSummaryJobs(p)).toBe(2);
    expect(plan({ ...p, reproducibility: undefined }, {})).toEqual(['extraction', 'training', 'lock', 'report']);
  });

  for (const [readers, form, on, threshold] of [[2, 'ICC(2,1)', 'lower', 0.75], [3, 'ICC(3,1)', 'estimate', 0.8]] as const) {
    it(`pools the training sites' sums into psych::ICC's ${form} and keeps the features whose ${on} reaches ${threshold} (${readers} readers)`, () => {
      const ctx = context();
      const set = fixture.sets.find((s) => s.readers === readers)!;
      const campaignId = `icc-${readers}`;
      createCampaign(ctx, protocolWith(campaignId, { source: 'segmentations', form, on, threshold }));
      const jobs = throughExtraction(ctx, campaignId);
      expect(jobs.map((j) => j.jobId)).toEqual(['site-a', 'site-b', 'site-c'].map((s) => `${campaignId}/reproducibility/${s}`));
      expect(jobs[0].params as ReproducibilityParams).toEqual({ kind: 'reproducibility', source: 'segmentations', featureConfig, featureConfigHash: canonicalHash(featureConfig) });
      expect(campaignStatus(ctx, campaignId).phase).toBe('reproducibility');
      const after = jobs.flatMap((job) => acceptResult(ctx, sites[job.siteId].peer, answer(job, siteResult(set, job.siteId))).send);
      // The step closed: training's round 0 went out.
      expect(after.map((j) => j.kind)).toEqual(['train-round', 'train-round', 'train-round']);
      const output = stepOutput<ReproducibilityOutput>(ctx, campaignId, 'reproducibility')!.output;
      const psych = (name: string) => set.features.find((f) => f.name === name)!.icc.find((r) => r.type === form.replace('(', '').replace(',1)', ''))!;
      const judged = (name: string) => (on === 'lower' ? psych(name).lower : psych(name).estimate);
      expect(output.kept).toEqual(set.features.map((f) => f.name).filter((n) => judged(n) >= threshold));
      expect(output.kept.length).toBeGreaterThan(0);
      expect(output.dropped.map((d) => d.feature)).toEqual(set.features.map((f) => f.name).filter((n) => judged(n) < threshold));
      for (const d of output.dropped) {
        expect(Math.abs(d.icc - psych(d.feature).estimate)).toBeLessThan(1e-10);
        expect(Math.abs(d.lower - psych(d.feature).lower)).toBeLessThan(1e-10);
      }
      expect(output).toMatchObject({ form, threshold, on, confidence: 0.95, constant: [], source: 'segmentations', segmentations: readers, patients: fixture.site.length, featureConfigHash: canonicalHash(featureConfig) });
      expect(output.sites).toEqual(Object.fromEntries(['site-a', 'site-b', 'site-c'].map((s) => [s, fixture.site.filter((x) => x === s).length])));
      expect(campaignStatus(ctx, campaignId).plan[1]).toMatchObject({ phase: 'reproducibility', state: 'done', outputHash: canonicalHash(output) });
    });
  }

  it('resumes after a coordinator restart in the middle of the step: the sums already in count, and the output is the uninterrupted one', () => {
    const set = fixture.sets[0];
    const protocol = protocolWith('restart', { source: 'segmentations', threshold: 0.75, on: 'lower' });
    const straight = context();
    createCampaign(straight, protocol);
    for (const job of throughExtraction(straight, 'restart')) acceptResult(straight, sites[job.siteId].peer, answer(job, siteResult(set, job.siteId)));
    const expected = stepOutput(straight, 'restart', 'reproducibility')!.outputHash;

    const dir = mkdtempSync(join(tmpdir(), 'fedrad-repro-restart-'));
    try {
      let ctx = context(join(dir, 'c.sqlite'));
      createCampaign(ctx, protocol);
      const jobs = throughExtraction(ctx, 'restart');
      acceptResult(ctx, sites['site-a'].peer, answer(jobs[0], siteResult(set, 'site-a')));
      ctx.db.close();
      ctx = context(join(dir, 'c.sqlite'));
      expect(campaignStatus(ctx, 'restart').phase).toBe('reproducibility');
      for (const job of jobs.slice(1)) acceptResult(ctx, sites[job.siteId].peer, answer(job, siteResult(set, job.siteId)));
      expect(stepOutput(ctx, 'restart', 'reproducibility')!.outputHash).toBe(expected);
      expect(campaignStatus(ctx, 'restart').phase).toBe('training');
      ctx.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a result for another feature config or another number of perturbations, and fails the step below the quorum, naming each site\'s reason', () => {
    const ctx = context();
    createCampaign(ctx, protocolWith('refused', { source: 'segmentations', threshold: 0.5 }));
    const jobs = throughExtraction(ctx, 'refused');
    const set = fixture.sets[0];
    const wrong = acceptResult(ctx, sites['site-a'].peer, answer(jobs[0], siteResult(set, 'site-a', 'ab'.repeat(32))));
    expect(wrong.ack).toMatchObject({ status: 'refused', code: 'UPDATE_INVALID', message: expect.stringContaining("not the protocol's") });
    acceptResult(ctx, sites['site-a'].peer, answer(jobs[0], siteResult(set, 'site-a')));
    acceptResult(ctx, sites['site-b'].peer, refuseJob(sites['site-b'], jobs[1], 'JOB_INPUT_INVALID', 'no further segmentation'));
    acceptResult(ctx, sites['site-c'].peer, refuseJob(sites['site-c'], jobs[2], 'COHORT_TOO_SMALL', 'too few patients'));
    const status = campaignStatus(ctx, 'refused');
    expect(status.state).toBe('failed');
    expect(status.failure).toMatchObject({ code: 'REPRODUCIBILITY_FAILED', message: expect.stringMatching(/Only 1 training site.*site-b JOB_INPUT_INVALID: no further segmentation; site-c COHORT_TOO_SMALL/) });
    expect(status.plan.map((s) => s.state)).toEqual(['done', 'failed', 'skipped', 'skipped', 'skipped']);

    const perturbed = context();
    createCampaign(perturbed, protocolWith('perturbed', { source: 'perturbations', perturbations: ['none', 'erode:1', 'dilate:1'], threshold: 0.5 }));
    const [job] = throughExtraction(perturbed, 'perturbed');
    expect(job.params).toMatchObject({ source: 'perturbations', perturbations: ['none', 'erode:1', 'dilate:1'], seed: 1 });
    const two = { ...siteResult(set, 'site-a'), source: 'perturbations' };
    expect(acceptResult(perturbed, sites['site-a'].peer, answer(job, two)).ack).toMatchObject({ status: 'refused', code: 'UPDATE_INVALID', message: expect.stringContaining('lists 3 perturbations') });
  });

  it('drops a feature that varies nowhere (no ICC exists), and fails when no feature is reproducible', () => {
    const ctx = context();
    const set = fixture.sets[0];
    for (const [campaignId, threshold] of [['constant', 0.5], ['none-kept', 0.99]] as const) {
      createCampaign(ctx, protocolWith(campaignId, { source: 'segmentations', threshold }));
      for (const job of throughExtraction(ctx, campaignId)) {
        const r = siteResult(set, job.siteId);
        r.features.push({ name: 'flat', mean: 3, betweenCases: 0, withinCases: 0, readerDeviation: [0, 0] });
        acceptResult(ctx, sites[job.siteId].peer, answer(job, r));
      }
    }
    const output = stepOutput<ReproducibilityOutput>(ctx, 'constant', 'reproducibility')!.output;
    expect(output.constant).toEqual(['flat']);
    expect([...output.kept, ...output.dropped.map((d) => d.feature)].sort()).toEqual(set.features.map((f) => f.name));
    expect(campaignStatus(ctx, 'none-kept').failure).toMatchObject({ code: 'REPRODUCIBILITY_FAILED', message: expect.stringContaining('No feature reaches ICC(2,1) ≥ 0.99') });
  });

  it('selection.prefer reproducibility keeps, in each correlated cluster, the feature with the larger ICC of the step: as the local twin given psych::ICC\'s values', async () => {
    const set = fixture.sets.find((s) => s.readers === 3)!;
    const names = set.features.map((f) => f.name);
    const protocol: CampaignProtocol = {
      ...protocolWith('prefer-icc', { source: 'segmentations', form: 'ICC(3,1)', on: 'estimate', threshold: 0.5 }),
      features: names,
      selection: { maxCorrelation: 0.15, prefer: 'reproducibility' },
    };
    // Each site's rows for selection: the first reader's values of its cases, and a label alternating by case.
    const rowsOf = (siteId: string, features: readonly string[]): TrainingRows => {
      const cases = fixture.site.flatMap((s, i) => (s === siteId ? [i] : []));
      const columns = features.map((f) => set.features.find((x) => x.name === f)!);
      return { featureNames: [...features], x: Float64Array.from(cases.flatMap((i) => columns.map((f) => f.readers[i][0]))), label: Float64Array.from(cases, (i) => i % 2) };
    };
    const ctx = context();
    createCampaign(ctx, protocol);
    const selectJobs = throughExtraction(ctx, 'prefer-icc').flatMap((job) => acceptResult(ctx, sites[job.siteId].peer, answer(job, siteResult(set, job.siteId))).send);
    expect(selectJobs.map((j) => j.kind)).toEqual(['select', 'select', 'select']);
    for (const job of selectJobs) {
      const p = job.params as SelectParams;
      const s = await selectionSiteSummary({ kind: 'select-summary', features: p.features, minCohortSize: p.minCohortSize }, rowsOf(job.siteId, p.features), { siteId: job.siteId });
      expect(acceptResult(ctx, sites[job.siteId].peer, answer(job, { kind: 'select', patientCount: s.sampleCount, eventCount: s.eventCount, tensors: s.tensors })).ack.status).toBe('accepted');
    }
    const repro = stepOutput<ReproducibilityOutput>(ctx, 'prefer-icc', 'reproducibility')!.output;
    const selected = stepOutput<{ features: string[]; steps: Array<{ step: string; removed: Array<{ feature: string }> }>; statistics: Record<string, { icc?: number }> }>(ctx, 'prefer-icc', 'selection')!.output;
    // The local twin (`fedrad select --sites --reproducibility icc.json --prefer reproducibility --max-correlation 0.15`) with psych::ICC's ICC3 estimates.
    const psych = new Map(repro.kept.map((n) => [n, set.features.find((f) => f.name === n)!.icc.find((r) => r.type === 'ICC3')!.estimate]));
    const partitions = new Map(['site-a', 'site-b', 'site-c'].map((s) => [s, rowsOf(s, repro.kept)]));
    const twin = await runLocalTwin(selectionMethod({ features: repro.kept, minCohortSize: 5, icc: { values: psych, form: 'ICC(3,1)', on: 'estimate' }, correlation: { threshold: 0.15, prefer: 'reproducibility' } }), partitions, { patientCount: (r) => r.label.length });
    expect(selected.features).toEqual(twin.state.kept);
    expect(selected.steps).toEqual(JSON.parse(JSON.stringify(twin.state.steps)));
    // The pruning chose something, and by ICC: each removed feature has a kept correlate with a larger ICC.
    const removed = selected.steps.find((s) => s.step === 'correlation')!.removed.map((r) => r.feature);
    expect(removed.length).toBeGreaterThan(0);
    for (const n of repro.kept) expect(Math.abs(selected.statistics[n].icc! - psych.get(n)!)).toBeLessThan(1e-10);
    expect(repro.keptIcc.map((k) => k.feature)).toEqual(repro.kept);
  });

  it('is refused at creation without a feature config, or with perturbation settings that do not match its source', () => {
    const refused = (p: CampaignProtocol) => unsupportedFields(p).map((f) => f.field);
    expect(refused({ ...protocolWith('x', { source: 'segmentations', threshold: 0.75 }), featureConfig: undefined })).toEqual(['reproducibility']);
    expect(refused(protocolWith('x', { source: 'perturbations', threshold: 0.75 }))).toEqual(['reproducibility.perturbations']);
    expect(refused(protocolWith('x', { source: 'segmentations', perturbations: ['none', 'noise'], seed: 2, threshold: 0.75 }))).toEqual(['reproducibility.perturbations', 'reproducibility.seed']);
    expect(refused(protocolWith('x', { source: 'perturbations', perturbations: ['none', 'noise'], seed: 2, threshold: 0.75 }))).toEqual([]);
    expect(() => createCampaign(context(), { ...protocolWith('x', { source: 'segmentations', threshold: 0.75 }), featureConfig: undefined })).toThrow(/reproducibility/);
    // The committed example (perturbations, ICC(1,1) on the lower bound) is accepted as written.
    const example = JSON.parse(readFileSync(join(here, '../../../protocols/examples/campaign-protocol/valid-reproducibility.json'), 'utf8')) as CampaignProtocol;
    expect(unsupportedFields(example)).toEqual([]);
    expect(plan(example, {})).toEqual(['extraction', 'reproducibility', 'selection', 'training', 'lock', 'report']);
  });
});
