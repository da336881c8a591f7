import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  coxCrossValidationMethod, coxCrossValidationResult, coxCvSiteStep, crossValidationMethod, crossValidationResult, cvSiteStep, protocolCoxTuningSettings, protocolTuningSettings,
  type CoxCvState, type CoxCvStepParams, type CrossValidationResult, type CvState, type CvStepParams,
} from '@fedrad/methods';
import { tuningAlphas, unpackTensor, type CampaignProtocol, type JobEnvelope, type Tensor, type TuneRoundParams } from '@fedrad/protocol';
import { exchangeBasis } from '../src/answerBasis.js';
import { checkExchange } from '../src/exchangeTrajectory.js';
import { repoRoot } from './helpers.js';
import { problem, roundTrip, signedExchanges, type Transcript } from './signedExchanges.js';

// The trajectory check of the tuning step's exchanges (issue #16) under training.shareSiteUpdates,
// at the site's own code: an honest coordinator's cross-validation — each α a chain whose grid step
// starts it and whose every later exchange is configured by the method from the previous one's
// signed answers, as apps/coordinator's tuning.ts does — passes at every exchange at every site and
// ends at R's glmnet::cv.glmnet curves on the pooled rows (leave-one-site-out: the logistic deviance
// at α 1 and 0.5, scripts/fixtures/methods/cv-sites.R; the Cox C-index stratified by site,
// scripts/fixtures/methods/cox-cv-sites.R); crafted coefficients or fold flags (nudged by 1e-9), a
// missing, altered or unsorted answer, no transcript, a site that took no part, another α's chain,
// and an exchange past an α's end are all refused.
const SITES = ['site-a', 'site-b', 'site-c'];
const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
delete base.analysisPlan;
// The tuning step's exchanges come after the selection step's LASSO path's (here, exchanges 0 to 3).
const FIRST = 4;

interface Chain {
  /** Per α: the coordinator's states, the jobs it sent site-a, the transcripts, and the curve the last answers give from what site-a verified. */
  alphas: Array<{ first: number; states: Array<CvState | CoxCvState>; jobs: JobEnvelope[]; transcripts: Map<number, Transcript>; result: CrossValidationResult }>;
  verified: Map<string, unknown>;
}

/**
 * Runs the tuning step as an honest coordinator would over the three sites, every site checking
 * every exchange before answering it with the site's own step (`answer`, as tuneRound.ts runs it).
 */
async function honestChain(protocol: CampaignProtocol, features: string[], answer: (params: TuneRoundParams, siteId: string) => Promise<{ sampleCount: number; eventCount: number; tensors: Tensor[] }>): Promise<Chain> {
  const { ca, signedAnswer, envelope } = harness(protocol);
  const verified = new Map<string, unknown>(); // site-a's store
  const others = new Map<string, unknown>(); // the other sites' stores, keyed by site
  const alphas: Chain['alphas'] = [];
  let round = FIRST;
  for (const alpha of tuningAlphas(protocol)) {
    const method = methodOf(protocol, features, alpha);
    const states = [method.initialState()];
    const jobs: JobEnvelope[] = [];
    const transcripts = new Map<number, Transcript>();
    const first = round;
    let result: CrossValidationResult | undefined;
    for (let i = 0; !result; i++, round++) {
      const state = states[i];
      const answers = [];
      for (const siteId of SITES) {
        const job = tuningJob(envelope, method, protocol, siteId, round, alpha, state, transcripts.get(round - 1));
        const store = siteId === 'site-a' ? verified : others;
        const check = checkExchange(job, protocol, ca.certPem, (stream, r) => store.get(`${siteId}/${stream}/${r}`));
        expect([siteId, round, problem(check)]).toEqual([siteId, round, 'accepted']);
        const v = (check as { verified: { stream: string; round: number; state: unknown } }).verified;
        store.set(`${siteId}/${v.stream}/${v.round}`, roundTrip(v.state));
        if (siteId === 'site-a') jobs.push(job);
        const params = job.params as TuneRoundParams;
        // Its answer names the state it verified (answerBasis.ts): the same at every site.
        answers.push({ siteId, signed: signedAnswer(job, { kind: 'tune-round', round, ...(await answer(params, siteId)), basis: exchangeBasis(v) }) });
      }
      expect(new Set(answers.map((a) => JSON.parse(a.signed.signed).result.basis)).size).toBe(1);
      transcripts.set(round, { round, results: answers.map((a) => a.signed), failures: [] });
      const results = answers.map(({ siteId, signed }) => {
        const update = JSON.parse(signed.signed).result;
        return { siteId, update: { ...update, tensors: update.tensors.map(unpackTensor) } };
      });
      // The coordinator keeps its state as JSON between exchanges (tuning_rounds).
      const outcome = method.aggregate(roundTrip(state), results, []);
      states.push(roundTrip(outcome.state));
      if (outcome.done) {
        // The curve from the state site-a verified for this last exchange and its signed answers.
        const seen = verified.get(`site-a/tuning/${alphas.length}/${round}`) as { cv: CvState | CoxCvState };
        result = method.result(method.aggregate(seen.cv, results, []).state);
      }
    }
    alphas.push({ first, states, jobs, transcripts, result });
  }
  return { alphas, verified };
}

