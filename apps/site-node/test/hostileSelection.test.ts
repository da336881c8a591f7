import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash, plannedTuneRounds, type CampaignProtocol } from '@fedrad/protocol';
import type { SiteDaemon } from '../src/siteDaemon.js';
import type { FakeCoordinator, Frame } from './fakeCoordinator.js';
import { approvedDaemon, generateCohorts, readCsv, repoRoot, siteYaml, tearDown, welcomingCoordinator } from './helpers.js';

// Issue #12 items 3–4 at a real site daemon over mTLS: a campaign's selection (select jobs) and
// tuning (tune-round jobs) steps. An honest select job is answered with sums checked here against
// the CSV itself; a coordinator that asks again over a cohort one patient smaller, asks more select
// jobs than the plan sends, leaves the protocol's features, folds or α, or replays and overruns the
// tuning exchanges, is refused by the site itself; nothing per patient leaves.
let dir: string;
let coordinator: FakeCoordinator;
let daemon: SiteDaemon;
let features: string[];
let all: { ids: string[]; x: number[][]; y: number[] };
let protocol: CampaignProtocol;
// A second campaign under the same plan: its budget is its own, the differencing check site-wide.
let second: CampaignProtocol;
let nonce = 0;
const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
delete base.analysisPlan;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-selection-'));
  const summary = generateCohorts(join(dir, 'data'), 'site-a=60', 4, 13);
  features = summary.features;
  const site = summary.sites[0];
  const f = readCsv(site.featuresCsv);
  const o = readCsv(site.outcomeCsv);
  all = { ids: f.rows.map((r) => r[0]), x: f.rows.map((r) => r.slice(1).map(Number)), y: o.rows.map((r) => Number(r[1])) };
  const minus1 = join(dir, 'data/minus-1');
  mkdirSync(minus1, { recursive: true });
  const keep = (file: string) => readFileSync(file, 'utf8').trim().split('\n').slice(0, -1).join('\n') + '\n';
  writeFileSync(join(minus1, 'features.csv'), keep(site.featuresCsv));
  writeFileSync(join(minus1, 'outcome.csv'), keep(site.outcomeCsv));
  protocol = {
    ...base, campaignId: 'hostile-select', features, trainingSites: ['site-a', 'site-b'], testSites: [], minCohortSize: 5,
    model: { family: 'lasso-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 10 },
    selection: { fdr: 0.5 }, tuning: { cv: 'leave-one-site-out', lambdas: [0.2, 0.1, 0.05] },
  };
  delete protocol.jobBudget;
  second = { ...protocol, campaignId: 'hostile-select-b' };
  const welcoming = await welcomingCoordinator(dir, 'hostile-select', [protocol, second]);
  coordinator = welcoming.coordinator;
  const port = welcoming.port;
  writeFileSync(join(dir, 'site.yaml'), siteYaml(port, [
    { name: 'all', features: site.featuresCsv, outcome: site.outcomeCsv },
    { name: 'minus-one', features: join(minus1, 'features.csv'), outcome: join(minus1, 'outcome.csv') },
  ]));
  daemon = await approvedDaemon(join(dir, 'site.yaml'), [protocol, second], coordinator);
}, 60_000);

afterAll(() => tearDown(daemon, coordinator, dir));

function job(kind: 'select' | 'tune-round' | 'train-round', jobId: string, params: Record<string, unknown>, round?: number, p = protocol) {
  return {
    type: 'job', jobId, campaignId: p.campaignId, protocolHash: canonicalHash(p), siteId: 'site-a', kind, attempt: 1, ...(round !== undefined ? { round } : {}),
    deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonce).toString(16).padStart(64, '0'), params: { kind, ...params },
  };
}
const select = (jobId: string, extra: Record<string, unknown> = {}, p = protocol) => job('select', jobId, { features, minCohortSize: 5, ...extra }, undefined, p);
const grid = (round: number, extra: Record<string, unknown> = {}) =>
  job('tune-round', `hostile-select/tune/r${round}/site-a`, { round, alpha: 1, phase: 'grid', features, folds: { scheme: 'leave-one-site-out', count: 2, fold: 0 }, measure: 'deviance', minCohortSize: 5, ...extra }, round);
const refusal = (frame: Frame) => frame.result as { type: string; code: string; message: string };

