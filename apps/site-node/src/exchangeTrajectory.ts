import { X509Certificate } from 'node:crypto';
import {
  coxCrossValidationMethod, crossValidationMethod, protocolCoxTuningSettings, protocolLassoSettings, protocolTuningSettings, trainingMethod,
  type CoxCvState, type CvState,
} from '@fedrad/methods';
import {
  baselineJobRound, baselineProtocol, canonicalJson, isPackedTensor, tuningAlphas, unpackTensor,
  type BaselineRoundParams, type CampaignProtocol, type JobEnvelope, type PackedTensor, type Tensor, type TuneRoundParams,
} from '@fedrad/protocol';
import { basisProblem, exchangeBasis } from './answerBasis.js';
import { relayedResultSigner, type RelayedResult } from './signedResults.js';

/** What this site verified after one exchange of a chain (the LASSO path, one α of the tuning step, one baseline model's rounds): its store keeps it by stream and round. */
export interface VerifiedExchange {
  stream: string;
  round: number;
  state: unknown;
}

export type ExchangeCheck = { ok: true; verified?: VerifiedExchange } | { ok: false; problem: string };

/** The state this site verified for a stream's exchange, from its store (undefined when it did not verify it). */
export type VerifiedLookup = (stream: string, round: number) => unknown;

interface Transcript {
  round: number;
  results: RelayedResult[];
  failures: string[];
}

/**
 * The trajectory check of the exchanges whose next coefficients the coordinator computes from the
 * sites' answers (issue #16; trajectory.ts does the training rounds): with the protocol's
 * training.shareSiteUpdates, each exchange of the selection step's LASSO path, of the tuning step's
 * cross-validation at one α and each baseline round after the first carries the previous one's
 * answers as their sites signed them. The site checks
 * every signature against the campaign CA, that every training site answered that exchange of this
 * campaign and protocol (the path and exact Newton need all of them, so no failure may be listed),
 * recomputes the coordinator's step with the method's own pure aggregate from the state it verified
 * for the previous exchange, and refuses coefficients that do not follow bit for bit. A site that
 * took no part in the previous exchange has nothing to check against and refuses. The first
 * exchange starts from the method's initial state (the LASSO path's and each α's grid step ask at
 * no coefficients; protocolConformance checks a baseline model's round 0 parameters).
 */
export function checkExchange(job: JobEnvelope, protocol: CampaignProtocol, caPem: string, lookup: VerifiedLookup): ExchangeCheck {
  if (protocol.training.shareSiteUpdates !== true) return { ok: true };
  if (job.kind === 'tune-round') return (job.params as TuneRoundParams).folds?.scheme === 'none' ? lassoExchange(job, protocol, caPem, lookup) : tuningExchange(job, protocol, caPem, lookup);
  if (job.kind === 'baseline-round') return baselineRound(job, protocol, caPem, lookup);
  return { ok: true };
}

interface LassoState {
  features: string[];
  cv: CvState;
  pins: ChainPins;
}

/**
 * What a chain's first exchange fixes about the rows every later answer comes from: the
 * harmonisation the site applies (harmonizationHash) and the step output the job rests on
 * (basedOn), null when the job names none. A coordinator holding two harmonisations could
 * otherwise switch a chain to the second mid-way and rescale the coefficients the site verified.
 */
interface ChainPins {
  harmonizationHash: string | null;
  basedOn: string | null;
}

function chainPins(params: { harmonizationHash?: string; basedOn?: string }): ChainPins {
  return { harmonizationHash: params.harmonizationHash ?? null, basedOn: params.basedOn ?? null };
}

