import { X509Certificate } from 'node:crypto';
import { trainingMethod } from '@fedrad/methods';
import { basisProblem, trainingBasis } from './answerBasis.js';
import { relayedResultSigner } from './signedResults.js';
import { canonicalJson, isPackedTensor, unpackTensor, type CampaignProtocol, type JobEnvelope, type PackedTensor, type Tensor, type TrainRoundParams } from '@fedrad/protocol';

/** Where training stood after a round this site checked: the parameters, the strategy's own state, and what round 0 pinned. */
export interface VerifiedState {
  round: number;
  parameters: Tensor[];
  server: unknown;
  /** The settings round 0's job carried; every later round must carry exactly these (undefined only in a state no train-round job set). */
  pinned?: PinnedSettings;
}

/**
 * What a training job says the coefficients mean: the features in their order (coefficient i is
 * feature i's), the model settings (λ, α, …), the harmonisation its rows pass through and the cohort
 * (null when the job names none). Round 0 fixes them for the campaign: a coordinator that changed
 * them later could reassign the verified coefficients to other features or rescale them, and still
 * pass the step check, which it computes on the job's own settings.
 */
export interface PinnedSettings {
  features: string[];
  model: unknown;
  harmonizationHash: string | null;
  cohort: string | null;
}

export function pinnedSettings(params: TrainRoundParams): PinnedSettings {
  return { features: [...params.features], model: params.model, harmonizationHash: params.harmonizationHash ?? null, cohort: (params as { cohort?: string }).cohort ?? null };
}

/** Which pinned setting a round's job changes, with what round 0 set; undefined when it changes none. */
export function pinnedSettingsProblem(params: TrainRoundParams, pinned: PinnedSettings | undefined): string | undefined {
  if (!pinned) return `this site holds no settings pinned at round 0 (it took no part in round 0's training job), so it cannot check that round ${params.round} trains the same model`;
  const sent = pinnedSettings(params);
  const changed = (Object.keys(pinned) as Array<keyof PinnedSettings>).find((k) => canonicalJson(sent[k]) !== canonicalJson(pinned[k]));
  if (changed === undefined) return undefined;
  return `round ${params.round} changes the ${changed} pinned at round 0: it sends ${canonicalJson(sent[changed])}, round 0 set ${canonicalJson(pinned[changed])}`;
}

export type TrajectoryCheck = { ok: true; state?: VerifiedState } | { ok: false; problem: string };

/**
 * The trajectory check (issue #16): with the protocol's training.shareSiteUpdates, a training job
 * of round r carries the updates of round r − 1 exactly as their sites signed them. The site checks
 * each signature against a certificate of the campaign CA whose CN is a training site, that each
 * update answered round r − 1 of this campaign and protocol, recomputes the strategy's step (the
 * training method's aggregate, the coordinator's own code) from the state it verified for round
 * r − 1, and refuses parameters that do not follow bit for bit. A coordinator then cannot ask any
 * round at coefficients of its choosing — Newton's included — without forging site signatures.
 *
 * `previous` is the state this site verified for round r − 1 (its store); round 0 starts from the
 * method's initial state (protocolConformance checks the parameters). A site that took no part in
 * round r − 1 has nothing to check round r against and refuses it.
 */
