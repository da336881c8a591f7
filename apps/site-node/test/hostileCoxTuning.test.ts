import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash, type CampaignProtocol } from '@fedrad/protocol';
import type { SiteDaemon } from '../src/siteDaemon.js';
import type { FakeCoordinator, Frame } from './fakeCoordinator.js';
import { approvedDaemon, repoRoot, siteYaml, tearDown, welcomingCoordinator } from './helpers.js';

// Issue #12 item 4 for survival campaigns at a real site daemon over mTLS: the tuning step of a Cox
// campaign. The site answers an honest tune-round job on its survival cohort (site-a's rows of
// scripts/fixtures/methods/cox-cv-sites.R) with sums checked here against the rows by hand, and
// refuses, by itself, an exchange that leaves the approved protocol: another λ grid, other folds,
// another criterion, Efron's ties, logistic coefficients. Nothing per patient leaves.
const fixture = JSON.parse(readFileSync(join(repoRoot, 'packages/methods/test/fixtures/cox-cv-sites.json'), 'utf8')) as { sites: Record<string, { x: number[][]; time: number[]; event: number[] }> };
const rows = fixture.sites['site-a'];
const ids = rows.time.map((_, i) => `cox-${String(i + 1).padStart(3, '0')}`);
const features = ['f1', 'f2', 'f3', 'f4', 'f5'];
let dir: string;
let coordinator: FakeCoordinator;
let daemon: SiteDaemon;
let nonce = 0;
const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
delete base.analysisPlan;
const protocol: CampaignProtocol = {
  ...base, campaignId: 'hostile-cox-tune', features, trainingSites: ['site-a', 'site-b', 'site-c'], testSites: [], minCohortSize: 5,
  outcome: { type: 'survival', time: 'time', event: 'event' },
  model: { family: 'cox', ties: 'breslow', standardize: true }, training: { strategy: 'exact-newton', rounds: 10 },
  tuning: { cv: 'leave-one-site-out', measure: 'C', nlambda: 15, lambdaMinRatio: 0.05 },
};
delete protocol.jobBudget;
delete protocol.featureConfig;
// A second campaign at the same site tunes with ten folds within sites (deviance) and a minimum cohort of
// 8: site-a's 70 rows give held-out parts of 7, so the site must refuse the honest path exchange itself.
const kfoldProtocol: CampaignProtocol = { ...protocol, campaignId: 'hostile-cox-kfold', minCohortSize: 8, tuning: { cv: 'kfold', folds: 10, seed: 1, nlambda: 15, lambdaMinRatio: 0.05 } };
// A third tunes with three folds within sites, which site-a can answer.
const threeFolds: CampaignProtocol = { ...protocol, campaignId: 'honest-cox-kfold', tuning: { cv: 'kfold', folds: 3, seed: 2, nlambda: 15, lambdaMinRatio: 0.05 } };
// glmnet's grid by hand (λ_max · ratio^(k/(n − 1))), from a λ_max the coordinator says the pooled scores gave.
const grid = (max: number, count: number, ratio: number) => Array.from({ length: count }, (_, k) => max * Math.pow(ratio, k / (count - 1)));
const honestGrid = grid(0.31, 15, 0.05);
const beta = [[0.1, -0.4, 0.01, 0.3, 0], [0.2, -0.5, 0.02, 0.2, 0.05], [0.15, -0.45, 0.015, 0.25, 0], [0.12, -0.42, 0.012, 0.27, 0.01]];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hostile-cox-tune-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data/features.csv'), ['id,' + features.join(','), ...rows.x.map((r, i) => `${ids[i]},${r.join(',')}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'data/outcome.csv'), ['id,time,event', ...rows.time.map((t, i) => `${ids[i]},${t},${rows.event[i]}`)].join('\n') + '\n');
  const welcoming = await welcomingCoordinator(dir, 'hostile-cox-tune', [protocol, kfoldProtocol, threeFolds]);
  coordinator = welcoming.coordinator;
  const port = welcoming.port;
  // The protocol shares no site updates, so the site's operator opts in to path exchanges at the
  // coordinator's coefficients (jobPolicy's COEFFICIENTS_UNVERIFIABLE, tested in hostileCoefficients.test.ts):
  // this test is about what the Cox tuning job itself must be.
  writeFileSync(join(dir, 'site.yaml'), siteYaml(port, [{ name: 'survival', features: join(dir, 'data/features.csv'), outcome: join(dir, 'data/outcome.csv') }], ['trustCoordinatorCoefficients: true']));
  daemon = await approvedDaemon(join(dir, 'site.yaml'), [protocol, kfoldProtocol, threeFolds], coordinator);
}, 60_000);

afterAll(() => tearDown(daemon, coordinator, dir));