describe('selection and tuning jobs against a real site daemon', () => {
  it('answers a select job with the sums of its own rows: Σx, Σx², Σxy and the cross-products, over all its patients', async () => {
    const answer = await coordinator.ask(select('hostile-select/select/site-a', { cohort: 'all' }));
    const result = answer.result as { kind: string; patientCount: number; eventCount: number; tensors: Array<{ name: string; shape: number[]; data: number[] }> };
    expect(result).toMatchObject({ kind: 'select', patientCount: 60, eventCount: all.y.reduce((a, b) => a + b, 0) });
    const p = features.length;
    const tensor = (name: string) => result.tensors.find((t) => t.name === name)!.data;
    for (let j = 0; j < p; j++) {
      const column = all.x.map((r) => r[j]);
      expect(tensor('feature-sum')[j]).toBeCloseTo(column.reduce((a, v) => a + v, 0), 8);
      expect(tensor('feature-sumsq')[j]).toBeCloseTo(column.reduce((a, v) => a + v * v, 0), 6);
      expect(tensor('feature-sumy')[j]).toBeCloseTo(column.reduce((a, v, i) => a + v * all.y[i], 0), 8);
      for (let k = 0; k < p; k++) expect(tensor('cross-products')[j * p + k]).toBeCloseTo(all.x.reduce((a, r) => a + r[j] * r[k], 0), 6);
    }
  });

  it('refuses a select job over the cohort one patient smaller (differencing), and a second select job beyond the plan\'s one', async () => {
    // The other campaign's budget is unspent: only the differencing rule stands between it and the one patient's sums.
    const minusOne = await coordinator.ask(select('hostile-select-b/select/site-a', { cohort: 'minus-one' }, second));
    expect(refusal(minusOne)).toMatchObject({ type: 'error-report', code: 'COHORT_DIFFERENCE_TOO_SMALL', retryable: false });
    // The plan sends each site one select job (plannedSummaryJobs): a second over the same cohort is one query too many.
    const again = await coordinator.ask(select('hostile-select/select/site-a/3', { cohort: 'all' }));
    expect(refusal(again)).toMatchObject({ code: 'JOB_BUDGET_SPENT' });
    expect(refusal(again).message).toContain('allows 1 summaries job(s)');
  });

  it('refuses select and tune-round jobs outside the protocol: other features, another α, other folds', async () => {
    const foreign = await coordinator.ask(select('hostile-select/select/site-a/4', { features: [...features.slice(1), 'not_a_feature'] }));
    expect(refusal(foreign)).toMatchObject({ code: 'JOB_OUTSIDE_PROTOCOL' });
    expect(refusal(foreign).message).toContain('"not_a_feature" are not among the protocol\'s features');
    const alpha = await coordinator.ask(grid(0, { alpha: 0.5 }));
    expect(refusal(alpha).message).toContain('alpha 0.5 is not one the protocol\'s tuning step tries (1)');
    // Leave-one-site-out: site-a is fold 0 of the two training sites; a fold of 3 would split it.
    const folds = await coordinator.ask(grid(0, { folds: { scheme: 'kfold', count: 3, seed: 1 } }));
    expect(refusal(folds).message).toContain('are not the protocol\'s');
  });

  it('computes each tuning exchange once and in order, and no more of them than the protocol\'s grid can need', async () => {
    const first = await coordinator.ask(grid(0));
    expect(first.result).toMatchObject({ kind: 'tune-round', round: 0, sampleCount: 60 });
    const r5 = await coordinator.ask(grid(5));
    expect(r5.result).toMatchObject({ kind: 'tune-round', round: 5 });
    const back = await coordinator.ask(grid(3));
    expect(refusal(back)).toMatchObject({ code: 'ROUND_OUT_OF_ORDER' });
    const limit = plannedTuneRounds(protocol); // 1 α × (2 + 3 λ × 200 Newton steps)
    expect(limit).toBe(602);
    const beyond = await coordinator.ask(grid(limit));
    expect(refusal(beyond)).toMatchObject({ code: 'JOB_BUDGET_SPENT' });
  });

  it('trains only the selection\'s features at a λ of the tuning grid', async () => {
    const train = (lambda: number, fs: string[], round: number) =>
      job('train-round', `hostile-select/r${round}/site-a`, { round, strategy: 'exact-newton', model: { family: 'lasso-logistic', standardize: true, lambda, alpha: 1 }, features: fs, globalParameters: [{ name: 'coef', shape: [fs.length + 1], data: new Array(fs.length + 1).fill(0) }] }, round);
    const offGrid = await coordinator.ask(train(0.0001, features.slice(0, 2), 0));
    expect(refusal(offGrid).message).toContain('lambda 0.0001 is not on the protocol\'s tuning grid');
    const honest = await coordinator.ask(train(0.1, features.slice(0, 2), 0));
    expect(honest.result).toMatchObject({ kind: 'train-round', round: 0, sampleCount: 60 });
  });

  it('sent nothing that names a patient or is one patient\'s value', () => {
    const sent = JSON.stringify(coordinator.frames);
    for (const id of all.ids) expect(sent).not.toContain(id);
    for (const v of all.x[all.x.length - 1]) expect(sent).not.toContain(String(v));
  });
});