export function checkTrajectory(job: JobEnvelope, protocol: CampaignProtocol, caPem: string, previous: VerifiedState | undefined, current?: VerifiedState): TrajectoryCheck {
  if (job.kind === 'train-round' && protocol.training.secureAggregation === true && protocol.training.shareSiteUpdates !== true) return maskedRoundCheck(job, protocol, current);
  if (job.kind !== 'train-round' || protocol.training.shareSiteUpdates !== true) return { ok: true };
  const params = job.params as TrainRoundParams;
  const method = trainingMethod(protocol);
  if (params.round === 0) {
    const initial = method.initialState();
    return { ok: true, state: { round: 0, parameters: initial.parameters, server: initial.server, pinned: pinnedSettings(params) } };
  }
  const before = params.round - 1;
  const transcript = params.transcript;
  if (!transcript || transcript.round !== before) return { ok: false, problem: `round ${params.round} carries no transcript of round ${before}, so its parameters cannot be checked` };
  if (!previous || previous.round !== before) return { ok: false, problem: `this site has not verified round ${before} (it took no part in it), so it cannot check round ${params.round}'s parameters` };
  const repinned = pinnedSettingsProblem(params, previous.pinned);
  if (repinned) return { ok: false, problem: repinned };
  const ca = new X509Certificate(caPem);
  const results: Array<{ siteId: string; update: never }> = [];
  // Every update must have been computed at the state this site verified for round r − 1 (answerBasis.ts).
  const basis = trainingBasis(previous);
  for (const [i, entry] of transcript.results.entries()) {
    const problem = signedUpdateProblem(entry, i, ca, job, protocol, before, basis, results);
    if (problem) return { ok: false, problem };
  }
  const failures = transcript.failures;
  const counted = new Set(results.map((r) => r.siteId));
  const stray = failures.find((s) => counted.has(s) || !protocol.trainingSites.includes(s));
  if (stray) return { ok: false, problem: `the transcript lists ${stray} as failed, but it is not a training site without an update` };
  const uncounted = countingRoundProblem(protocol, before, counted, failures);
  if (uncounted) return { ok: false, problem: uncounted };
  let outcome;
  try {
    outcome = method.aggregate({ round: before, parameters: previous.parameters, server: previous.server as never }, results, failures.map((siteId) => ({ siteId, code: 'FAILED', message: '' })));
  } catch (e) {
    return { ok: false, problem: `round ${before}'s signed updates do not aggregate: ${(e as Error).message}` };
  }
  // The coordinator stops when the method is done (converged, or out of rounds): no round follows.
  if (outcome.done) return { ok: false, problem: `the protocol's training method finished after round ${before}; there is no round ${params.round}` };
  const parameters = JSON.parse(JSON.stringify(outcome.state.parameters)) as Tensor[];
  if (canonicalJson(parameters) !== canonicalJson(params.globalParameters)) {
    return { ok: false, problem: `the parameters of round ${params.round} do not follow from round ${before}'s signed updates by the protocol's ${protocol.training.strategy} step` };
  }
  const state = { round: params.round, parameters, server: outcome.state.server, pinned: previous.pinned };
  const weights = classWeightsProblem(method, job, state, `round 0's signed updates`);
  return weights ? { ok: false, problem: weights } : { ok: true, state };
}

/**
 * Under secure aggregation the round's keys job carried round r − 1's signed masked forms and the
 * site verified round r's parameters from them (secureRounds.ts, `current`): the train-round job
 * must carry exactly those. Round 0's are checked by protocolConformance.
 */
function maskedRoundCheck(job: JobEnvelope, protocol: CampaignProtocol, current: VerifiedState | undefined): TrajectoryCheck {
  const params = job.params as TrainRoundParams;
  // Round 0's parameters are the method's start (protocolConformance); its job pins the settings, which secureRounds.ts carries from round to round.
  if (params.round === 0) {
    const initial = trainingMethod(protocol).initialState();
    return { ok: true, state: { round: 0, parameters: initial.parameters, server: initial.server, pinned: pinnedSettings(params) } };
  }
  if (!current || current.round !== params.round) return { ok: false, problem: `this site has not verified round ${params.round}'s parameters (its keys job carried round ${params.round - 1}'s masked forms), so it does not train at them` };
  const repinned = pinnedSettingsProblem(params, current.pinned);
  if (repinned) return { ok: false, problem: repinned };
  if (canonicalJson(current.parameters) !== canonicalJson(params.globalParameters)) {
    return { ok: false, problem: `the parameters of round ${params.round} do not follow from round ${params.round - 1}'s unmasked sum by the protocol's step` };
  }
  const weights = classWeightsProblem(trainingMethod(protocol), job, current, "round 0's unmasked sum");
  return weights ? { ok: false, problem: weights } : { ok: true };
}