function tuneJob(round: number, params: Record<string, unknown>, campaign: CampaignProtocol = protocol) {
  return {
    type: 'job', jobId: `${campaign.campaignId}/tune/r${round}/site-a`, campaignId: campaign.campaignId, protocolHash: canonicalHash(campaign), siteId: 'site-a', kind: 'tune-round', attempt: 1, round,
    deadline: new Date(Date.now() + 60000).toISOString(), nonce: (++nonce).toString(16).padStart(64, '0'),
    params: { kind: 'tune-round', round, alpha: 1, features, folds: { scheme: 'leave-one-site-out', count: 3, fold: 0 }, measure: 'C', ties: 'breslow', minCohortSize: 5, ...params },
  };
}
const path = (round: number, extra: Record<string, unknown> = {}) => tuneJob(round, { phase: 'path', lambdas: honestGrid, beta, train: [true, true, true, true], heldOut: true, ...extra });
const refusal = (frame: Frame) => frame.result as { type: string; code: string; message: string };
type Answer = { kind: string; round: number; sampleCount: number; eventCount: number; tensors: Array<{ name: string; shape: number[]; data: number[] }> };

describe('Cox tuning jobs against a real site daemon', () => {
  it('refuses a Cox tune-round outside the approved protocol: another λ grid, other folds, another criterion, no ties, logistic coefficients', async () => {
    const expectRefused = async (job: ReturnType<typeof tuneJob>, message: string) => {
      const r = refusal(await coordinator.ask(job));
      expect(r).toMatchObject({ type: 'error-report', code: 'JOB_OUTSIDE_PROTOCOL' });
      expect(r.message).toContain(message);
    };
    // The protocol's grid has 15 values down to 0.05 · λ_max: one with ratio 0.01, or one λ slipped in, is not it.
    await expectRefused(path(0, { lambdas: grid(0.31, 15, 0.01) }), 'is not glmnet\'s grid of the protocol\'s 15 values from λ_max down to 0.05');
    await expectRefused(path(0, { lambdas: [...honestGrid.slice(0, 7), 0.02, ...honestGrid.slice(8)] }), 'is not glmnet\'s grid');
    await expectRefused(path(0, { lambdas: undefined }), 'is not glmnet\'s grid');
    // site-a is fold 0 of the three sorted training sites; K-fold within sites is not the protocol's.
    await expectRefused(path(0, { folds: { scheme: 'leave-one-site-out', count: 3, fold: 1 } }), 'are not the protocol\'s {"count":3,"fold":0,"scheme":"leave-one-site-out"} for this site');
    await expectRefused(path(0, { folds: { scheme: 'kfold', count: 3, seed: 1 } }), 'are not the protocol\'s');
    await expectRefused(path(0, { measure: 'deviance' }), 'the criterion deviance is not the protocol\'s C');
    // (Efron's ties are not even a valid tune-round: the schema holds the Cox exchange to Breslow's, and the daemon drops it.)
    await expectRefused(path(0, { ties: undefined }), 'the ties absent are not the Cox tuning\'s Breslow ties');
    await expectRefused(path(0, { coef: beta.map((b) => [0, ...b]) }), 'the job sends logistic coefficients (coef)');
  });

  it('answers the grid exchange with its score at β = 0 and feature sums over all its patients', async () => {
    const answer = (await coordinator.ask(tuneJob(0, { phase: 'grid' }))).result as Answer;
    const events = rows.event.reduce((a, e) => a + e, 0);
    expect(answer).toMatchObject({ kind: 'tune-round', round: 0, sampleCount: rows.time.length, eventCount: events });
    const sum = answer.tensors.find((t) => t.name === 'feature-sum')!.data;
    features.forEach((_, j) => expect(sum[j]).toBeCloseTo(rows.x.reduce((a, r) => a + r[j], 0), 9));
    // The gradient of −ℓ at β = 0 (Breslow): minus Σ over events of x_i − the mean of x over its risk set, by hand.
    const score = answer.tensors.find((t) => t.name === 'score')!.data;
    features.forEach((_, j) => {
      let s = 0;
      rows.time.forEach((t, i) => {
        if (!rows.event[i]) return;
        const risk = rows.time.map((u, k) => k).filter((k) => rows.time[k] >= t);
        s += rows.x[i][j] - risk.reduce((a, k) => a + rows.x[k][j], 0) / risk.length;
      });
      expect(score[j]).toBeCloseTo(-s, 8);
    });
  });

  it('answers a path exchange with the other folds\' sums and its own held-out concordance counts, which equal the pairs counted by hand', async () => {
    const answer = (await coordinator.ask(path(1))).result as Answer;
    expect(answer).toMatchObject({ kind: 'tune-round', round: 1 });
    // Its own fold (0) is held out: no training sums for it; folds 1, 2 and the fit on every site are trained.
    expect(answer.tensors.map((t) => t.name).filter((n) => n.startsWith('fold-0/'))).toEqual(['fold-0/held-out']);
    for (const k of [1, 2, 3]) expect(answer.tensors.find((t) => t.name === `fold-${k}/hessian`)!.data).toHaveLength(25);
    const eta = rows.x.map((r) => r.reduce((a, v, j) => a + v * beta[0][j], 0));
    let concordant = 0;
    let discordant = 0;
    let tied = 0;
    for (let i = 0; i < eta.length; i++)
      for (let j = 0; j < eta.length; j++) {
        if (!rows.event[i] || !(rows.time[j] > rows.time[i] || (rows.time[j] === rows.time[i] && !rows.event[j]))) continue;
        if (eta[i] > eta[j]) concordant++;
        else if (eta[i] < eta[j]) discordant++;
        else tied++;
      }
    expect(answer.tensors.find((t) => t.name === 'fold-0/held-out')!.data).toEqual([concordant + discordant + tied, concordant, discordant, tied]);
  });

  it('sent nothing that names a patient or is one patient\'s value', () => {
    const sent = JSON.stringify(coordinator.frames.filter((f) => f.type === 'job-result'));
    for (const id of ids) expect(sent).not.toContain(id);
    for (const v of rows.x[rows.x.length - 1].filter((v) => !Number.isInteger(v))) expect(sent).not.toContain(String(v));
  });

  it('refuses a Cox K-fold exchange whose folds or criterion are not the protocol\'s, and a fold whose held-out part is under the minimum cohort', async () => {
    const kfoldJob = (round: number, extra: Record<string, unknown>) =>
      tuneJob(round, { phase: 'path', lambdas: honestGrid, folds: { scheme: 'kfold', count: 10, seed: 1 }, measure: 'deviance', minCohortSize: 8, beta: Array.from({ length: 11 }, () => beta[0]), train: new Array(11).fill(true), heldOut: true, ...extra }, kfoldProtocol);
    const refused = async (job: ReturnType<typeof tuneJob>, code: string, message: string) => {
      const r = refusal(await coordinator.ask(job));
      expect(r).toMatchObject({ type: 'error-report', code });
      expect(r.message).toContain(message);
    };
    // Other folds (another seed, another K, the sites as folds) would hold out other rows: not the protocol's.
    await refused(kfoldJob(0, { folds: { scheme: 'kfold', count: 10, seed: 2 } }), 'JOB_OUTSIDE_PROTOCOL', 'are not the protocol\'s {"count":10,"scheme":"kfold","seed":1} for this site');
    await refused(kfoldJob(0, { folds: { scheme: 'kfold', count: 3, seed: 1 } }), 'JOB_OUTSIDE_PROTOCOL', 'are not the protocol\'s');
    await refused(kfoldJob(0, { folds: { scheme: 'leave-one-site-out', count: 3, fold: 0 } }), 'JOB_OUTSIDE_PROTOCOL', 'are not the protocol\'s');
    // Harrell's C of a fold spread over sites is not what the protocol scores by (the deviance).
    await refused(kfoldJob(0, { measure: 'C' }), 'JOB_OUTSIDE_PROTOCOL', 'the criterion C is not the protocol\'s deviance');
    // The protocol's own folds: site-a's 70 rows in ten folds leave 7 in each held-out part, under the minimum of 8.
    const r = refusal(await coordinator.ask(kfoldJob(0, {})));
    expect(r.type).toBe('error-report');
    expect(r.message).toContain('Site site-a has 7 patients in the held-out part of fold 1; a sum over fewer than 8 may not leave the site');
    expect(coordinator.frames.filter((f) => f.type === 'job-result' && (f.result as { kind?: string }).kind === 'tune-round' && JSON.stringify(f).includes('hostile-cox-kfold'))).toHaveLength(0);
  });

  it("answers the protocol's K-fold exchange with sums over each fold's training rows and each held-out part's events and deviance difference", async () => {
    const job = tuneJob(0, { phase: 'path', lambdas: honestGrid, folds: { scheme: 'kfold', count: 3, seed: 2 }, measure: 'deviance', beta, train: [true, true, true, true], heldOut: true }, threeFolds);
    const answer = (await coordinator.ask(job)).result as Answer;
    const n = rows.time.length;
    const events = rows.event.reduce((a, e) => a + e, 0);
    expect(answer).toMatchObject({ kind: 'tune-round', round: 0, sampleCount: n, eventCount: events });
    const data = (name: string) => answer.tensors.find((t) => t.name === name)!.data;
    // Each row is held out once: the three training parts hold 2n rows, the held-out parts every event; fold 3 is the fit on all rows.
    expect([0, 1, 2].reduce((a, k) => a + data(`fold-${k}/count`)[0], 0)).toBe(2 * n);
    expect([0, 1, 2].reduce((a, k) => a + data(`fold-${k}/held-out`)[0], 0)).toBe(events);
    expect(data('fold-3/count')).toEqual([n]);
    for (const k of [0, 1, 2]) expect(Math.min(data(`fold-${k}/count`)[0], n - data(`fold-${k}/count`)[0])).toBeGreaterThanOrEqual(5);
    const sent = JSON.stringify(answer);
    for (const id of ids) expect(sent).not.toContain(id);
  });
});
