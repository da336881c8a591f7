import { X509Certificate } from 'node:crypto';
import { SecureAggregationSite, type EncryptedShares, type KeyAdvertisement, type SecAggContext, type SecureAggregationSiteState } from '@fedrad/federation';
import { maskedModelUpdate, secureRoundUpdate, secureSummand, trainingMethod } from '@fedrad/methods';
import { canonicalJson, isPackedTensor, unpackTensor, type CampaignProtocol, type JobEnvelope, type MaskedTranscript, type ModelUpdate, type NextRoundSecrets, type PackedTensor, type SecureAggregationParams, type SecureAggregationResult, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { JobRefusedError } from './errors.js';
import { relayedResultSigner, type RelayedResult } from './signedResults.js';
import type { SiteStore } from './siteStore.js';

/**
 * This site's side of a campaign round's secure aggregation (Bonawitz et al. 2017, §4; the
 * protocol in @fedrad/federation's doubleMasking). The coordinator relays every message; the
 * site's secrets (two X25519 private keys, its self-mask seed) and every share it holds stay in
 * its own store between the stages, so a restart of the site or of the coordinator resumes the
 * round where it was. What the site refuses, whoever asks:
 *
 * - shares for keys that no training site signed (a coordinator's own keys in a peer's place would
 *   let it decrypt the shares), or for a roster other than the one it already shared with;
 * - a masked update for another set of peers than the first (two maskings of one update under
 *   different pair sets differ by masks the coordinator could learn to remove);
 * - unmasking before it sent its masked update, a second time, with fewer survivors than the
 *   threshold (never fewer than three), or with itself left out of the survivors (that would reveal
 *   the key masking its own update beside its self-mask seed's shares held by the others).
 *
 * Pipelined rounds (the round runner's two-exchange rounds, secureRound.ts): with its masked update
 * of round r the site sends its fresh masking key and encrypted shares for round r + 1 (nextRound),
 * keeping round r + 1's secrets in its store; round r's unmask job brings it the other sites' shares
 * for round r + 1; round r + 1's train-round job carries round r's signed masked forms, from which
 * the site both checks round r + 1's parameters and reads round r + 1's roster (each site's signed
 * nextRound key). It refuses a pipelined round whose roster holds a key that is not its own, a site
 * outside the key setup or a site whose shares it does not hold; a key-setup round after secrets
 * were prepared for it discards them (they masked nothing) and makes fresh ones.
 */
interface StoredRound {
  site: SecureAggregationSiteState;
  /** Made by the previous round's masked stage (prepareNextRound), not by this round's keys stage. */
  pipelined?: boolean;
  /** What this site sent for the next round with its masked update (a re-run sends the same). */
  next?: NextRoundSecrets;
  /** The roster it shared keys with, and the encrypted shares it made (a re-run answers the same). */
  roster?: KeyAdvertisement[];
  shares?: EncryptedShares[];
  /** The peers (U2) its masked update was made for. */
  maskedFor?: string[];
}

const refuse = (message: string): never => {
  throw new JobRefusedError('SECURE_AGGREGATION_REFUSED', message);
};

function contextOf(job: JobEnvelope, params: { threshold?: number; scale: number }): SecAggContext {
  return { campaignId: job.campaignId, round: job.round ?? -1, threshold: params.threshold ?? 0, scale: params.scale };
}

function load(store: SiteStore, job: Pick<JobEnvelope, 'campaignId' | 'round'>): StoredRound | undefined {
  const json = store.secureRound(job.campaignId, job.round ?? -1);
  return json ? (JSON.parse(json) as StoredRound) : undefined;
}

function save(store: SiteStore, job: Pick<JobEnvelope, 'campaignId' | 'round'>, round: StoredRound): void {
  store.saveSecureRound(job.campaignId, job.round ?? -1, JSON.stringify(round));
}

/** Runs the 'keys', 'shares' or 'unmask' stage of a secure-aggregation job; throws a refusal naming what is wrong. */
export function secureAggregationStage(store: SiteStore, siteId: string, job: JobEnvelope, protocol: CampaignProtocol, caPem: string): SecureAggregationResult {
  const params = job.params as SecureAggregationParams;
  const context = contextOf(job, params);
  const stored = load(store, job);
  const answer = (rest: Partial<SecureAggregationResult>): SecureAggregationResult => ({ kind: 'secure-aggregation', round: params.round, stage: params.stage, ...rest });
  if (params.stage === 'keys') {
    // From round 1 on, the keys job carries how round r − 1 was aggregated; round r's parameters must follow.
    verifyPreviousRound(store, job, protocol, caPem, params.round, params.transcript);
    if (stored?.pipelined && stored.maskedFor) refuse(`Site ${siteId} already masked its round ${params.round} update with the keys it sent in round ${params.round - 1}; it sets up no other keys for the round`);
    // Asked again (a resent job after a restart): the same keys, never a second pair. Secrets the
    // previous round prepared for this one masked nothing yet: a key setup replaces them.
    const fresh = !stored || stored.pipelined === true;
    const site = fresh ? new SecureAggregationSite(siteId, context) : SecureAggregationSite.restore(stored.site);
    if (fresh) save(store, job, { site: site.saved() });
    return answer({ advertisement: site.advertiseKeys() });
  }
  if (!stored || (params.stage === 'shares' && stored.pipelined)) return refuse(`Site ${siteId} made no keys for round ${params.round} of ${job.campaignId}; the ${params.stage} stage follows the keys stage`);
  const site = SecureAggregationSite.restore(stored.site);
  if (params.stage === 'shares') {
    const roster = signedRoster(params, job, protocol, caPem, site.advertiseKeys());
    if (stored.roster) {
      if (canonicalJson(stored.roster) !== canonicalJson(roster)) refuse(`Site ${siteId} already shared its secrets of round ${params.round} with another set of sites; it shares them once`);
      return answer({ shares: stored.shares });
    }
    const shares = attempt(() => site.shareKeys(roster));
    save(store, job, { ...stored, site: site.saved(), roster, shares });
    return answer({ shares });
  }
  if (!stored.maskedFor) return refuse(`Site ${siteId} has sent no masked update for round ${params.round}; there is nothing of it to unmask`);
  if (site.revealed) return refuse(`Site ${siteId} already revealed its shares for round ${params.round}; it reveals them once`);
  const survivors = params.survivors ?? [];
  // The next round's shares the survivors sent this site: kept beside the next round's own secrets.
  const nextRound = { campaignId: job.campaignId, round: params.round + 1 };
  const next = params.inbound ? load(store, nextRound) : undefined;
  if (params.inbound && (!next?.pipelined || next.maskedFor)) refuse(`Site ${siteId} holds no secrets prepared for round ${params.round + 1}, or already masked it; it takes no shares for that round`);
  const nextSite = next ? SecureAggregationSite.restore(next.site) : undefined;
  if (nextSite) attempt(() => nextSite.receiveShares(params.inbound!));
  const unmasking = attempt(() => site.unmask(survivors));
  save(store, job, { ...stored, site: site.saved() });
  if (next && nextSite) save(store, nextRound, { ...next, site: nextSite.saved() });
  return answer({ selfMask: unmasking.selfMask, maskingKey: unmasking.maskingKey });
}

/**
 * Before a pipelined round's train-round job runs (it carries round r − 1's signed masked forms
 * instead of following a keys stage): checks round r's parameters from them as a keys job would
 * (the verified state the trajectory check reads), and fixes round r's roster from the masking keys
 * the sites signed with their round r − 1 masked updates. Nothing to do for any other job.
 */
export function startPipelinedRound(store: SiteStore, siteId: string, job: JobEnvelope, protocol: CampaignProtocol, caPem: string): void {
  const masking = job.kind === 'train-round' ? (job.params as TrainRoundParams).secureAggregation : undefined;
  if (!masking?.transcript) return;
  const round = (job.params as TrainRoundParams).round;
  const nextKeys = verifyPreviousRound(store, job, protocol, caPem, round, masking.transcript);
  const stored = load(store, job);
  if (!stored?.pipelined) return refuse(`Site ${siteId} sent no keys for round ${round} with its round ${round - 1} masked update; the round cannot run without a key setup`);
  const site = SecureAggregationSite.restore(stored.site);
  attempt(() => site.adoptRoster(nextKeys));
  if (canonicalJson(site.peers) !== canonicalJson([...masking.peers].sort())) refuse(`Site ${siteId} refuses round ${round}: its peers ${masking.peers.join(', ')} are not the sites whose round ${round - 1} masked updates sent keys for it`);
  save(store, job, { ...stored, site: site.saved() });
}

/**
 * The masked form of this site's training update: the strategy's summand (secureSums in
 * @fedrad/methods) with its sample and event counts appended, on the ring with the round's masks,
 * in the update's own tensor layout plus the masked 'counts' tensor; no count and no loss in clear.
 * `update` is the plain update the job's worker computed; it does not leave the site.
 */
export function maskedTrainingUpdate(store: SiteStore, siteId: string, job: JobEnvelope, update: ModelUpdate, protocol: CampaignProtocol): ModelUpdate {
  const params = job.params as TrainRoundParams;
  const masking = params.secureAggregation!;
  const loaded = load(store, job);
  const pipelined = masking.transcript !== undefined;
  if (!loaded || (pipelined ? !loaded.pipelined : !loaded.roster || loaded.pipelined)) return refuse(`Site ${siteId} exchanged no keys for round ${params.round}; its update is not sent unmasked`);
  const stored = loaded;
  const site = SecureAggregationSite.restore(stored.site);
  if (!pipelined) attempt(() => site.receiveShares(masking.inbound ?? []));
  const peers = site.peers;
  if (stored.maskedFor && canonicalJson(stored.maskedFor) !== canonicalJson(peers)) {
    refuse(`Site ${siteId} already masked its round ${params.round} update for ${stored.maskedFor.join(', ')}; it masks it for no other set of sites`);
  }
  const tensors = update.tensors as Tensor[];
  // Central DP: this site clips its delta to the clip norm of the protocol its operator approved
  // (not the job's say-so) before masking; the coordinator noises the unmasked sum.
  const dp = protocol.training.differentialPrivacy && protocol.training.clipNorm !== undefined ? { globalParameters: params.globalParameters as Tensor[], clipNorm: protocol.training.clipNorm } : undefined;
  const masked = attempt(() => site.maskedInput(secureSummand(params.strategy, { tensors, sampleCount: update.sampleCount!, eventCount: update.eventCount, contents: update.contents }, dp)));
  // The next round's keys and shares, made once (a re-run sends the same): their secrets wait in the store.
  let next = stored.next;
  if (!next) {
    const prepared = attempt(() => site.prepareNextRound());
    next = { maskingKey: prepared.maskingKey, shares: prepared.shares };
    save(store, { campaignId: job.campaignId, round: params.round + 1 }, { site: prepared.next.saved(), pipelined: true });
  }
  save(store, job, { ...stored, site: site.saved(), maskedFor: peers, next });
  // Names, shapes and masked values only: the counts ride masked in its 'counts' tensor, the loss stays here.
  return { ...maskedModelUpdate(update, masked), nextRound: next };
}

/** The round's key roster from the advertisements as their sites signed them; refuses any it cannot trace to a training site. */
function signedRoster(params: SecureAggregationParams, job: JobEnvelope, protocol: CampaignProtocol, caPem: string, own: KeyAdvertisement): KeyAdvertisement[] {
  const roster = relayedAnswers(params.advertisements ?? [], job, protocol, new X509Certificate(caPem), params.round, 'keys', (doc, siteId) => {
    const ad = doc.result?.advertisement;
    return ad && ad.siteId === siteId ? { siteId: ad.siteId, encryptionKey: ad.encryptionKey, maskingKey: ad.maskingKey } : undefined;
  }).map((r) => r.value);
  const mine = roster.find((a) => a.siteId === job.siteId);
  if (!mine || mine.encryptionKey !== own.encryptionKey || mine.maskingKey !== own.maskingKey) refuse(`Site ${job.siteId} refuses the roster: it does not hold this site's own keys of round ${params.round}`);
  return roster.sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0));
}

