import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crossValidationMethod, cvSiteStep, lassoStep, pathResult, protocolLassoChoice, protocolLassoSettings, trainingMethod, trainingSiteStep, type CvState, type CvStepParams, type TrainingRows } from '@fedrad/methods';
import { baselineJobRound, baselineProtocol, unpackTensor, type BaselineRoundParams, type CampaignProtocol, type Tensor, type TrainRoundParams, type TuneRoundParams } from '@fedrad/protocol';
import { exchangeBasis } from '../src/answerBasis.js';
import { checkExchange } from '../src/exchangeTrajectory.js';
import { repoRoot } from './helpers.js';
import { problem, roundTrip, signedExchanges, type Transcript } from './signedExchanges.js';

// The trajectory check of the LASSO path's exchanges and of the baseline rounds (issue #16) under
// training.shareSiteUpdates, at the site's own code: an honest coordinator's chain — every exchange
// configured by the method from the previous one's signed answers, as selectionLasso.ts and
// baseline.ts do — passes at every step and ends at R's fits on the pooled rows (glmnet's lasso at
// λ 0.02, glm's unpenalised logistic; scripts/fixtures/methods/glm-sites.R); crafted coefficients
// (nudged by 1e-9, or thresholded to isolate patients in the Hessian), a missing, failed, altered or
// stale answer, a site that took no part before, and an exchange past the end are all refused.
const fixture = JSON.parse(readFileSync(join(repoRoot, 'packages/methods/test/fixtures/glm-sites.json'), 'utf8')) as {
  sites: Record<string, { x: number[][]; y: number[] }>;
  pooledFits: Array<{ family: string; lambda: number; coef: number[] }>;
};
const ALL = ['f1', 'f2', 'f3', 'f4', 'f5'];
const SITES = ['site-a', 'site-b', 'site-c'];
const base = JSON.parse(readFileSync(join(repoRoot, 'protocols/examples/campaign-protocol/valid-1.json'), 'utf8')) as CampaignProtocol;
delete base.analysisPlan;
const protocol: CampaignProtocol = {
  ...base, campaignId: 'exchanges', features: ALL, trainingSites: SITES, testSites: [], minCohortSize: 5,
  model: { family: 'lasso-logistic', standardize: true }, training: { strategy: 'exact-newton', rounds: 10, shareSiteUpdates: true },
  selection: { lasso: { lambda: 0.02 } },
};
const { ca, signedAnswer, rebased, envelope } = signedExchanges('exchanges', SITES);
/** What an honest site puts in its answer to an exchange: the hash of the state it verified for it (every site verifies the same). */
const basisOf = (verified: Map<string, unknown>, stream: string, round: number) => exchangeBasis({ stream, round, state: verified.get(`${stream}/${round}`) });
// Two harmonisations a hostile coordinator holds (the honest one and a crafted one), and a selection output hash.
const H1 = '11'.repeat(32);
const H2 = '22'.repeat(32);
const B1 = '33'.repeat(32);

function rowsOf(siteId: string, features: readonly string[]): TrainingRows {
  const { x, y } = fixture.sites[siteId];
  const columns = features.map((f) => ALL.indexOf(f));
  return { featureNames: [...features], x: Float64Array.from(x.flatMap((r) => columns.map((j) => r[j]))), label: Float64Array.from(y) };
}

