import { flatten, maskUpdate, sortedBySite, unflatten, unmaskSum, type FederatedMethod, type RoundState, type UpdateView } from '@fedrad/federation';
import type { TrainRoundParams } from '@fedrad/protocol';
import { MethodConfigError } from '../errors.js';

/** Where a site's pairwise mask seeds come from (in a deployment: X25519 keys and federation's pairwiseSeed). */
export interface PairwiseSeeds {
  /** The seeds `siteId` shares with each of `peers` for this round, keyed by peer. */
  seedsOf(siteId: string, peers: readonly string[], round: number): ReadonlyMap<string, Uint8Array>;
  /** The seeds survivors reveal with the dropped sites, keyed `${survivor}|${dropped}` (unmaskSum's form). */
  revealed(survivors: readonly string[], dropped: readonly string[], round: number): ReadonlyMap<string, Uint8Array>;
}

export interface SecureAggregationOptions {
  /** Fixed-point scale: values are sent as round(x · scale) in Z/2³², so |Σ x| · scale must stay below 2³¹. */
  scale: number;
  seeds: PairwiseSeeds;
}

/** Strategies whose aggregate needs only the sum of the sites' updates: the ones masks can hide. */
const SUMMED: ReadonlySet<string> = new Set(['exact-newton', 'exact-gradient']);

/**
 * A method whose site updates are summed (exact Newton, exact gradient), in its pairwise-masked
 * form (Bonawitz et al. 2017, with federation's maskUpdate/unmaskSum): each site sends its update
 * quantised and masked, so the coordinator learns only the sum; the aggregate unmasks the sum of
 * the survivors (removing the masks shared with sites that dropped out after masking) and hands
 * it to the inner aggregate as one update. The loss, a per-site scalar, is withheld.
 *
 * Not wired into campaigns yet (issue #16): neither the coordinator nor the site node exchanges
 * keys or seeds; the local twin runs it.
 */
export function withSecureAggregation<Rows>(
  inner: FederatedMethod<RoundState, TrainRoundParams, UpdateView, Rows>,
  options: SecureAggregationOptions,
): FederatedMethod<RoundState, TrainRoundParams, UpdateView, Rows> {
  const { scale, seeds } = options;
  return {
    name: `${inner.name}+secure-aggregation`,
    initialState: () => inner.initialState(),
    configure(state, sites) {
      const configured = inner.configure(state, sites);
      const peers = [...sites].sort();
      const out: Record<string, TrainRoundParams> = {};
      for (const [siteId, params] of Object.entries(configured)) {
        if (!SUMMED.has(params.strategy)) {
          throw new MethodConfigError(`Secure aggregation reveals only the sum of the sites' updates; strategy "${params.strategy}" needs each site's parameters, so it cannot be masked.`, {
            field: 'training.strategy',
          });
        }
        out[siteId] = { ...params, secureAggregation: { peers, scale } };
      }
      return out;
    },
    async siteStep(params, rows, site) {
      const { secureAggregation, ...plain } = params;
      const update = await inner.siteStep(plain, rows, site);
      const peers = secureAggregation?.peers ?? [];
      const masked = maskUpdate(flatten(update.tensors), site.siteId, seeds.seedsOf(site.siteId, peers, params.round), scale);
      const { loss: _withheld, ...rest } = update;
      return { ...rest, tensors: unflatten(update.tensors, masked), masked: true };
    },
    aggregate(state, results, failures) {
      if (results.length === 0) return inner.aggregate(state, results, failures);
      const sorted = sortedBySite(results);
      const survivors = sorted.map((r) => r.siteId);
      const dropped = failures.map((f) => f.siteId).sort();
      const masked = sorted.map((r) => ({ siteId: r.siteId, data: flatten(r.update.tensors) }));
      const sum = unmaskSum(masked, dropped, seeds.revealed(survivors, dropped, state.round), scale);
      const first = sorted[0].update;
      const summed: UpdateView = {
        kind: first.kind,
        round: first.round,
        contents: first.contents,
        sampleCount: sorted.reduce((n, r) => n + r.update.sampleCount, 0),
        tensors: unflatten(first.tensors, sum),
      };
      const outcome = inner.aggregate(state, [{ siteId: survivors.join('+'), update: summed }], failures);
      return { ...outcome, sites: survivors };
    },
    layout: (params) => inner.layout(params),
    egress(params) {
      const plain = inner.egress(params);
      return { ...plain, scalars: [], summary: `Masked so that only the sum over sites can be read (pairwise masks, Bonawitz et al. 2017): ${plain.summary}` };
    },
  };
}