/** Which pin an exchange changes from its chain's first exchange, with both values; undefined when it changes none. */
function chainPinsProblem(sent: ChainPins, pinned: ChainPins | undefined, what: string, first: string): string | undefined {
  if (!pinned) return `this site holds no harmonisation pinned at ${first} (its record predates pinning), so it cannot check that ${what} uses the same rows`;
  const changed = (['harmonizationHash', 'basedOn'] as const).find((k) => sent[k] !== pinned[k]);
  return changed === undefined ? undefined : `${what} changes the ${changed} pinned at ${first}: it sends ${JSON.stringify(sent[changed])}, ${first} set ${JSON.stringify(pinned[changed])}`;
}

/** A LASSO path exchange: its coefficients (and phase, folds' flags) are what crossValidationMethod configures from the verified path. */
function lassoExchange(job: JobEnvelope, protocol: CampaignProtocol, caPem: string, lookup: VerifiedLookup): ExchangeCheck {
  const params = job.params as TuneRoundParams;
  let method;
  try {
    method = crossValidationMethod(protocolLassoSettings(protocol, params.features));
  } catch (e) {
    return { ok: false, problem: `the protocol's LASSO path cannot be built here (${(e as Error).message})` };
  }
  let cv: CvState;
  if (params.round === 0) {
    cv = method.initialState();
  } else {
    const before = params.round - 1;
    const previous = lookup('lasso', before) as LassoState | undefined;
    const answers = previousAnswers(params.transcript, previous, params.round, (n) => `LASSO path exchange ${n}`, caPem, job, protocol, {
      stream: 'lasso', kind: 'tune-round', round: before, jobId: (siteId) => `${job.campaignId}/tune/r${before}/${siteId}`,
      isAnswer: (r) => r.kind === 'tune-round' && r.round === before,
    });
    if ('problem' in answers) return { ok: false, problem: answers.problem };
    if (canonicalJson(previous!.features) !== canonicalJson(params.features)) return { ok: false, problem: `LASSO path exchange ${params.round} asks for other features than exchange ${before} (a path runs on one feature set)` };
    const repinned = chainPinsProblem(chainPins(params), previous!.pins, `LASSO path exchange ${params.round}`, 'exchange 0 of the path');
    if (repinned) return { ok: false, problem: repinned };
    try {
      const outcome = method.aggregate(previous!.cv, answers.results as never, []);
      // The coordinator ends the path when the method is done: no exchange follows.
      if (outcome.done) return { ok: false, problem: `the protocol's LASSO path finished after exchange ${before}; there is no exchange ${params.round}` };
      cv = JSON.parse(JSON.stringify(outcome.state)) as CvState;
    } catch (e) {
      return { ok: false, problem: `exchange ${before}'s signed answers do not give a step of the path: ${(e as Error).message}` };
    }
  }
  const differing = differingFields(job, method.configure(cv, [...protocol.trainingSites].sort())[job.siteId], {});
  if (differing.length > 0) {
    return { ok: false, problem: `the ${differing.join(', ')} of LASSO path exchange ${params.round} ${differing.length === 1 ? 'does' : 'do'} not follow from ${params.round === 0 ? "the path's start" : `exchange ${params.round - 1}'s signed answers`} by the protocol's path step` };
  }
  return { ok: true, verified: { stream: 'lasso', round: params.round, state: { features: params.features, cv, pins: chainPins(params) } satisfies LassoState } };
}

/**
 * The fields of a tune-round's parameters that are not what the method configures for this site
 * from the verified state (its step's own fields, and the coefficients, phase and fold flags even
 * when the method leaves them out), nor `also` (fields the coordinator adds, as the λ grid).
 */
function differingFields(job: JobEnvelope, configured: object, also: Record<string, unknown>): string[] {
  const { kind: _kind, resampling: _resampling, ...step } = configured as Record<string, unknown>;
  const expected = { ...step, ...also };
  const sent = job.params as unknown as Record<string, unknown>;
  return [...new Set([...Object.keys(expected), 'phase', 'coef', 'beta', 'train', 'heldOut'])].filter((k) => canonicalJson(sent[k] ?? null) !== canonicalJson(expected[k] ?? null)).sort();
}

interface TuningState {
  features: string[];
  cv: CvState | CoxCvState;
  pins: ChainPins;
}

/** The part of @fedrad/methods' cross-validation methods the check runs; the logistic and the Cox one share it. */
interface TuningMethod {
  initialState(): CvState | CoxCvState;
  configure(state: CvState | CoxCvState, sites: readonly string[]): Record<string, object>;
  aggregate(state: CvState | CoxCvState, results: unknown[], failures: []): { state: CvState | CoxCvState; done: boolean };
}

/**
 * An exchange of the tuning step (a tune-round with folds): the cross-validation at its α, as the
 * coordinator's tuning phase runs it — glmnet's Cox for model.family cox, the logistic elastic net
 * otherwise — on the features the job names (the selection step's output, fixed along the α's
 * exchanges). Each α is a chain of its own (stream tuning/<α's index in the protocol>): its grid
 * step is the method's start, which asks at no coefficients; every later exchange carries the one
 * before it (round − 1, job ids <campaign>/tune/r<round>/<site>) and must be the method's step from it.
 */
function tuningExchange(job: JobEnvelope, protocol: CampaignProtocol, caPem: string, lookup: VerifiedLookup): ExchangeCheck {
  const params = job.params as TuneRoundParams;
  const alphaIndex = tuningAlphas(protocol).indexOf(params.alpha);
  if (alphaIndex < 0) return { ok: false, problem: `alpha ${params.alpha} is not one the protocol's tuning step tries` };
  const stream = `tuning/${alphaIndex}`;
  const what = (n: number) => `tuning exchange ${n} (alpha ${params.alpha})`;
  let method: TuningMethod;
  try {
    method = (protocol.model.family === 'cox'
      ? coxCrossValidationMethod(protocolCoxTuningSettings(protocol, params.features, params.alpha))
      : crossValidationMethod(protocolTuningSettings(protocol, params.features, params.alpha))) as unknown as TuningMethod;
  } catch (e) {
    return { ok: false, problem: `the protocol's tuning step cannot be built here (${(e as Error).message})` };
  }
  let cv: CvState | CoxCvState;
  const first = params.phase === 'grid';
  if (first) {
    // The α's first exchange: no exchange of this α came before it, so no transcript can belong to it.
    if (params.transcript) return { ok: false, problem: `${what(params.round)} is the grid step that starts its alpha, and carries a transcript of an exchange before it` };
    cv = method.initialState();
  } else {
    const before = params.round - 1;
    const previous = lookup(stream, before) as TuningState | undefined;
    const answers = previousAnswers(params.transcript, previous, params.round, what, caPem, job, protocol, {
      stream, kind: 'tune-round', round: before, jobId: (siteId) => `${job.campaignId}/tune/r${before}/${siteId}`,
      isAnswer: (r) => r.kind === 'tune-round' && r.round === before,
    });
    if ('problem' in answers) return { ok: false, problem: answers.problem };
    if (canonicalJson(previous!.features) !== canonicalJson(params.features)) return { ok: false, problem: `${what(params.round)} asks for other features than exchange ${before} (an alpha's cross-validation runs on one feature set)` };
    const repinned = chainPinsProblem(chainPins(params), previous!.pins, what(params.round), `the grid step of alpha ${params.alpha}`);
    if (repinned) return { ok: false, problem: repinned };
    try {
      const outcome = method.aggregate(previous!.cv, answers.results, []);
      // The coordinator goes on to the next α (a grid step) when this one is done: no exchange of this α follows.
      if (outcome.done) return { ok: false, problem: `the cross-validation at alpha ${params.alpha} finished after exchange ${before}; there is no exchange ${params.round} of it` };
      cv = JSON.parse(JSON.stringify(outcome.state)) as CvState | CoxCvState;
    } catch (e) {
      return { ok: false, problem: `exchange ${before}'s signed answers do not give a step of the cross-validation at alpha ${params.alpha}: ${(e as Error).message}` };
    }
  }
  // A path exchange names the grid it runs on (tuning.ts); the grid step names none.
  const differing = differingFields(job, method.configure(cv, [...protocol.trainingSites].sort())[job.siteId], { lambdas: cv.phase === 'path' ? cv.lambdas : undefined });
  if (differing.length > 0) {
    return { ok: false, problem: `the ${differing.join(', ')} of ${what(params.round)} ${differing.length === 1 ? 'does' : 'do'} not follow from ${first ? "the start of its alpha's cross-validation" : `exchange ${params.round - 1}'s signed answers`} by the protocol's cross-validation step` };
  }
  return { ok: true, verified: { stream, round: params.round, state: { features: params.features, cv, pins: chainPins(params) } satisfies TuningState } };
}

interface BaselineState {
  radiomicsFeatures: string[];
  parameters: Tensor[];
  server: unknown;
  pins: ChainPins;
}

/** A baseline round: its global parameters are the baseline model's exact Newton step (trainingMethod of baselineProtocol) from the verified round before. */
function baselineRound(job: JobEnvelope, protocol: CampaignProtocol, caPem: string, lookup: VerifiedLookup): ExchangeCheck {
  const params = job.params as BaselineRoundParams;
  const step = params.step;
  const stream = `baseline/${params.model}`;
  // The harmonisation is the step's (its radiomics rows'); a basedOn, if a job ever carries one, the envelope params'.
  const pins = chainPins({ harmonizationHash: step.harmonizationHash, basedOn: (params as { basedOn?: string }).basedOn });
  let method;
  try {
    method = trainingMethod(baselineProtocol(protocol, params.model, params.radiomicsFeatures));
  } catch (e) {
    return { ok: false, problem: `the protocol's ${params.model} baseline model cannot be built here (${(e as Error).message})` };
  }
  if (step.round === 0) {
    const initial = method.initialState();
    return { ok: true, verified: { stream, round: 0, state: { radiomicsFeatures: params.radiomicsFeatures, parameters: initial.parameters, server: initial.server, pins } satisfies BaselineState } };
  }
  const before = step.round - 1;
  const jobRound = baselineJobRound(params.model, before);
  const previous = lookup(stream, before) as BaselineState | undefined;
  const answers = previousAnswers(step.transcript, previous, step.round, (n) => `round ${n} of the ${params.model} baseline model`, caPem, job, protocol, {
    stream, kind: 'baseline-round', round: jobRound, jobId: (siteId) => `${job.campaignId}/baseline/${params.model}/r${jobRound}/${siteId}`,
    isAnswer: (r) => r.kind === 'baseline-round' && r.model === params.model && r.round === before,
  });
  if ('problem' in answers) return { ok: false, problem: answers.problem };
  if (canonicalJson(previous!.radiomicsFeatures) !== canonicalJson(params.radiomicsFeatures)) return { ok: false, problem: `round ${step.round} of the ${params.model} baseline model asks for other radiomics features than round ${before}` };
  const repinned = chainPinsProblem(pins, previous!.pins, `round ${step.round} of the ${params.model} baseline model`, 'its round 0');
  if (repinned) return { ok: false, problem: repinned };
  let outcome;
  try {
    outcome = method.aggregate({ round: before, parameters: previous!.parameters, server: previous!.server as never }, answers.results as never, []);
  } catch (e) {
    return { ok: false, problem: `round ${before}'s signed updates of the ${params.model} baseline model do not aggregate: ${(e as Error).message}` };
  }
  // The coordinator locks the model when its method is done (converged, or out of rounds): no round follows.
  if (outcome.done) return { ok: false, problem: `the ${params.model} baseline model finished after round ${before}; there is no round ${step.round}` };
  const parameters = JSON.parse(JSON.stringify(outcome.state.parameters)) as Tensor[];
  if (canonicalJson(parameters) !== canonicalJson(step.globalParameters)) {
    return { ok: false, problem: `the parameters of round ${step.round} of the ${params.model} baseline model do not follow from round ${before}'s signed updates by its exact Newton step` };
  }
  return { ok: true, verified: { stream, round: step.round, state: { radiomicsFeatures: params.radiomicsFeatures, parameters, server: outcome.state.server, pins } satisfies BaselineState } };
}

interface Expected {
  /** The chain: every answer's basis must be the hash of this site's verified state of it at the previous exchange (answerBasis.ts). */
  stream: string;
  kind: string;
  /** The envelope round of the answers (the transcript's round). */
  round: number;
  jobId: (siteId: string) => string;
  isAnswer: (result: Record<string, unknown>) => boolean;
}

/**
 * The previous exchange's answers, checked: a transcript of exchange `round − 1` (`expected.round`
 * in the envelopes' numbering), a state this site verified for it, and every training site's signed
 * answer to its job of that exchange (sorted by site id, none failed), decoded as the coordinator's
 * aggregate reads them.
 */
function previousAnswers(
  transcript: Transcript | undefined,
  previous: unknown,
  round: number,
  what: (round: number) => string,
  caPem: string,
  job: JobEnvelope,
  protocol: CampaignProtocol,
  expected: Expected,
): { results: Array<{ siteId: string; update: Record<string, unknown> }> } | { problem: string } {
  const before = round - 1;
  if (!transcript || transcript.round !== expected.round) return { problem: `${what(round)} carries no transcript of ${what(before)}, so its coefficients cannot be checked` };
  if (previous === undefined) return { problem: `this site has not verified ${what(before)} (it took no part in it), so it cannot check the coefficients of ${what(round)}` };
  if (transcript.failures.length > 0) return { problem: `the transcript lists ${transcript.failures.join(', ')} as failed, and ${what(before)} needs every training site's answer to go on` };
  const ca = new X509Certificate(caPem);
  const basis = exchangeBasis({ stream: expected.stream, round: before, state: previous });
  const results: Array<{ siteId: string; update: Record<string, unknown> }> = [];
  for (const [i, entry] of transcript.results.entries()) {
    const signer = relayedResultSigner(entry, ca, protocol.trainingSites, `answer ${i} of the transcript`, 'answer');
    if ('problem' in signer) return signer;
    const siteId = signer.siteId;
    const doc = signer.doc as { type?: string; jobId?: string; campaignId?: string; siteId?: string; protocolHash?: string; kind?: string; round?: number; result?: Record<string, unknown> & { tensors?: Array<Tensor | PackedTensor> } };
    const jobId = expected.jobId(siteId);
    if (doc.type !== 'job-result' || doc.jobId !== jobId || doc.campaignId !== job.campaignId || doc.siteId !== siteId || doc.protocolHash !== job.protocolHash || doc.kind !== expected.kind || doc.round !== expected.round) {
      return { problem: `${siteId}'s signed result is not its answer to job ${jobId} under this protocol` };
    }
    const result = doc.result;
    if (!result || !expected.isAnswer(result) || !Array.isArray(result.tensors)) return { problem: `${siteId}'s signed result is not its answer to ${what(before)}` };
    const unbound = basisProblem(result, basis, siteId, what(before));
    if (unbound) return { problem: unbound };
    if (results.some((r) => r.siteId === siteId)) return { problem: `the transcript holds two answers of ${siteId}` };
    if (results.length > 0 && results[results.length - 1].siteId > siteId) return { problem: "the transcript's answers are not sorted by site id, as the coordinator aggregates them" };
    results.push({ siteId, update: { ...result, tensors: result.tensors.map((t) => (isPackedTensor(t) ? unpackTensor(t) : t)) } });
  }
  const missing = protocol.trainingSites.filter((s) => !results.some((r) => r.siteId === s)).sort();
  if (missing.length > 0) return { problem: `the transcript holds no answer of ${missing.join(', ')}, and ${what(before)} needs every training site's answer` };
  return { results };
}
