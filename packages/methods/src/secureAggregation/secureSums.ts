import { clipByNorm, flatten, gaussianNoise, MIN_SECURE_AGGREGATE_SITES, unflatten, unmaskSecureSum, type KeyAdvertisement, type MethodResult, type UnmaskingShares, type UpdateView } from '@fedrad/federation';
import { MASKED_COUNTS_TENSOR, type CampaignProtocol, type ModelUpdate, type Tensor } from '@fedrad/protocol';

/**
 * What a campaign's secure aggregation (Bonawitz et al. 2017; federation's doubleMasking) needs
 * from the training method: which strategies it can hide, the round's Shamir threshold and scale,
 * each site's summand and the one update the coordinator rebuilds from the unmasked sum.
 *
 * A strategy qualifies when its aggregate is a function of Σ_k u_k: the exact strategies add the
 * sites' gradient/Hessian sums (pooledSums), the FedAvg family takes the sample-weighted mean
 * Σ_k n_k w_k / Σ_k n_k (McMahan et al. 2017, Algorithm 1), so a site sends n_k · w_k masked.
 * Its counts (n_k and its events) travel masked too, at the end of the same vector (the 'counts'
 * tensor), so the coordinator learns Σ n_k and Σ events, never one site's. The aggregate then
 * runs on one update holding the survivors' sum (or weighted mean): it gives what it gives on the
 * separate updates, to the ring's precision (tested in test/secureSums.test.ts).
 *
 * Balanced class weights ride on the same sum: their counting round 0 (pooledClassWeights.ts) reads
 * the pooled counts from the unmasked 'counts' tensor, and the exact strategies' class weighting
 * w₀ (T − T₊) + w₁ T₊ (classWeighting.ts) is linear in the sums, so weighting the survivors' summed
 * class parts by the pooled counts equals summing each site's weighted parts.
 */
const SUMMED: ReadonlySet<string> = new Set(['exact-newton', 'exact-gradient']);
const WEIGHTED_MEAN: ReadonlySet<string> = new Set(['fedavg', 'fedprox', 'fedadam', 'fedyogi']);

export const DEFAULT_SECURE_DROPOUT = 0.3;
export const DEFAULT_SECURE_SCALE = 2 ** 24;

/** Why this protocol cannot run with secure aggregation, or undefined when it can (or does not ask). */
export function secureAggregationRefusal(protocol: CampaignProtocol): string | undefined {
  const t = protocol.training;
  if (!t.secureAggregation) return undefined;
  if (t.strategy === 'median' || t.strategy === 'trimmed-mean') {
    return `${t.strategy} needs each site's update to sort the values of every coordinate; secure aggregation reveals only their sum`;
  }
  if (protocol.model.family === 'cox') return "a Cox model's sites send their Breslow baseline hazards to be averaged by patient counts, which this build does not mask yet";
  if (t.clipNorm !== undefined && !t.differentialPrivacy) return "clipNorm clips each site's update at the coordinator, which sees only the masked sum (with differentialPrivacy the sites clip before masking)";
  if (t.differentialPrivacy && t.differentialPrivacy.seed === undefined) {
    return "with secure aggregation every site recomputes each round's step from the masked forms (the trajectory check), so the noise added to the unmasked sum must be one it can draw again: set training.differentialPrivacy.seed";
  }
  if (t.shareSiteUpdates) return "shareSiteUpdates sends each site the others' updates in clear, which secure aggregation exists to hide";
  const n = protocol.trainingSites.length;
  if (n < MIN_SECURE_AGGREGATE_SITES) return `secure aggregation needs at least ${MIN_SECURE_AGGREGATE_SITES} training sites so that no sum is one or two sites' values; the protocol has ${n}`;
  const threshold = secureThreshold(protocol);
  if (t.quorum !== undefined && t.quorum < threshold) return `training.quorum ${t.quorum} is below the secure-aggregation threshold ${threshold} (n − floor(dropout · n)): a round with fewer masked updates cannot be unmasked`;
  if (!SUMMED.has(t.strategy) && !WEIGHTED_MEAN.has(t.strategy)) return `strategy ${t.strategy} is not a sum of the sites' updates`;
  return undefined;
}

