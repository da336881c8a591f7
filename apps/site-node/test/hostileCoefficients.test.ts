import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainingMethod } from '@fedrad/methods';
import { baselineJobRound, baselineProtocol, canonicalHash, type CampaignProtocol, type Tensor } from '@fedrad/protocol';
import { loadSiteConfig } from '../src/siteConfig.js';
import { SiteDaemon } from '../src/siteDaemon.js';
import { SiteStore } from '../src/siteStore.js';
import type { FakeCoordinator, Frame } from './fakeCoordinator.js';
import { generateCohorts, readCsv, repoRoot, tearDown, welcomingCoordinator } from './helpers.js';

// Issue #16, "Sites verify the model trajectory", at a real site daemon over mTLS: under a protocol
// that sets neither training.shareSiteUpdates nor training.secureAggregation, nothing lets a site
// check the coefficients of a training round after round 0, of a LASSO-path or tuning exchange, or
// of a baseline model's later round — and two such jobs at crafted coefficients give one patient's
// feature vector from the gradient difference. A scripted coordinator sends one job of each kind at
// crafted coefficients: a site with the default site.yaml refuses it, computes nothing and names
// the two protocol fields and the site.yaml key; a site whose site.yaml sets
// trustCoordinatorCoefficients answers it (the trust its operator chose, and the daemon warns of).
let dir: string;
let coordinator: FakeCoordinator;
let daemon: SiteDaemon;
let features: string[];
let ids: string[];
let lines: string[] = [];
let nonce = 0;
let siteYamlText: string;
const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
delete base.analysisPlan;
// Every coordinator-coefficient job kind under one plain protocol: training, the selection's LASSO path, tuning, a clinical baseline.
let plain: CampaignProtocol;
// The same plan with shared site updates: the site checks such jobs itself (trajectory.ts), so this rule stays out of the way.
let shared: CampaignProtocol;
const COVARIATES = ['age', 'size'];
const LAMBDA = 0.1;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-coefficients-'));
  const summary = generateCohorts(join(dir, 'data'), 'site-a=60', 3, 17);
  features = summary.features;
  const site = summary.sites[0];
  ids = readCsv(site.featuresCsv).rows.map((r) => r[0]);
  writeFileSync(join(dir, 'data/clinical.csv'), ['id,age,size', ...ids.map((id, i) => `${id},${40 + ((i * 7) % 31)},${2 + ((i * 3) % 11) / 2}`)].join('\n') + '\n');
  plain = {
    ...base, campaignId: 'coef-plain', features, trainingSites: ['site-a', 'site-b'], testSites: [], minCohortSize: 5,
    model: { family: 'lasso-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 10 },
    selection: { lasso: {} }, tuning: { cv: 'leave-one-site-out', lambdas: [0.2, LAMBDA] },
    analysisPlan: { baseline: { covariates: COVARIATES, models: ['clinical'] } },
  } as CampaignProtocol;
  delete plain.jobBudget;
  shared = { ...plain, campaignId: 'coef-shared', training: { ...plain.training, shareSiteUpdates: true }, analysisPlan: undefined } as CampaignProtocol;
  delete shared.analysisPlan;
  const welcoming = await welcomingCoordinator(dir, 'coef', [plain, shared]);
  coordinator = welcoming.coordinator;
  const port = welcoming.port;
  siteYamlText = [
    'siteId: site-a',
    `coordinatorUrl: https://127.0.0.1:${port}`,
    'dataRoot: .',
    'minCohortSize: 5',
    'reconnect: { initialMs: 100, maxMs: 400 }',
    'cohorts:',
    `  - { name: all, features: ${site.featuresCsv}, outcome: ${site.outcomeCsv}, clinical: { table: ${join(dir, 'data/clinical.csv')}, columns: [age, size] } }`,
  ].join('\n') + '\n';
  writeFileSync(join(dir, 'site.yaml'), siteYamlText);
  const store = new SiteStore(loadSiteConfig(join(dir, 'site.yaml')).database);
  store.approve(canonicalHash(plain), 'site-a operator');
  store.approve(canonicalHash(shared), 'site-a operator');
  store.close();
  await startDaemon();
}, 60_000);

