import { X509Certificate } from 'node:crypto';
import { SecureAggregationSite, type EncryptedShares, type KeyAdvertisement, type SecAggContext, type SecureAggregationSiteState } from '@fedrad/federation';
import { secureSummand } from '@fedrad/methods';
import { canonicalJson, type CampaignProtocol, type JobEnvelope, type ModelUpdate, type SecureAggregationParams, type SecureAggregationResult, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { JobRefusedError } from './errors.js';
import { relayedResultSigner } from './signedResults.js';
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
 */
interface StoredRound {
  site: SecureAggregationSiteState;
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

function load(store: SiteStore, job: JobEnvelope): StoredRound | undefined {
  const json = store.secureRound(job.campaignId, job.round ?? -1);
  return json ? (JSON.parse(json) as StoredRound) : undefined;
}

function save(store: SiteStore, job: JobEnvelope, round: StoredRound): void {
  store.saveSecureRound(job.campaignId, job.round ?? -1, JSON.stringify(round));
}

/** Runs the 'keys', 'shares' or 'unmask' stage of a secure-aggregation job; throws a refusal naming what is wrong. */
export function secureAggregationStage(store: SiteStore, siteId: string, job: JobEnvelope, protocol: CampaignProtocol, caPem: string): SecureAggregationResult {
  const params = job.params as SecureAggregationParams;
  const context = contextOf(job, params);
  const stored = load(store, job);
  const answer = (rest: Partial<SecureAggregationResult>): SecureAggregationResult => ({ kind: 'secure-aggregation', round: params.round, stage: params.stage, ...rest });
  if (params.stage === 'keys') {
    // Asked again (a resent job after a restart): the same keys, never a second pair.
    const site = stored ? SecureAggregationSite.restore(stored.site) : new SecureAggregationSite(siteId, context);
    if (!stored) save(store, job, { site: site.saved() });
    return answer({ advertisement: site.advertiseKeys() });
  }
  if (!stored) return refuse(`Site ${siteId} made no keys for round ${params.round} of ${job.campaignId}; the ${params.stage} stage follows the keys stage`);
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
  const unmasking = attempt(() => site.unmask(survivors));
  save(store, job, { ...stored, site: site.saved() });
  return answer({ selfMask: unmasking.selfMask, maskingKey: unmasking.maskingKey });
}

/**
 * The masked form of this site's training update: the strategy's summand (secureSums in
 * @fedrad/methods) on the ring with the round's masks, in the update's own tensor layout, without
 * the loss. `update` is the plain update the job's worker computed; it does not leave the site.
 */
export function maskedTrainingUpdate(store: SiteStore, siteId: string, job: JobEnvelope, update: ModelUpdate): ModelUpdate {
  const params = job.params as TrainRoundParams;
  const masking = params.secureAggregation!;
  const stored = load(store, job);
  if (!stored?.roster) return refuse(`Site ${siteId} exchanged no keys for round ${params.round}; its update is not sent unmasked`);
  const site = SecureAggregationSite.restore(stored.site);
  const inbound = masking.inbound ?? [];
  attempt(() => site.receiveShares(inbound));
  const peers = site.peers;
  if (stored.maskedFor && canonicalJson(stored.maskedFor) !== canonicalJson(peers)) {
    refuse(`Site ${siteId} already masked its round ${params.round} update for ${stored.maskedFor.join(', ')}; it masks it for no other set of sites`);
  }
  const tensors = update.tensors as Tensor[];
  const masked = attempt(() => site.maskedInput(secureSummand(params.strategy, { tensors, sampleCount: update.sampleCount })));
  save(store, job, { ...stored, site: site.saved(), maskedFor: peers });
  let offset = 0;
  const out = tensors.map((t) => {
    const data = Array.from(masked.subarray(offset, offset + t.data.length));
    offset += t.data.length;
    return { name: t.name, shape: t.shape, data };
  });
  const { loss: _withheld, ...rest } = update;
  return { ...rest, tensors: out, masked: true };
}

/** The round's key roster from the advertisements as their sites signed them; refuses any it cannot trace to a training site. */
function signedRoster(params: SecureAggregationParams, job: JobEnvelope, protocol: CampaignProtocol, caPem: string, own: KeyAdvertisement): KeyAdvertisement[] {
  const ca = new X509Certificate(caPem);
  const roster: KeyAdvertisement[] = [];
  for (const [i, entry] of (params.advertisements ?? []).entries()) {
    const signer = relayedResultSigner(entry, ca, protocol.trainingSites, `key advertisement ${i}`, 'keys');
    if ('problem' in signer) return refuse(`Site ${job.siteId} refuses the roster: ${signer.problem}`);
    const doc = signer.doc as { type?: string; jobId?: string; campaignId?: string; siteId?: string; protocolHash?: string; kind?: string; round?: number; result?: SecureAggregationResult };
    const expectedId = `${job.campaignId}/r${params.round}/keys/${signer.siteId}`;
    const ad = doc.result?.advertisement;
    if (doc.type !== 'job-result' || doc.jobId !== expectedId || doc.siteId !== signer.siteId || doc.protocolHash !== job.protocolHash || doc.kind !== 'secure-aggregation' || !ad || ad.siteId !== signer.siteId) {
      return refuse(`Site ${job.siteId} refuses the roster: key advertisement ${i} is not ${signer.siteId}'s answer to job ${expectedId}`);
    }
    roster.push({ siteId: ad.siteId, encryptionKey: ad.encryptionKey, maskingKey: ad.maskingKey });
  }
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