/** The cross-validation tuning.ts runs at α: Cox for model.family cox, else the logistic one. */
function methodOf(protocol: CampaignProtocol, features: string[], alpha: number) {
  if (protocol.model.family === 'cox') {
    const settings = protocolCoxTuningSettings(protocol, features, alpha);
    const m = coxCrossValidationMethod(settings);
    return { ...m, initialState: m.initialState as () => CvState | CoxCvState, configure: m.configure as (s: CvState | CoxCvState, sites: string[]) => Record<string, object>, aggregate: m.aggregate as unknown as (s: unknown, r: unknown[], f: []) => { state: CvState | CoxCvState; done: boolean }, result: (s: CvState | CoxCvState) => coxCrossValidationResult(s as CoxCvState, settings) };
  }
  const settings = protocolTuningSettings(protocol, features, alpha);
  const m = crossValidationMethod(settings);
  return { ...m, initialState: m.initialState as () => CvState | CoxCvState, configure: m.configure as (s: CvState | CoxCvState, sites: string[]) => Record<string, object>, aggregate: m.aggregate as unknown as (s: unknown, r: unknown[], f: []) => { state: CvState | CoxCvState; done: boolean }, result: (s: CvState | CoxCvState) => crossValidationResult(s as CvState, settings) };
}

const harnesses = new Map<string, ReturnType<typeof signedExchanges>>();
const harness = (protocol: CampaignProtocol) => harnesses.get(protocol.campaignId) ?? harnesses.set(protocol.campaignId, signedExchanges(protocol.campaignId, SITES)).get(protocol.campaignId)!;

/** Exchange `round`'s job for a site at this state, as tuning.ts's openRound builds it. */
function tuningJob(envelope: ReturnType<typeof signedExchanges>['envelope'], method: ReturnType<typeof methodOf>, protocol: CampaignProtocol, siteId: string, round: number, alpha: number, state: CvState | CoxCvState, transcript?: Transcript): JobEnvelope {
  const { kind: _k, resampling: _r, ...step } = method.configure(state, SITES)[siteId] as Record<string, unknown>;
  const grid = state.phase === 'path' ? { lambdas: state.lambdas } : {};
  const params = { kind: 'tune-round', round, alpha, ...step, ...grid, ...(state.phase !== 'grid' && transcript ? { transcript } : {}) };
  return envelope(`${protocol.campaignId}/tune/r${round}/${siteId}`, siteId, 'tune-round', round, roundTrip(params));
}

const close = (got: number[], want: number[], tol: number) => {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(tol * Math.max(1, Math.abs(want[i]))));
};