afterAll(() => tearDown(daemon, coordinator, dir));

async function startDaemon(): Promise<void> {
  const from = coordinator.frames.length;
  lines = [];
  daemon = new SiteDaemon(loadSiteConfig(join(dir, 'site.yaml')), { log: (line) => lines.push(line) });
  daemon.start();
  await coordinator.waitFor((fr) => fr.type === 'site-hello', from);
}

function job(kind: 'train-round' | 'tune-round' | 'baseline-round', jobId: string, round: number, params: Record<string, unknown>, p = plain) {
  return {
    type: 'job', jobId, campaignId: p.campaignId, protocolHash: canonicalHash(p), siteId: 'site-a', kind, attempt: 1, round,
    deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonce).toString(16).padStart(64, '0'), params: { kind, ...params },
  };
}
const coef = (data: number[]): Tensor[] => [{ name: 'coef', shape: [data.length], data }];
// Crafted: a large weight on one feature, as an attacker would choose to isolate a patient.
const crafted = () => [0.3, 40, -40, 40].slice(0, features.length + 1);
const trainRound = (round: number, data: number[], p = plain) =>
  job('train-round', `${p.campaignId}/r${round}/site-a`, round, { round, strategy: 'exact-newton', model: { family: 'lasso-logistic', standardize: true, lambda: LAMBDA, alpha: 1 }, features, globalParameters: coef(data) }, p);
const exchange = (round: number, extra: Record<string, unknown>) =>
  job('tune-round', `coef-plain/tune/r${round}/site-a`, round, { round, alpha: 1, features, measure: 'deviance', minCohortSize: 5, ...extra });
const lassoGrid = (round: number) => exchange(round, { phase: 'grid', folds: { scheme: 'none', count: 0 } });
const lassoPath = (round: number) => exchange(round, { phase: 'path', folds: { scheme: 'none', count: 0 }, coef: [crafted()], train: [true], heldOut: false });
const tuningPath = (round: number) => exchange(round, { phase: 'path', folds: { scheme: 'leave-one-site-out', count: 2, fold: 0 }, lambdas: [0.2, LAMBDA], coef: [crafted(), crafted(), crafted()], train: [false, true, true], heldOut: false });
/** A clinical-model round as the baseline's training method configures it, at the given coefficients. */
function baselineRound(round: number, data: number[]) {
  const arm = baselineProtocol(plain, 'clinical', []);
  const method = trainingMethod(arm);
  const step = method.configure({ ...method.initialState(), round, parameters: coef(data) }, [...arm.trainingSites].sort())['site-a'];
  return job('baseline-round', `coef-plain/baseline/clinical/r${baselineJobRound('clinical', round)}/site-a`, baselineJobRound('clinical', round), { model: 'clinical', covariates: COVARIATES, radiomicsFeatures: [], step });
}
const report = (frame: Frame) => frame.result as { type: string; code: string; message: string; retryable: boolean; tensors?: unknown };

/** Refused by this rule, with a message naming both protocol fields and the site.yaml key; nothing computed or recorded. */
async function expectRefused(sent: { jobId: string; campaignId: string; nonce: string }): Promise<void> {
  const answer = await coordinator.ask(sent);
  expect(report(answer)).toMatchObject({ type: 'error-report', code: 'COEFFICIENTS_UNVERIFIABLE', retryable: false });
  expect(report(answer).tensors).toBeUndefined();
  for (const named of ['training.shareSiteUpdates', 'training.secureAggregation', 'trustCoordinatorCoefficients: true', 'site.yaml', 'Site site-a']) expect(report(answer).message).toContain(named);
  expect(daemon.store.job(sent.jobId)).toBeUndefined();
  expect(daemon.store.queriesOf(sent.campaignId).map((q) => q.jobId)).not.toContain(sent.jobId);
}