/** Runs a step of the protocol, turning its refusal (fewer sites than the threshold, a share for another site, …) into the site's. */
function attempt<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof JobRefusedError) throw e;
    return refuse((e as Error).message);
  }
}

type SignedDoc = { type?: string; jobId?: string; campaignId?: string; siteId?: string; protocolHash?: string; kind?: string; round?: number; result?: Partial<Omit<SecureAggregationResult, 'kind'>> & Partial<Omit<ModelUpdate, 'kind'>> };

/**
 * Relayed signed answers of one stage of `round`, each traced to a training site's certificate and
 * to its own job of this campaign and protocol, in the order given; `read` takes what the stage's
 * answer holds (undefined: not that answer). Refuses the first it cannot trace.
 */
function relayedAnswers<T>(entries: readonly RelayedResult[], job: JobEnvelope, protocol: CampaignProtocol, ca: X509Certificate, round: number, stage: 'keys' | 'masked' | 'unmask', read: (doc: SignedDoc, siteId: string) => T | undefined): Array<{ siteId: string; value: T }> {
  const noun = stage === 'keys' ? 'keys' : stage === 'masked' ? 'masked update' : 'unmasking shares';
  return entries.map((entry, i) => {
    const signer = relayedResultSigner(entry, ca, protocol.trainingSites, `${noun} ${i} of round ${round}`, noun);
    if ('problem' in signer) return refuse(`Site ${job.siteId} refuses: ${signer.problem}`);
    const doc = signer.doc as SignedDoc;
    const expectedId = stage === 'masked' ? `${job.campaignId}/r${round}/${signer.siteId}` : `${job.campaignId}/r${round}/${stage}/${signer.siteId}`;
    const value = doc.type === 'job-result' && doc.jobId === expectedId && doc.siteId === signer.siteId && doc.protocolHash === job.protocolHash && doc.round === round ? read(doc, signer.siteId) : undefined;
    if (value === undefined) return refuse(`Site ${job.siteId} refuses: ${noun} ${i} of round ${round} is not ${signer.siteId}'s answer to job ${expectedId}`);
    return { siteId: signer.siteId, value };
  });
}