/** The round's Shamir threshold t = n − floor(dropout · n), never below three. */
export function secureThreshold(protocol: CampaignProtocol): number {
  const n = protocol.trainingSites.length;
  const dropout = protocol.training.secureAggregationDropout ?? DEFAULT_SECURE_DROPOUT;
  return Math.max(MIN_SECURE_AGGREGATE_SITES, n - Math.floor(dropout * n));
}

export function secureScale(protocol: CampaignProtocol): number {
  return protocol.training.secureAggregationScale ?? DEFAULT_SECURE_SCALE;
}

/**
 * The vector a site masks: its tensors flattened, times its sample count for the weighted-mean
 * strategies. With central DP (`privacy`: the round's global parameters and the protocol's clip
 * norm C) it is instead the site's delta clipped to C, clip(w_k − w, C), unweighted: DP-FedAvg's
 * summand (McMahan et al. 2018, Algorithm 1 with w_k = 1), so one site moves the sum by at most C.
 */
export function secureSummand(strategy: string, update: Pick<UpdateView, 'tensors' | 'sampleCount' | 'eventCount' | 'contents'>, privacy?: { globalParameters: UpdateView['tensors']; clipNorm: number }): Float64Array {
  return withCounts(summandValues(strategy, update, privacy), update);
}

function summandValues(strategy: string, update: Pick<UpdateView, 'tensors' | 'sampleCount' | 'contents'>, privacy?: { globalParameters: UpdateView['tensors']; clipNorm: number }): Float64Array {
  const flat = flatten(update.tensors);
  if (privacy) {
    if (update.contents !== 'delta') {
      const global = flatten(privacy.globalParameters);
      if (global.length !== flat.length) throw new RangeError(`the update holds ${flat.length} values, the global parameters ${global.length}`);
      for (let i = 0; i < flat.length; i++) flat[i] -= global[i];
    }
    return clipByNorm(flat, privacy.clipNorm);
  }
  if (WEIGHTED_MEAN.has(strategy)) for (let i = 0; i < flat.length; i++) flat[i] *= update.sampleCount;
  return flat;
}

/** The summand with the site's [sampleCount, eventCount] appended: masked with it, summed with it. */
function withCounts(values: Float64Array, update: Pick<UpdateView, 'sampleCount' | 'eventCount'>): Float64Array {
  if (typeof update.eventCount !== 'number') throw new RangeError('the update carries no event count to mask beside its sample count');
  const out = new Float64Array(values.length + 2);
  out.set(values);
  out[values.length] = update.sampleCount;
  out[values.length + 1] = update.eventCount;
  return out;
}

/**
 * The message a site sends for its masked summand: its tensors' names and shapes with the masked
 * values, then the masked counts as the 'counts' tensor [2]; no sample count, event count or loss
 * in clear (the schema refuses them beside `masked: true`).
 */
export function maskedModelUpdate(update: Pick<ModelUpdate, 'kind' | 'round' | 'contents'> & { tensors: readonly Pick<Tensor, 'name' | 'shape'>[] }, masked: Float64Array): ModelUpdate {
  let offset = 0;
  const tensors: Tensor[] = update.tensors.map((t) => {
    const length = t.shape.reduce((a, b) => a * b, 1);
    return { name: t.name, shape: [...t.shape], data: Array.from(masked.subarray(offset, (offset += length))) };
  });
  if (masked.length !== offset + 2) throw new RangeError(`a masked summand of ${masked.length} values for tensors of ${offset} values and 2 counts`);
  tensors.push({ name: MASKED_COUNTS_TENSOR, shape: [2], data: Array.from(masked.subarray(offset)) });
  return { kind: update.kind, round: update.round, contents: update.contents, tensors: tensors as ModelUpdate['tensors'], masked: true };
}

/**
 * DP-FedAvg's noised mean from the unmasked sum S = Σ_k clip(Δ_k, C) of the n survivors:
 * (S + N(0, (σC)² I)) / n (McMahan et al. 2018, Algorithm 1), the noise drawn as federation's
 * privateMeanUpdate draws it (seed + round), added first as there, so the round equals the
 * non-secure DP round to the ring's precision. The coordinator adds it; a site verifying the
 * trajectory draws the same noise from the protocol's seed.
 */
function noisedMeanDelta(protocol: CampaignProtocol, round: number, sum: Float64Array, sites: number): Float64Array {
  const dp = protocol.training.differentialPrivacy!;
  const clipNorm = protocol.training.clipNorm!;
  const noise = gaussianNoise(sum.length, dp.noiseMultiplier * clipNorm, dp.seed === undefined ? undefined : (dp.seed + round) >>> 0);
  const mean = new Float64Array(sum.length);
  for (let i = 0; i < mean.length; i++) mean[i] = (noise[i] + sum[i]) / sites;
  return mean;
}

