import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CampaignProtocol, JobEnvelope } from '@fedrad/protocol';
import { jobIdProblem } from '../src/jobIds.js';
import { admitJob, unverifiableCoefficients } from '../src/jobPolicy.js';
import { siteRole } from '../src/protocolConformance.js';
import { SiteStore } from '../src/siteStore.js';
import { repoRoot } from './helpers.js';

// The site's own rules, one by one, on a real SQLite store; the hostile-coordinator suite runs
// them end to end. References are counts made here: which patients two cohorts do not share.
const protocol = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'job-policy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `P${String(from + i).padStart(3, '0')}`);
const job = (kind: JobEnvelope['kind'], jobId: string, extra: Partial<JobEnvelope> = {}, params: Record<string, unknown> = {}) =>
  ({ type: 'job', jobId, campaignId: protocol.campaignId, protocolHash: 'ab'.repeat(32), siteId: 'site-a', kind, attempt: 1, deadline: '2026-12-06T12:00:00Z', nonce: 'cd'.repeat(32), params: { kind, ...params }, ...extra }) as JobEnvelope;

describe('job ids (SITE_CHANNEL.md §3)', () => {
  const base = { campaignId: 'sts', siteId: 'site-a' };
  it('accepts exactly the ids of the envelope\'s campaign, round and site', () => {
    expect(jobIdProblem({ ...base, kind: 'train-round', round: 3, jobId: 'sts/r3/site-a' })).toBeUndefined();
    expect(jobIdProblem({ ...base, kind: 'evaluate', jobId: 'sts/eval/site-a' })).toBeUndefined();
    expect(jobIdProblem({ ...base, kind: 'evaluate', jobId: 'sts/eval/site-a/2' })).toBeUndefined();
    expect(jobIdProblem({ ...base, kind: 'extract', jobId: 'sts/extract/site-a' })).toBeUndefined();
  });
  it('refuses another round, another site, a second id for a round, a path, a suffix that is not a count', () => {
    for (const [kind, jobId, round] of [
      ['train-round', 'sts/r2/site-a', 3], ['train-round', 'sts/r3/site-b', 3], ['train-round', 'sts/r3/site-a/2', 3], ['train-round', 'sts/r3', 3],
      ['evaluate', 'sts/eval/site-a/../../x', undefined], ['evaluate', 'sts/eval/site-a/0', undefined], ['extract', 'sts/extract/site-a/x', undefined],
    ] as const) {
      expect(jobIdProblem({ ...base, kind, jobId, round })).toMatch(/is not the/);
    }
  });
});

describe('the site\'s role comes from the protocol', () => {
  it('training, test, or neither (also when listed as both)', () => {
    expect(siteRole(protocol, 'site-a')).toBe('training');
    expect(siteRole(protocol, 'site-d')).toBe('test');
    expect(siteRole(protocol, 'site-z')).toBeUndefined();
    expect(siteRole({ ...protocol, testSites: ['site-a'] }, 'site-a')).toBeUndefined();
  });
});