describe('the LASSO path exchanges under shareSiteUpdates', () => {
  const method = crossValidationMethod(protocolLassoSettings(protocol, ALL));
  /** Exchange `round`'s job for a site at this path state, as selectionLasso.ts's openLassoRound builds it. */
  const lassoJob = (siteId: string, round: number, state: CvState, transcript?: Transcript, features = ALL) => {
    const { kind: _k, resampling: _r, ...step } = crossValidationMethod(protocolLassoSettings(protocol, features)).configure(state, SITES)[siteId];
    return envelope(`exchanges/tune/r${round}/${siteId}`, siteId, 'tune-round', round, roundTrip({ kind: 'tune-round', round, alpha: 1, ...step, ...(transcript ? { transcript } : {}) }));
  };

  /** Every site's signed answer to exchange `round` at this path state, and the coordinator's next state from them. */
  const answerExchange = async (round: number, state: CvState, basis: string) => {
    const answers = await Promise.all(SITES.map(async (siteId) => {
      const { round: r, alpha: _a, transcript: _t, ...step } = lassoJob(siteId, round, state).params as TuneRoundParams;
      const u = await cvSiteStep({ ...step, kind: 'cv-step' } as CvStepParams, rowsOf(siteId, step.features), { siteId });
      return { siteId, signed: signedAnswer(lassoJob(siteId, round, state), { kind: 'tune-round', round: r, sampleCount: u.sampleCount, eventCount: u.eventCount, tensors: u.tensors, basis }) };
    }));
    const results = answers.map(({ siteId, signed }) => {
      const update = JSON.parse(signed.signed).result;
      return { siteId, update: { ...update, tensors: update.tensors.map(unpackTensor) } };
    });
    const outcome = method.aggregate(roundTrip(state), results, []);
    return { transcript: { round, results: answers.map((a) => a.signed), failures: [] } as Transcript, next: roundTrip(outcome.state), done: outcome.done };
  };

  it("accepts every exchange of the honest path, which ends at glmnet's fit on the pooled rows, and refuses crafted coefficients and broken transcripts", async () => {
    const verified = new Map<string, unknown>();
    const lookup = (stream: string, round: number) => verified.get(`${stream}/${round}`);
    // The honest coordinator: its state is stored as JSON between exchanges (selection_lasso_rounds).
    const states: CvState[] = [method.initialState()];
    const transcripts: Transcript[] = [];
    for (let round = 0; ; round++) {
      const state = states[round];
      const job = lassoJob('site-a', round, state, transcripts[round - 1]);
      const check = checkExchange(job, protocol, ca.certPem, lookup);
      expect([round, problem(check)]).toEqual([round, 'accepted']);
      verified.set(`lasso/${round}`, roundTrip((check as { verified: { state: unknown } }).verified.state));
      const answered = await answerExchange(round, state, basisOf(verified, 'lasso', round));
      transcripts.push(answered.transcript);
      states.push(answered.next);
      if (answered.done) break;
    }
    const last = states.length - 1;
    expect(last).toBeGreaterThan(3); // the grid step, Newton steps at λ 0.02, and the last step

    // The path the site checked step by step is glmnet's: R's glmnet(alpha = 1, lambda = 0.02) on the pooled rows.
    const glmnet = fixture.pooledFits.find((f) => f.family === 'lasso-logistic' && f.lambda === 0.02)!.coef;
    const statistics = Object.fromEntries(ALL.map((f) => [f, {}])) as never;
    const { kept } = lassoStep(pathResult(states[last]), ALL, protocolLassoChoice(protocol)!, statistics);
    expect(kept).toEqual(ALL.filter((_, j) => glmnet[j + 1] !== 0));
    states[last].path[0].forEach((c, j) => expect(Math.abs(c - glmnet[j])).toBeLessThan(1e-6));

    const lookup2 = (stream: string, round: number) => verified.get(`${stream}/${round}`);
    const at = (round: number, params: Partial<TuneRoundParams>, transcript: Transcript | undefined = transcripts[round - 1], prev: typeof lookup2 = lookup2) => {
      const job = lassoJob('site-a', round, states[round], transcript);
      return problem(checkExchange({ ...job, params: { ...(job.params as TuneRoundParams), ...params } }, protocol, ca.certPem, prev));
    };
    const honest = (states[2].coef as number[][])[0];
    // Crafted coefficients: one nudged by 1e-9; thresholded to put the Hessian's weight on a few patients.
    expect(at(2, { coef: [honest.map((v, j) => (j === 1 ? v + 1e-9 : v))] })).toMatch(/the coef of LASSO path exchange 2 does not follow from exchange 1's signed answers/);
    expect(at(2, { coef: [[-40, 25, 0, 0, 0, 0]] })).toMatch(/coef of LASSO path exchange 2 does not follow/);
    expect(at(0, { phase: 'path', coef: [[-40, 25, 0, 0, 0, 0]], train: [true], heldOut: false })).toMatch(/coef, heldOut, phase, train of LASSO path exchange 0 do not follow from the path's start/);
    // A transcript missing a site, listing a failure, altered after signing, of another exchange, unsorted, or none.
    const t1 = transcripts[1];
    expect(at(2, {}, { ...t1, results: t1.results.slice(0, 2) })).toMatch(/holds no answer of site-c/);
    expect(at(2, {}, { ...t1, results: t1.results.slice(0, 2), failures: ['site-c'] })).toMatch(/lists site-c as failed/);
    const altered = { ...t1.results[1], signed: t1.results[1].signed.replace(/"sampleCount":(\d+)/, (_, n) => `"sampleCount":${Number(n) + 1}`) };
    expect(at(2, {}, { ...t1, results: [t1.results[0], altered, t1.results[2]] })).toMatch(/signature of site-b's answer does not verify/);
    expect(at(2, {}, { ...transcripts[0], round: 1 })).toMatch(/site-a's signed result is not its answer to job exchanges\/tune\/r1\/site-a/);
    expect(at(2, {}, { ...t1, results: [t1.results[1], t1.results[0], t1.results[2]] })).toMatch(/not sorted by site id/);
    expect(problem(checkExchange(lassoJob('site-a', 2, states[2]), protocol, ca.certPem, lookup2))).toMatch(/LASSO path exchange 2 carries no transcript of LASSO path exchange 1/);
    // A site that did not verify exchange 1 (it took no part) cannot check exchange 2.
    expect(at(2, {}, t1, () => undefined)).toMatch(/has not verified LASSO path exchange 1 \(it took no part in it\)/);
    // Other features mid-path, and an exchange after the path ended.
    const fewer = ALL.slice(0, 4);
    expect(problem(checkExchange(lassoJob('site-a', 2, states[2], t1, fewer), protocol, ca.certPem, lookup2))).toMatch(/other features than exchange 1/);
    // The path ended with exchange last − 1 (the coordinator's aggregate of it is done): no exchange follows it.
    expect(problem(checkExchange(lassoJob('site-a', last, states[last], transcripts[last - 1]), protocol, ca.certPem, lookup2))).toMatch(new RegExp(`LASSO path finished after exchange ${last - 1}; there is no exchange ${last}`));

    // Answers bound to what they were computed at: site-b shown exchange 1 of a path on the same
    // features permuted (a chain its own checks accept), or of a chain restarted at exchange 1, signs
    // the basis of that state; relayed into site-a's transcript it is refused, as is an answer with none.
    const mine = basisOf(verified, 'lasso', 1);
    const state1 = verified.get('lasso/1') as { features: string[] };
    const elsewhere = {
      'permuted features': exchangeBasis({ stream: 'lasso', round: 1, state: { ...state1, features: [...state1.features].reverse() } }),
      'a restarted path': exchangeBasis({ stream: 'lasso', round: 1, state: verified.get('lasso/0') }),
    };
    for (const basis of Object.values(elsewhere)) {
      expect(at(2, {}, { ...t1, results: [t1.results[0], rebased(t1.results[1], basis), t1.results[2]] })).toBe(
        `site-b's answer to LASSO path exchange 1 was computed at basis ${basis}, not at the state this site verified for it (basis ${mine}); it answered another job than this site's`);
    }
    expect(at(2, {}, { ...t1, results: [t1.results[0], rebased(t1.results[1], undefined), t1.results[2]] })).toMatch(/site-b's answer to LASSO path exchange 1 was computed at no basis, not at the state this site verified/);
    // Re-signed with its own basis, the same answer is accepted: the refusals above are the basis's.
    expect(at(2, {}, { ...t1, results: [t1.results[0], rebased(t1.results[1], mine), t1.results[2]] })).toBe('accepted');
  });

  it('pins the harmonisation and the selection output the path runs on at exchange 0, and refuses a switch mid-path (a second harmonisation H2)', async () => {
    const verified = new Map<string, unknown>();
    const lookup = (stream: string, round: number) => verified.get(`${stream}/${round}`);
    const pinned = (round: number, state: CvState, transcript: Transcript | undefined, pins: Record<string, string>) => {
      const job = lassoJob('site-a', round, state, transcript);
      return { ...job, params: { ...(job.params as TuneRoundParams), ...pins } };
    };
    const honest = { harmonizationHash: H1, basedOn: B1 };
    const states: CvState[] = [method.initialState()];
    const transcripts: Transcript[] = [];
    for (let round = 0; round < 3; round++) {
      const check = checkExchange(pinned(round, states[round], transcripts[round - 1], honest), protocol, ca.certPem, lookup);
      expect([round, problem(check)]).toEqual([round, 'accepted']);
      verified.set(`lasso/${round}`, roundTrip((check as { verified: { state: unknown } }).verified.state));
      const answered = await answerExchange(round, states[round], basisOf(verified, 'lasso', round));
      transcripts.push(answered.transcript);
      states.push(answered.next);
      expect(answered.done).toBe(false);
    }
    const at3 = (pins: Record<string, string>) => problem(checkExchange(pinned(3, states[3], transcripts[2], pins), protocol, ca.certPem, lookup));
    expect(at3(honest)).toBe('accepted');
    expect(at3({ ...honest, harmonizationHash: H2 })).toBe(`LASSO path exchange 3 changes the harmonizationHash pinned at exchange 0 of the path: it sends "${H2}", exchange 0 of the path set "${H1}"`);
    expect(at3({ basedOn: B1 })).toMatch(/LASSO path exchange 3 changes the harmonizationHash pinned at exchange 0 of the path: it sends null/);
    expect(at3({ ...honest, basedOn: H2 })).toMatch(/LASSO path exchange 3 changes the basedOn pinned at exchange 0 of the path/);
  });

  it('checks nothing without shareSiteUpdates (secure aggregation refuses these exchanges in protocolConformance instead)', () => {
    const plain = { ...protocol, training: { strategy: 'exact-newton' as const, rounds: 10 } };
    const crafted = { ...lassoJob('site-a', 3, method.initialState()), params: { ...(lassoJob('site-a', 3, method.initialState()).params as TuneRoundParams), coef: [[9, 9, 9, 9, 9, 9]] } };
    expect(checkExchange(crafted, plain, ca.certPem, () => undefined)).toEqual({ ok: true });
  });
});

describe('the baseline rounds under shareSiteUpdates', () => {
  // The combined model on f1, f2 and the "covariates" f3–f5: glm's unpenalised logistic on all five.
  const withBaseline: CampaignProtocol = { ...protocol, features: ['f1', 'f2'], model: { family: 'logistic' }, selection: undefined, analysisPlan: { baseline: { covariates: ['f3', 'f4', 'f5'], models: ['clinical', 'combined'] } } };
  delete withBaseline.selection;
  const arm = baselineProtocol(withBaseline, 'combined', ['f1', 'f2']);
  const method = trainingMethod(arm);
  const baselineJob = (siteId: string, round: number, state: { round: number; parameters: Tensor[]; server: unknown }, transcript?: Transcript) => {
    const step = { ...method.configure(state as never, SITES)[siteId], ...(transcript ? { transcript } : {}) } as TrainRoundParams;
    const jobRound = baselineJobRound('combined', round);
    return envelope(`exchanges/baseline/combined/r${jobRound}/${siteId}`, siteId, 'baseline-round', jobRound, roundTrip({ kind: 'baseline-round', model: 'combined', covariates: ['f3', 'f4', 'f5'], radiomicsFeatures: ['f1', 'f2'], step } satisfies BaselineRoundParams));
  };

  type BaselineState = { round: number; parameters: Tensor[]; server: unknown };
  /** Every site's signed update for round `round` at this state, and the coordinator's next state from them. */
  const answerRound = async (round: number, state: BaselineState, basis: string) => {
    const answers = await Promise.all(SITES.map(async (siteId) => {
      const job = baselineJob(siteId, round, state);
      const update = await trainingSiteStep((job.params as BaselineRoundParams).step, rowsOf(siteId, ALL));
      return { siteId, signed: signedAnswer(job, { ...update, kind: 'baseline-round', model: 'combined', missingCovariates: 0, basis }) };
    }));
    const results = answers.map(({ siteId, signed }) => {
      const update = JSON.parse(signed.signed).result;
      return { siteId, update: { ...update, tensors: update.tensors.map(unpackTensor) } };
    });
    const outcome = method.aggregate(state as never, results, []);
    return { transcript: { round: baselineJobRound('combined', round), results: answers.map((a) => a.signed), failures: [] } as Transcript, next: roundTrip(outcome.state) as BaselineState, done: outcome.done };
  };

  it('pins the harmonisation of its radiomics rows at round 0, and refuses a switch to another at round 2', async () => {
    const verified = new Map<string, unknown>();
    const lookup = (stream: string, round: number) => verified.get(`${stream}/${round}`);
    const harmonised = (round: number, state: BaselineState, transcript: Transcript | undefined, hash: string | undefined) => {
      const job = baselineJob('site-a', round, state, transcript);
      const params = job.params as BaselineRoundParams;
      return { ...job, params: { ...params, step: { ...params.step, ...(hash ? { harmonizationHash: hash } : {}) } } };
    };
    const states: BaselineState[] = [roundTrip(method.initialState())];
    const transcripts: Transcript[] = [];
    for (let round = 0; round < 2; round++) {
      const check = checkExchange(harmonised(round, states[round], transcripts[round - 1], H1), withBaseline, ca.certPem, lookup);
      expect([round, problem(check)]).toEqual([round, 'accepted']);
      verified.set(`baseline/combined/${round}`, roundTrip((check as { verified: { state: unknown } }).verified.state));
      const answered = await answerRound(round, states[round], basisOf(verified, 'baseline/combined', round));
      transcripts.push(answered.transcript);
      states.push(answered.next);
    }
    const at2 = (hash: string | undefined) => problem(checkExchange(harmonised(2, states[2], transcripts[1], hash), withBaseline, ca.certPem, lookup));
    expect(at2(H1)).toBe('accepted');
    expect(at2(H2)).toBe(`round 2 of the combined baseline model changes the harmonizationHash pinned at its round 0: it sends "${H2}", its round 0 set "${H1}"`);
    expect(at2(undefined)).toMatch(/round 2 of the combined baseline model changes the harmonizationHash pinned at its round 0: it sends null/);
  });

  it("accepts the honest exact Newton rounds, which end at R's glm on the pooled rows, and refuses crafted parameters", async () => {
    const verified = new Map<string, unknown>();
    const lookup = (stream: string, round: number) => verified.get(`${stream}/${round}`);
    const states: BaselineState[] = [roundTrip(method.initialState())];
    const transcripts: Transcript[] = [];
    for (let round = 0; ; round++) {
      const check = checkExchange(baselineJob('site-a', round, states[round], transcripts[round - 1]), withBaseline, ca.certPem, lookup);
      expect([round, problem(check)]).toEqual([round, 'accepted']);
      verified.set(`baseline/combined/${round}`, roundTrip((check as { verified: { state: unknown } }).verified.state));
      const answered = await answerRound(round, states[round], basisOf(verified, 'baseline/combined', round));
      transcripts.push(answered.transcript);
      states.push(answered.next);
      if (answered.done) break;
    }
    const glm = fixture.pooledFits.find((f) => f.family === 'logistic')!.coef;
    const coef = states[states.length - 1].parameters.find((t) => t.name === 'coef')!.data;
    coef.forEach((c, j) => expect(Math.abs(c - glm[j])).toBeLessThan(1e-6));

    const at = (round: number, parameters: Tensor[] | undefined, transcript: Transcript | undefined = transcripts[round - 1], prev = lookup) => {
      const job = baselineJob('site-a', round, states[round], transcript);
      const params = job.params as BaselineRoundParams;
      return problem(checkExchange({ ...job, params: { ...params, step: { ...params.step, ...(parameters ? { globalParameters: parameters } : {}) } } }, withBaseline, ca.certPem, prev));
    };
    const nudged = states[2].parameters.map((t) => ({ ...t, data: t.data.map((v, i) => (i === 1 ? v + 1e-9 : v)) }));
    expect(at(2, nudged)).toMatch(/parameters of round 2 of the combined baseline model do not follow from round 1's signed updates/);
    expect(at(2, [{ name: 'coef', shape: [6], data: [-30, 20, 0, 0, 0, 0] }])).toMatch(/do not follow/);
    expect(at(2, undefined, { ...transcripts[1], results: transcripts[1].results.slice(1) })).toMatch(/holds no answer of site-a/);
    expect(at(2, undefined, transcripts[0])).toMatch(/round 2 of the combined baseline model carries no transcript of round 1/);
    expect(at(2, undefined, { ...transcripts[0], round: transcripts[1].round })).toMatch(/not its answer to job exchanges\/baseline\/combined\/r26\/site-a/);
    expect(at(2, undefined, transcripts[1], () => undefined)).toMatch(/has not verified round 1 of the combined baseline model/);
    expect(at(2, undefined)).toBe('accepted');
    // site-c's round 1 answer computed at the clinical model's round 1, or with no basis: refused by name.
    const t1 = transcripts[1];
    const clinical = exchangeBasis({ stream: 'baseline/clinical', round: 1, state: verified.get('baseline/combined/1') });
    expect(at(2, undefined, { ...t1, results: [t1.results[0], t1.results[1], rebased(t1.results[2], clinical)] })).toMatch(
      new RegExp(`site-c's answer to round 1 of the combined baseline model was computed at basis ${clinical}, not at the state this site verified for it \\(basis ${basisOf(verified, 'baseline/combined', 1)}\\)`));
    expect(at(2, undefined, { ...t1, results: [t1.results[0], t1.results[1], rebased(t1.results[2], undefined)] })).toMatch(/site-c's answer to round 1 of the combined baseline model was computed at no basis/);
  });
});