/**
 * The protocol the strategy aggregates under: with secure aggregation and central DP the sites
 * clip and the secure sum is already noised (secureRoundUpdate), so the strategy takes that one
 * noised mean delta as it is — neither clipped nor noised again.
 */
export function aggregatedProtocol(protocol: CampaignProtocol): CampaignProtocol {
  const t = protocol.training;
  if (!t.secureAggregation || !t.differentialPrivacy) return protocol;
  const { differentialPrivacy: _noisedInTheSum, clipNorm: _clippedAtTheSites, ...rest } = t;
  return { ...protocol, training: rest };
}

/**
 * The single update the aggregate runs on: the survivors' sum (exact strategies) or their
 * sample-weighted mean (FedAvg family), shaped like `template`, with the pooled counts. The loss,
 * a per-site scalar, is not sent under secure aggregation.
 */
export function updateFromSecureSum(
  strategy: string,
  template: Pick<UpdateView, 'kind' | 'round' | 'contents' | 'tensors'>,
  sum: Float64Array,
  counts: { sampleCount: number; eventCount?: number },
): UpdateView {
  const values = WEIGHTED_MEAN.has(strategy) ? sum.map((v) => v / counts.sampleCount) : sum;
  return {
    kind: template.kind,
    round: template.round,
    contents: template.contents,
    sampleCount: counts.sampleCount,
    ...(counts.eventCount !== undefined ? { eventCount: counts.eventCount } : {}),
    tensors: unflatten(template.tensors, values),
  };
}

/** A masked update as the coordinator holds it: no counts in clear (they are in its 'counts' tensor). */
export type MaskedView = Omit<UpdateView, 'sampleCount' | 'eventCount' | 'loss'>;

/**
 * The one update a secure round's aggregate runs on, from what the coordinator holds: the
 * survivors' masked updates (sorted by site), the round's key roster, the sites whose shares were
 * relayed (U2) and the unmasking answers (the first t are used). The coordinator computes it to
 * aggregate; a site recomputes it from the same signed messages to check the next round's
 * parameters (apps/site-node's secureRounds.ts), so both must read it alike.
 */
export function secureRoundUpdate(
  protocol: CampaignProtocol,
  round: number,
  input: { advertisements: readonly Pick<KeyAdvertisement, 'siteId' | 'maskingKey'>[]; exchanged: readonly string[]; masked: readonly MethodResult<MaskedView>[]; responses: readonly UnmaskingShares[] },
): MethodResult<UpdateView> {
  const { masked } = input;
  const context = { campaignId: protocol.campaignId, round, threshold: secureThreshold(protocol), scale: secureScale(protocol) };
  // Each masked update's values in its layout's order, its masked counts last (maskedModelUpdate).
  const ordered = (u: MaskedView) => flatten([...u.tensors.filter((t) => t.name !== MASKED_COUNTS_TENSOR), ...u.tensors.filter((t) => t.name === MASKED_COUNTS_TENSOR)]);
  const whole = unmaskSecureSum({ context, advertisements: input.advertisements, exchanged: input.exchanged, masked: new Map(masked.map((r) => [r.siteId, ordered(r.update)])), responses: input.responses });
  // The counts are whole numbers: the ring's rounding (< 2^-24 per site) goes with Math.round.
  const counts = { sampleCount: Math.round(whole[whole.length - 2]), eventCount: Math.round(whole[whole.length - 1]) };
  const sum = whole.subarray(0, whole.length - 2);
  const template = { ...masked[0].update, tensors: masked[0].update.tensors.filter((t) => t.name !== MASKED_COUNTS_TENSOR) };
  const siteId = masked.map((r) => r.siteId).join('+');
  if (protocol.training.differentialPrivacy) {
    // The one delta the strategy adds to the global parameters: the noised mean of the clipped deltas.
    const mean = noisedMeanDelta(protocol, round, sum, masked.length);
    return { siteId, update: { kind: template.kind, round: template.round, contents: 'delta', ...counts, tensors: unflatten(template.tensors, mean) } };
  }
  return { siteId, update: updateFromSecureSum(protocol.training.strategy, template, sum, counts) };
}