describe('the tuning step exchanges (logistic) under shareSiteUpdates', () => {
  const fixture = JSON.parse(readFileSync(join(repoRoot, 'packages/methods/test/fixtures/cv-sites.json'), 'utf8')) as {
    nlambda: number;
    lambdaMinRatio: number;
    sites: Record<string, { x: number[][]; y: number[] }>;
    cv: Array<{ scheme: string; alpha: number; measure: string; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number }>;
  };
  const features = fixture.sites['site-a'].x[0].map((_, j) => `f${j + 1}`);
  const protocol: CampaignProtocol = {
    ...base, campaignId: 'tuning-exchanges', features, trainingSites: SITES, testSites: [], minCohortSize: 5,
    model: { family: 'lasso-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 10, shareSiteUpdates: true },
    tuning: { cv: 'leave-one-site-out', measure: 'deviance', alphas: [1, 0.5], nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio },
  };
  const siteStep = async (params: TuneRoundParams, siteId: string) => {
    const { round: _r, alpha: _a, lambdas: _l, transcript: _t, ...step } = params;
    const rows = { featureNames: features, x: Float64Array.from(fixture.sites[siteId].x.flat()), label: Float64Array.from(fixture.sites[siteId].y) };
    return cvSiteStep({ ...step, kind: 'cv-step' } as CvStepParams, rows, { siteId });
  };

  it("accepts every exchange of each α at every site, ending at cv.glmnet's curves, and refuses crafted coefficients, flags and transcripts", async () => {
    const { alphas, verified } = await honestChain(protocol, features, siteStep);
    // R: glmnet::cv.glmnet(foldid = site, type.measure = "deviance") on the pooled rows, at α 1 and 0.5.
    alphas.forEach(({ result }, i) => {
      const ref = fixture.cv.find((c) => c.scheme === 'leave-one-site-out' && c.measure === 'deviance' && c.alpha === tuningAlphas(protocol)[i])!;
      close(result.lambda, ref.lambda, 1e-10);
      close(result.cvm, ref.cvm, 1e-8);
      close(result.cvsd, ref.cvsd, 1e-7);
      expect(result.lambdaMin).toBeCloseTo(ref.lambdaMin, 12);
      expect(result.lambda1se).toBeCloseTo(ref.lambda1se, 12);
    });
    const [one, half] = alphas;
    expect(one.jobs.length).toBeGreaterThan(2 * fixture.nlambda); // the grid step, Newton steps and held-out scores at each λ
    expect(half.first).toBe(one.first + one.jobs.length); // exchanges numbered on from one α to the next

    const lookup = (stream: string, r: number) => verified.get(`site-a/${stream}/${r}`);
    const { ca } = harness(protocol);
    const at = (k: number, params: Record<string, unknown>, transcript: Transcript | null | undefined = one.transcripts.get(one.first + k - 1), prev = lookup) => {
      const job = one.jobs[k];
      const { transcript: _t, ...honest } = job.params as TuneRoundParams;
      return problem(checkExchange({ ...job, params: { ...honest, ...(transcript ? { transcript } : {}), ...params } }, protocol, ca.certPem, prev));
    };
    const k = 3; // a Newton step of the path, after the grid step
    const r = one.first + k;
    const state = one.states[k] as CvState;
    expect(state.phase).toBe('path');
    expect(at(k, {})).toBe('accepted');
    // Crafted coefficients: one fold's coefficient nudged by 1e-9; the fold flags turned to ask for other sums.
    const coef = state.coef.map((c, f) => c.map((v, j) => (f === 1 && j === 2 ? v + 1e-9 : v)));
    expect(at(k, { coef })).toMatch(new RegExp(`the coef of tuning exchange ${r} \\(alpha 1\\) does not follow from exchange ${r - 1}'s signed answers`));
    const sent = one.jobs[k].params as TuneRoundParams;
    expect(at(k, { heldOut: !sent.heldOut })).toMatch(new RegExp(`the heldOut of tuning exchange ${r} \\(alpha 1\\) does not follow`));
    expect(at(k, { train: sent.train!.map((f, i) => (i === 0 ? !f : f)) })).toMatch(new RegExp(`the train of tuning exchange ${r} \\(alpha 1\\) does not follow`));
    expect(at(k, { lambdas: state.lambdas.map((l) => l * 1.01) })).toMatch(/the lambdas of tuning exchange/);
    // Posing as an α's grid step (no transcript needed) to send coefficients.
    expect(at(k, { phase: 'grid' }, null)).toMatch(new RegExp(`the coef, heldOut, lambdas, train of tuning exchange ${r} \\(alpha 1\\) do not follow from the start of its alpha's cross-validation`));
    expect(at(0, {}, one.transcripts.get(one.first - 1) ?? { round: r - 1, results: [], failures: [] })).toMatch(/is the grid step that starts its alpha, and carries a transcript/);
    // A transcript missing a site, listing a failure, altered after signing, unsorted, of another exchange, or none (null).
    const t = one.transcripts.get(r - 1)!;
    expect(at(k, {}, { ...t, results: t.results.slice(0, 2) })).toMatch(/holds no answer of site-c/);
    expect(at(k, {}, { ...t, results: t.results.slice(0, 2), failures: ['site-c'] })).toMatch(/lists site-c as failed/);
    const altered = { ...t.results[1], signed: t.results[1].signed.replace(/"sampleCount":(\d+)/, (_, n) => `"sampleCount":${Number(n) + 1}`) };
    expect(at(k, {}, { ...t, results: [t.results[0], altered, t.results[2]] })).toMatch(/signature of site-b's answer does not verify/);
    expect(at(k, {}, { ...t, results: [t.results[1], t.results[0], t.results[2]] })).toMatch(/not sorted by site id/);
    expect(at(k, {}, { ...one.transcripts.get(r - 2)!, round: r - 1 })).toMatch(new RegExp(`site-a's signed result is not its answer to job tuning-exchanges/tune/r${r - 1}/site-a`));
    expect(at(k, {}, null)).toMatch(new RegExp(`tuning exchange ${r} \\(alpha 1\\) carries no transcript of tuning exchange ${r - 1} \\(alpha 1\\)`));
    // A site that did not verify the exchange before (it took no part) cannot check this one.
    expect(at(k, {}, t, () => undefined)).toMatch(new RegExp(`has not verified tuning exchange ${r - 1} \\(alpha 1\\) \\(it took no part in it\\)`));
    // Another α's chain: α 0.5's exchange cannot go on from α 1's; other features mid-chain.
    expect(at(k, { alpha: 0.5 })).toMatch(new RegExp(`has not verified tuning exchange ${r - 1} \\(alpha 0.5\\)`));
    expect(at(k, { features: features.slice(1) })).toMatch(/other features than exchange/);
    // Answers bound to what they were computed at: site-b shown α 0.5's exchange r − 1 under the same
    // job id, or an α 1 chain restarted at r − 1 (a grid step, which its checks accept), signed that
    // state's basis; relayed into site-a's transcript it is refused naming both hashes, as is one with none.
    const { rebased } = harness(protocol);
    const mine = exchangeBasis({ stream: 'tuning/0', round: r - 1, state: lookup('tuning/0', r - 1) });
    const seen = lookup('tuning/0', r - 1) as { cv: CvState };
    const elsewhere = [
      exchangeBasis({ stream: 'tuning/1', round: r - 1, state: seen }),
      exchangeBasis({ stream: 'tuning/0', round: r - 1, state: { ...seen, cv: methodOf(protocol, features, 1).initialState() } }),
    ];
    for (const basis of elsewhere) {
      expect(at(k, {}, { ...t, results: [t.results[0], rebased(t.results[1], basis), t.results[2]] })).toBe(
        `site-b's answer to tuning exchange ${r - 1} (alpha 1) was computed at basis ${basis}, not at the state this site verified for it (basis ${mine}); it answered another job than this site's`);
    }
    expect(at(k, {}, { ...t, results: [t.results[0], t.results[1], rebased(t.results[2], undefined)] })).toMatch(new RegExp(`site-c's answer to tuning exchange ${r - 1} \\(alpha 1\\) was computed at no basis`));
    // A harmonisation (or a selection output) named mid-chain that its grid step did not name: the rows would change under the verified coefficients.
    const H2 = '22'.repeat(32);
    expect(at(k, { harmonizationHash: H2 })).toBe(`tuning exchange ${r} (alpha 1) changes the harmonizationHash pinned at the grid step of alpha 1: it sends "${H2}", the grid step of alpha 1 set null`);
    expect(at(k, { basedOn: H2 })).toMatch(new RegExp(`tuning exchange ${r} \\(alpha 1\\) changes the basedOn pinned at the grid step of alpha 1`));
    // An exchange after α 1's cross-validation ended (its last exchange's aggregate is done): refused.
    const last = one.first + one.jobs.length - 1;
    const after = one.jobs[one.jobs.length - 1];
    const afterEnd = { ...after, jobId: `tuning-exchanges/tune/r${last + 1}/site-a`, round: last + 1, params: { ...(after.params as TuneRoundParams), round: last + 1, transcript: one.transcripts.get(last)! } };
    expect(problem(checkExchange(afterEnd, protocol, ca.certPem, lookup))).toMatch(new RegExp(`the cross-validation at alpha 1 finished after exchange ${last}; there is no exchange ${last + 1} of it`));
  }, 120_000);

  it('checks nothing without shareSiteUpdates', () => {
    const plain = { ...protocol, training: { strategy: 'exact-newton' as const, rounds: 10 } };
    const { envelope, ca } = harness(protocol);
    const crafted = envelope('tuning-exchanges/tune/r9/site-a', 'site-a', 'tune-round', 9, { kind: 'tune-round', round: 9, alpha: 1, phase: 'path', features, coef: [[9, 9]], train: [true], heldOut: false, folds: { scheme: 'leave-one-site-out', count: 3, fold: 0 }, measure: 'deviance', minCohortSize: 5 });
    expect(checkExchange(crafted, plain, ca.certPem, () => undefined)).toEqual({ ok: true });
  });
});

describe('the tuning step exchanges (Cox) under shareSiteUpdates', () => {
  const fixture = JSON.parse(readFileSync(join(repoRoot, 'packages/methods/test/fixtures/cox-cv-sites.json'), 'utf8')) as {
    nlambda: number;
    lambdaMinRatio: number;
    sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
    cv: Array<{ alpha: number; measure: string; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number }>;
  };
  const features = fixture.sites['site-a'].x[0].map((_, j) => `f${j + 1}`);
  const protocol: CampaignProtocol = {
    ...base, campaignId: 'cox-tuning-exchanges', features, trainingSites: SITES, testSites: [], minCohortSize: 5,
    outcome: { type: 'survival', time: 'time', event: 'event' },
    model: { family: 'cox', ties: 'breslow', standardize: true }, training: { strategy: 'exact-newton', rounds: 10, shareSiteUpdates: true },
    tuning: { cv: 'leave-one-site-out', measure: 'C', nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio },
  };
  const siteStep = async (params: TuneRoundParams, siteId: string) => {
    const { round: _r, alpha: _a, lambdas: _l, transcript: _t, coef: _c, ...step } = params;
    const s = fixture.sites[siteId];
    return coxCvSiteStep({ ...step, kind: 'cox-cv-step' } as CoxCvStepParams, { featureNames: features, x: Float64Array.from(s.x.flat()), time: Float64Array.from(s.time), event: Float64Array.from(s.event) }, { siteId });
  };

  it("accepts every exchange at every site, ending at cv.glmnet's Cox curve by Harrell's C, and refuses crafted coefficients", async () => {
    const { alphas, verified } = await honestChain(protocol, features, siteStep);
    const ref = fixture.cv.find((c) => c.alpha === 1 && c.measure === 'C')!;
    const { result, jobs, states, transcripts, first } = alphas[0];
    close(result.lambda, ref.lambda, 1e-10);
    close(result.cvm, ref.cvm, 1e-8);
    close(result.cvsd, ref.cvsd, 1e-7);
    expect(result.lambdaMin).toBeCloseTo(ref.lambdaMin, 10);
    expect(result.lambda1se).toBeCloseTo(ref.lambda1se, 10);

    const { ca } = harness(protocol);
    const k = 3;
    const r = first + k;
    const state = states[k] as CoxCvState;
    const check = (params: Record<string, unknown>, transcript: Transcript | null | undefined = transcripts.get(r - 1)) => {
      const { transcript: _t, ...honest } = jobs[k].params as TuneRoundParams;
      return problem(checkExchange({ ...jobs[k], params: { ...honest, ...(transcript ? { transcript } : {}), ...params } }, protocol, ca.certPem, (stream, n) => verified.get(`site-a/${stream}/${n}`)));
    };
    expect(check({})).toBe('accepted');
    const beta = state.fits.map((f, i) => f.beta.map((v, j) => (i === 0 && j === 1 ? v + 1e-9 : v)));
    expect(check({ beta })).toMatch(new RegExp(`the beta of tuning exchange ${r} \\(alpha 1\\) does not follow from exchange ${r - 1}'s signed answers`));
    expect(check({}, null)).toMatch(/carries no transcript/);
    const t = transcripts.get(r - 1)!;
    expect(check({}, { ...t, results: t.results.slice(1) })).toMatch(/holds no answer of site-a/);
  }, 120_000);

  it("checks the K-fold Cox exchanges too: the chain on R's folds ends at cv.glmnet's grouped deviance curve, and a nudged β is refused", async () => {
    const kfold = (fixture as unknown as { kfold: { folds: number; fold: Record<string, number[]>; cv: Array<{ alpha: number; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number }> } }).kfold;
    const byFolds: CampaignProtocol = { ...protocol, campaignId: 'cox-kfold-exchanges', tuning: { cv: 'kfold', folds: kfold.folds, seed: 1, measure: 'deviance', nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio } };
    // Each site's rows carry R's fold ids (1-based in the fixture), as a site whose rows name their fold.
    const foldStep = async (params: TuneRoundParams, siteId: string) => {
      const { round: _r, alpha: _a, lambdas: _l, transcript: _t, coef: _c, ...step } = params;
      const s = fixture.sites[siteId];
      return coxCvSiteStep({ ...step, kind: 'cox-cv-step' } as CoxCvStepParams, { featureNames: features, x: Float64Array.from(s.x.flat()), time: Float64Array.from(s.time), event: Float64Array.from(s.event), fold: Int32Array.from(kfold.fold[siteId], (f) => f - 1) } as never, { siteId });
    };
    const { alphas, verified } = await honestChain(byFolds, features, foldStep);
    const ref = kfold.cv.find((c) => c.alpha === 1)!;
    const { result, jobs, states, transcripts, first } = alphas[0];
    close(result.lambda, ref.lambda, 1e-10);
    close(result.cvm, ref.cvm, 1e-8);
    close(result.cvsd, ref.cvsd, 1e-7);
    expect(result.lambdaMin).toBeCloseTo(ref.lambdaMin, 10);
    const { ca } = harness(byFolds);
    const k = 2;
    const r = first + k;
    const { transcript: _t, ...honest } = jobs[k].params as TuneRoundParams;
    const beta = (states[k] as CoxCvState).fits.map((f, i) => f.beta.map((v, j) => (i === 1 && j === 0 ? v - 1e-9 : v)));
    const sent = { ...jobs[k], params: { ...honest, transcript: transcripts.get(r - 1)!, beta } };
    expect(problem(checkExchange(sent, byFolds, ca.certPem, (stream, n) => verified.get(`site-a/${stream}/${n}`)))).toMatch(new RegExp(`the beta of tuning exchange ${r} \\(alpha 1\\) does not follow`));
  }, 120_000);
});