/**
 * The trajectory check on masked forms (issue #16): a keys job of round r ≥ 1 (a pipelined round's
 * train-round job) carries round r − 1's signed key advertisements (none when round r − 1 was itself
 * pipelined: the site masked it with the roster it keeps), masked updates and unmasking answers. The site rebuilds the
 * unmasked sum from them exactly as the coordinator does (secureRoundUpdate), runs the strategy's
 * step from the state it verified for round r − 1, and keeps the result as round r's verified state:
 * round r's train-round job must carry exactly those parameters (trajectory.ts). It learns nothing
 * the coordinator did not: the sum over at least t sites. Returns the round r masking keys the
 * masked updates carried (their signed nextRound), a pipelined round r's roster.
 */
function verifyPreviousRound(store: SiteStore, job: JobEnvelope, protocol: CampaignProtocol, caPem: string, round: number, t: MaskedTranscript | undefined): Array<{ siteId: string; maskingKey: string }> {
  const method = trainingMethod(protocol);
  if (round === 0) {
    const initial = method.initialState();
    // A keys job re-sent after round 0's train-round job keeps the settings that job pinned (trajectory.ts).
    const pinned = (JSON.parse(store.verifiedState(job.campaignId, 0) ?? '{}') as { pinned?: unknown }).pinned;
    store.recordVerifiedState(job.campaignId, 0, JSON.stringify({ round: 0, parameters: initial.parameters, server: initial.server, ...(pinned ? { pinned } : {}) }));
    return [];
  }
  const mismatch = (problem: string): never => {
    throw new JobRefusedError('TRAJECTORY_MISMATCH', `Site ${job.siteId} refuses round ${round}: ${problem}.`);
  };
  if (!t || t.round !== round - 1) return mismatch(`its keys job carries no transcript of round ${round - 1}, so round ${round}'s parameters cannot be checked`);
  const previousJson = store.verifiedState(job.campaignId, round - 1);
  if (!previousJson) return mismatch(`this site has not verified round ${round - 1} (it took no part in it)`);
  const previous = JSON.parse(previousJson) as { parameters: Tensor[]; server: unknown; pinned?: unknown };
  const ca = new X509Certificate(caPem);
  const before = round - 1;
  let outcome;
  const nextKeys: Array<{ siteId: string; maskingKey: string }> = [];
  try {
    const advertisements = t.advertisements.length > 0 ? relayedAnswers(t.advertisements, job, protocol, ca, before, 'keys', (d, s) => (d.result?.advertisement?.siteId === s ? d.result.advertisement : undefined)).map((r) => r.value) : maskedRoster(store, job, before);
    if (t.advertisements.length === 0 && canonicalJson(advertisements.map((a) => a.siteId)) !== canonicalJson(t.exchanged)) return mismatch(`round ${before}'s transcript names ${t.exchanged.join(', ')} as its roster; this site masked it for ${advertisements.map((a) => a.siteId).join(', ')}`);
    const masked = relayedAnswers(t.masked, job, protocol, ca, before, 'masked', (d) => (d.kind === 'train-round' && d.result?.masked === true && Array.isArray(d.result.tensors) ? d.result : undefined)).map(({ siteId, value }) => {
      if (value.nextRound) nextKeys.push({ siteId, maskingKey: value.nextRound.maskingKey });
      return { siteId, update: { ...value, tensors: (value.tensors as Array<Tensor | PackedTensor>).map((x) => (isPackedTensor(x) ? unpackTensor(x) : x)) } as never };
    });
    const responses = relayedAnswers(t.unmasking, job, protocol, ca, before, 'unmask', (d) => (d.result?.stage === 'unmask' && d.result.selfMask && d.result.maskingKey ? d.result : undefined)).map(({ siteId, value }) => ({ from: siteId, selfMask: value.selfMask!, maskingKey: value.maskingKey! }));
    const sorted = (xs: readonly string[]) => xs.every((x, i) => i === 0 || xs[i - 1] < x);
    if (!sorted(masked.map((m) => m.siteId)) || !sorted(responses.map((r) => r.from))) return mismatch(`round ${before}'s masked updates or unmasking answers are not each one per site, sorted by site id, as the coordinator reads them`);
    if (masked.length === 0) return mismatch(`round ${before}'s transcript holds no masked update`);
    const summed = secureRoundUpdate(protocol, before, { advertisements, exchanged: t.exchanged, masked, responses });
    outcome = method.aggregate({ round: before, parameters: previous.parameters, server: previous.server as never }, [summed], t.failures.map((siteId) => ({ siteId, code: 'FAILED', message: '' })));
  } catch (e) {
    if (e instanceof JobRefusedError && e.code === 'TRAJECTORY_MISMATCH') throw e;
    return mismatch(`round ${before}'s signed masked forms do not unmask and aggregate: ${(e as Error).message}`);
  }
  if (outcome.done) return mismatch(`the protocol's training method finished after round ${before}; there is no round ${round}`);
  const parameters = JSON.parse(JSON.stringify(outcome.state.parameters)) as Tensor[];
  // Round 0's train-round job pinned the features, model and harmonisation (trajectory.ts): carried on, so round r's job is held to them.
  store.recordVerifiedState(job.campaignId, round, JSON.stringify({ round, parameters, server: outcome.state.server, pinned: previous.pinned }));
  return nextKeys;
}

/** The roster this site masked a pipelined round with (its own store): the masking keys that round's masks came from. */
function maskedRoster(store: SiteStore, job: JobEnvelope, round: number): KeyAdvertisement[] {
  const stored = load(store, { campaignId: job.campaignId, round });
  if (!stored?.maskedFor) return refuse(`Site ${job.siteId} did not mask round ${round}, which set up no keys of its own; it has no roster to check that round's sum with`);
  return stored.site.roster;
}