describe('a coordinator asks a site with the default site.yaml for jobs at coefficients it cannot verify', () => {
  it('answers round 0 and the grid exchanges: their inputs are the protocol\'s own, checked by protocolConformance', async () => {
    const r0 = await coordinator.ask(trainRound(0, new Array(features.length + 1).fill(0)));
    expect(r0.result).toMatchObject({ kind: 'train-round', round: 0, sampleCount: 60 });
    const grid = await coordinator.ask(lassoGrid(0));
    expect(grid.result).toMatchObject({ kind: 'tune-round', round: 0, sampleCount: 60 });
    const b0 = await coordinator.ask(baselineRound(0, [0, 0, 0]));
    expect(b0.result).toMatchObject({ kind: 'baseline-round', round: 0, sampleCount: 60 });
    expect(lines.some((l) => l.includes('WARNING'))).toBe(false);
  });

  it('refuses train-round 1 at crafted coefficients, naming training.shareSiteUpdates, training.secureAggregation and trustCoordinatorCoefficients', async () => {
    await expectRefused(trainRound(1, crafted()));
  });

  it('refuses an exchange of the selection\'s LASSO path at crafted coefficients', async () => {
    await expectRefused(lassoPath(1));
  });

  it('refuses an exchange of the tuning step\'s cross-validation at crafted coefficients', async () => {
    await expectRefused(tuningPath(2));
  });

  it('refuses round 1 of a baseline model at crafted coefficients', async () => {
    await expectRefused(baselineRound(1, [0.5, 30, -30]));
  });

  it('leaves a protocol with shared site updates to the trajectory check, which refuses the round for its own reason', async () => {
    const r0 = await coordinator.ask(trainRound(0, new Array(features.length + 1).fill(0), shared));
    expect(r0.result).toMatchObject({ round: 0 });
    const r1 = await coordinator.ask(trainRound(1, crafted(), shared));
    expect(report(r1)).toMatchObject({ code: 'TRAJECTORY_MISMATCH' });
    expect(report(r1).message).toMatch(/carries no transcript of round 0/);
  });

  it('sent nothing that names a patient', () => {
    const sent = JSON.stringify(coordinator.frames);
    for (const id of ids) expect(sent).not.toContain(id);
  });
});

describe('the same jobs at a site whose site.yaml sets trustCoordinatorCoefficients: true', () => {
  beforeAll(async () => {
    await daemon.stop();
    writeFileSync(join(dir, 'site.yaml'), siteYamlText + 'trustCoordinatorCoefficients: true\n');
    await startDaemon();
  }, 30_000);

  it('warns at start that the site trusts the coordinator with coefficients it cannot check', () => {
    expect(lines.find((l) => l.includes('WARNING'))).toMatch(/trustCoordinatorCoefficients.*training\.shareSiteUpdates.*training\.secureAggregation/);
  });

  it('answers each refused job with its sums at the coordinator\'s coefficients: the trust its operator chose', async () => {
    const r1 = await coordinator.ask(trainRound(1, crafted()));
    expect(r1.result).toMatchObject({ kind: 'train-round', round: 1, sampleCount: 60, contents: 'gradient-hessian' });
    const lasso = await coordinator.ask(lassoPath(1));
    expect(lasso.result).toMatchObject({ kind: 'tune-round', round: 1, sampleCount: 60 });
    const tuning = await coordinator.ask(tuningPath(2));
    expect(tuning.result).toMatchObject({ kind: 'tune-round', round: 2, sampleCount: 60 });
    const b1 = await coordinator.ask(baselineRound(1, [0.5, 30, -30]));
    expect(b1.result).toMatchObject({ kind: 'baseline-round', round: 1, sampleCount: 60 });
    // The site's other rules still hold: round 1 re-sent at other coefficients gets the stored answer, not a second computation.
    const resent = { ...trainRound(1, [0, 1, 1, 1].slice(0, features.length + 1)), attempt: 2 };
    const back = await coordinator.ask(resent);
    expect(back.result).toEqual(r1.result);
  });
});