describe('the site\'s job policy (persisted query audit)', () => {
  it('refuses a cohort 1 to minimum − 1 patients away from one answered; allows 0 or ≥ minimum, across restarts', () => {
    const file = join(dir, 'cohorts.sqlite');
    let store = new SiteStore(file);
    const p = { ...protocol, jobBudget: { summaries: 10 } };
    expect(admitJob(store, { job: job('extract', 'sts-grade-2026/extract/site-a'), protocol: p, patientIds: ids(0, 40), minCohortSize: 5 })).toBeUndefined();
    store.close();
    store = new SiteStore(file); // the audit survives a restart
    // Four patients fewer, or one swapped (two differ): refused. Five fewer, or the same set again: allowed.
    expect(admitJob(store, { job: job('extract', 'sts-grade-2026/extract/site-a/2'), protocol: p, patientIds: ids(0, 36), minCohortSize: 5 })?.code).toBe('COHORT_DIFFERENCE_TOO_SMALL');
    expect(admitJob(store, { job: job('extract', 'sts-grade-2026/extract/site-a/2'), protocol: p, patientIds: [...ids(0, 39), 'P999'], minCohortSize: 5 })?.code).toBe('COHORT_DIFFERENCE_TOO_SMALL');
    expect(admitJob(store, { job: job('extract', 'sts-grade-2026/extract/site-a/2'), protocol: p, patientIds: ids(0, 35), minCohortSize: 5 })).toBeUndefined();
    expect(admitJob(store, { job: job('extract', 'sts-grade-2026/extract/site-a/3'), protocol: p, patientIds: ids(0, 40), minCohortSize: 5 })).toBeUndefined();
    // 35 and 40 were answered: 36 is one away from 35 as well.
    expect(admitJob(store, { job: job('extract', 'sts-grade-2026/extract/site-a/4'), protocol: p, patientIds: ids(0, 38), minCohortSize: 5 })?.code).toBe('COHORT_DIFFERENCE_TOO_SMALL');
    store.close();
  });

  it('counts rounds and budgets per campaign; the same job id is never counted twice', () => {
    const store = new SiteStore(join(dir, 'rounds.sqlite'));
    const train = (round: number) => job('train-round', `sts-grade-2026/r${round}/site-a`, { round });
    const admit = (j: JobEnvelope, p = protocol) => admitJob(store, { job: j, protocol: p, patientIds: ids(0, 40), minCohortSize: 5 })?.code;
    expect(admit(train(0))).toBeUndefined();
    expect(admit(train(0))).toBeUndefined(); // the same job again (a retry after a crash)
    expect(admit(train(2))).toBeUndefined();
    expect(admit(train(1))).toBe('ROUND_OUT_OF_ORDER');
    expect(admit({ ...train(0), campaignId: 'other', jobId: 'other/r0/site-a' })).toBeUndefined(); // another campaign's rounds are its own
    const evaluate = (n: string, modelHash: string) => job('evaluate', `sts-grade-2026/eval/site-a${n}`, {}, { modelHash, modelOnnxBase64: '' });
    expect(admit(evaluate('', 'a'.repeat(64)))).toBeUndefined();
    expect(admit(evaluate('/2', 'b'.repeat(64)))).toBe('MODEL_NOT_LOCKED');
    expect(admit(evaluate('/2', 'a'.repeat(64)))).toBe('JOB_BUDGET_SPENT'); // default budget: one evaluation
    expect(admit(evaluate('', 'a'.repeat(64)))).toBeUndefined(); // its own job id again
    expect(admit(evaluate('/2', 'a'.repeat(64)), { ...protocol, jobBudget: { evaluations: 2 } })).toBeUndefined();
    store.close();
  });

  it('budgets a reproducibility step as one summary job beyond the extraction: a second reproducibility job is refused, and none over a cohort a handful away', () => {
    const store = new SiteStore(join(dir, 'reproducibility.sqlite'));
    // The example protocol pins no feature config; with one and a reproducibility step, its plan sends each site 2 summary jobs.
    const p = { ...protocol, featureConfig: {}, reproducibility: { source: 'segmentations', threshold: 0.75 } } as CampaignProtocol;
    const admit = (j: JobEnvelope, patients = ids(0, 40)) => admitJob(store, { job: j, protocol: p, patientIds: patients, minCohortSize: 5 })?.code;
    expect(admit(job('extract', 'sts-grade-2026/extract/site-a'))).toBeUndefined();
    // The same job asked over one patient fewer: its sums minus the first's would be that patient's.
    expect(admit(job('reproducibility', 'sts-grade-2026/reproducibility/site-a'), ids(0, 39))).toBe('COHORT_DIFFERENCE_TOO_SMALL');
    expect(admit(job('reproducibility', 'sts-grade-2026/reproducibility/site-a'))).toBeUndefined();
    expect(admit(job('reproducibility', 'sts-grade-2026/reproducibility/site-a/2'))).toBe('JOB_BUDGET_SPENT');
    expect(admit(job('reproducibility', 'sts-grade-2026/reproducibility/site-a'))).toBeUndefined(); // its own id again: a retry
    store.close();
  });
});

describe('coefficients the site cannot verify (issue #16)', () => {
  const plain = { ...protocol, training: { strategy: 'exact-newton', rounds: 10 } } as CampaignProtocol;
  const step = (round: number) => ({ kind: 'train-round', round, strategy: 'exact-newton', model: { family: 'logistic' }, features: ['f1'], globalParameters: [] });
  const jobs: Array<[string, JobEnvelope, boolean]> = [
    ['train-round 0', job('train-round', 'x/r0/site-a', { round: 0 }, step(0)), false],
    ['train-round 1', job('train-round', 'x/r1/site-a', { round: 1 }, step(1)), true],
    ['a grid exchange', job('tune-round', 'x/tune/r4/site-a', { round: 4 }, { round: 4, phase: 'grid', folds: { scheme: 'kfold', count: 5 } }), false],
    ['a LASSO-path exchange', job('tune-round', 'x/tune/r1/site-a', { round: 1 }, { round: 1, phase: 'path', folds: { scheme: 'none', count: 0 }, coef: [[0, 1]] }), true],
    ['a tuning exchange', job('tune-round', 'x/tune/r9/site-a', { round: 9 }, { round: 9, phase: 'path', folds: { scheme: 'kfold', count: 5 }, coef: [[0, 1]] }), true],
    ['baseline round 0', job('baseline-round', 'x/baseline/combined/r25/site-a', { round: 25 }, { model: 'combined', step: step(0) }), false],
    ['baseline round 1', job('baseline-round', 'x/baseline/clinical/r1/site-a', { round: 1 }, { model: 'clinical', step: step(1) }), true],
    ['an evaluation', job('evaluate', 'x/eval/site-a', {}, { modelHash: 'ab'.repeat(32) }), false],
  ];
  it('refuses, under a protocol with neither training.shareSiteUpdates nor training.secureAggregation, exactly the jobs at the coordinator\'s coefficients', () => {
    for (const [what, j, refused] of jobs) {
      const refusal = unverifiableCoefficients(j, plain, 'site-a');
      expect([what, refusal?.code]).toEqual([what, refused ? 'COEFFICIENTS_UNVERIFIABLE' : undefined]);
    }
  });
  it('leaves every job to the checks of a protocol that sets either setting', () => {
    for (const setting of ['shareSiteUpdates', 'secureAggregation']) {
      const checked = { ...plain, training: { ...plain.training, [setting]: true } } as CampaignProtocol;
      for (const [, j] of jobs) expect(unverifiableCoefficients(j, checked, 'site-a')).toBeUndefined();
    }
  });
});