/**
 * Balanced class weights (model.classWeights "balanced"): the pooled counts a job carries must be
 * those the verified state holds — the sum of the counts round 0's signed answers report (or their
 * unmasked sum), carried from round to round by the training method's own state — so a coordinator
 * cannot inflate them around this site's patients of one class (N = 10⁹ around its few positives),
 * which the site's own check (at least its own counts, each class at least the minimum cohort)
 * cannot see. The expected weights are what the method's configure gives from that state.
 */
function classWeightsProblem(method: ReturnType<typeof trainingMethod>, job: JobEnvelope, state: VerifiedState, source: string): string | undefined {
  const sent = (job.params as TrainRoundParams).balancedWeights;
  const expected = method.configure({ round: state.round, parameters: state.parameters, server: state.server as never }, [job.siteId])[job.siteId]?.balancedWeights;
  if (canonicalJson(sent ?? null) === canonicalJson(expected ?? null)) return undefined;
  const counts = (w: typeof sent) => (w ? `${w.positiveCount} positive of ${w.sampleCount}` : 'none');
  return `the job's pooled class counts (${counts(sent)}) and weights are not those of ${source} (${counts(expected)}), from which balanced class weights are taken`;
}

/**
 * Balanced class weights take N / (2 N_c) from the counts round 0's answers report, summed over
 * the answers the coordinator includes: with failures allowed it could count only sites of its
 * choosing and skew the weights. So under model.classWeights "balanced" the counting round's
 * transcript (round 1's job) must hold every training site's answer and list none as failed.
 */
function countingRoundProblem(protocol: CampaignProtocol, before: number, counted: ReadonlySet<string>, failures: readonly string[]): string | undefined {
  if (before !== 0 || protocol.model.classWeights !== 'balanced') return undefined;
  const missing = protocol.trainingSites.filter((s) => !counted.has(s) && !failures.includes(s)).sort();
  if (failures.length > 0) return `round 0 counts the classes for balanced class weights, and its transcript lists ${[...failures].sort().join(', ')} as failed: the pooled counts must hold every training site's`;
  if (missing.length > 0) return `round 0 counts the classes for balanced class weights, and its transcript holds no update of ${missing.join(', ')}: the pooled counts must hold every training site's`;
  return undefined;
}

/** Checks one signed update of the transcript; pushes it (decoded, as the aggregate reads it) when sound. */
function signedUpdateProblem(
  entry: { signed: string; signature: string; certificatePem: string },
  index: number,
  ca: X509Certificate,
  job: JobEnvelope,
  protocol: CampaignProtocol,
  round: number,
  basis: string,
  results: Array<{ siteId: string; update: never }>,
): string | undefined {
  const signer = relayedResultSigner(entry, ca, protocol.trainingSites, `update ${index} of the transcript`, 'update');
  if ('problem' in signer) return signer.problem;
  const siteId = signer.siteId;
  const doc = signer.doc as { type?: string; jobId?: string; campaignId?: string; siteId?: string; protocolHash?: string; kind?: string; round?: number; result?: { type?: string; round?: number; basis?: string; tensors?: Array<Tensor | PackedTensor> } };
  const expectedId = `${job.campaignId}/r${round}/${siteId}`;
  if (doc.type !== 'job-result' || doc.jobId !== expectedId || doc.campaignId !== job.campaignId || doc.siteId !== siteId || doc.protocolHash !== job.protocolHash || doc.kind !== 'train-round' || doc.round !== round) {
    return `${siteId}'s signed result is not its answer to job ${expectedId} under this protocol`;
  }
  const update = doc.result;
  if (!update || update.type !== undefined || update.round !== round || !Array.isArray(update.tensors)) return `${siteId}'s signed result for round ${round} is not a model update`;
  const unbound = basisProblem(update, basis, siteId, `round ${round}`);
  if (unbound) return unbound;
  if (results.some((r) => r.siteId === siteId)) return `the transcript holds two updates of ${siteId}`;
  if (results.length > 0 && results[results.length - 1].siteId > siteId) return 'the transcript\'s updates are not sorted by site id, as the coordinator aggregates them';
  const tensors = update.tensors.map((t) => (isPackedTensor(t) ? unpackTensor(t) : t));
  results.push({ siteId, update: { ...update, tensors } as never });
  return undefined;
}
