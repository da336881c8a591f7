import { createHash, diffieHellman, type KeyObject } from 'node:crypto';
import { AggregationError } from './errors.js';

/**
 * Pairwise-mask secure aggregation (Bonawitz et al. 2017, "Practical secure aggregation for
 * privacy-preserving machine learning", §4, the masking and dropout-recovery steps; without the
 * double-masking and Shamir sharing of the full protocol — see the limitation below).
 *
 * Each site quantises its vector to fixed point, q = round(x · scale), and adds, for every other
 * site j, +PRG(s_ij) if its id sorts before j and −PRG(s_ij) otherwise, all modulo 2³². In the sum
 * over all sites every pair's mask appears once with each sign and cancels, so the coordinator
 * learns Σ q and nothing about any single q. If a site drops out after masks were fixed, the
 * survivors reveal their pairwise seeds with it and the coordinator removes the masks that no
 * longer cancel.
 *
 * Limitation (honest): revealing the seeds of a site that is merely late would let the coordinator
 * unmask that site's vector if it arrived afterwards; the full protocol prevents this with a second,
 * self-chosen mask. Use it where a late update is discarded, as the round runner does.
 */

const MOD = 2 ** 32;

/** X25519 shared secret of two sites, hashed with the campaign and round into the pair's mask seed. Symmetric in the two sites. */
export function pairwiseSeed(privateKey: KeyObject, peerPublicKey: KeyObject, context: { campaignId: string; round: number }): Buffer {
  const shared = diffieHellman({ privateKey, publicKey: peerPublicKey });
  return createHash('sha256').update(shared).update(`fedrad-secagg/${context.campaignId}/${context.round}`).digest();
}

/** Deterministic mask stream: SHA-256(seed ‖ counter) blocks read as little-endian uint32 (a counter-mode PRG). */
export function maskStream(seed: Uint8Array, length: number): Uint32Array {
  const out = new Uint32Array(length);
  const counter = Buffer.alloc(4);
  for (let block = 0, i = 0; i < length; block++) {
    counter.writeUInt32LE(block);
    const digest = createHash('sha256').update(seed).update(counter).digest();
    for (let k = 0; k < 8 && i < length; k++, i++) out[i] = digest.readUInt32LE(4 * k);
  }
  return out;
}

/** Fixed-point quantisation into Z/2³²: round(x · scale), negatives wrapped. */
export function quantize(values: ArrayLike<number>, scale: number): Uint32Array {
  const out = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.round(values[i] * scale);
    if (Math.abs(q) >= 2 ** 31) throw new AggregationError('LAYOUT_MISMATCH', `Value ${values[i]} at ${i} does not fit the secure-aggregation range at scale ${scale}`);
    out[i] = ((q % MOD) + MOD) % MOD;
  }
  return out;
}

/** The signed value of a sum in Z/2³², divided by the scale. */
export function dequantize(sum: Uint32Array, scale: number): Float64Array {
  return Float64Array.from(sum, (v) => (v >= 2 ** 31 ? v - MOD : v) / scale);
}

const sign = (siteId: string, peer: string) => (siteId < peer ? 1 : -1);

function addMask(target: Uint32Array, seed: Uint8Array, direction: 1 | -1): void {
  const mask = maskStream(seed, target.length);
  for (let i = 0; i < target.length; i++) target[i] = direction === 1 ? (target[i] + mask[i]) >>> 0 : (target[i] - mask[i]) >>> 0;
}

/** A site's masked update: quantised values plus its pairwise masks (seeds keyed by peer site id). */
export function maskUpdate(values: ArrayLike<number>, siteId: string, seeds: ReadonlyMap<string, Uint8Array>, scale: number): Uint32Array {
  const masked = quantize(values, scale);
  for (const [peer, seed] of seeds) if (peer !== siteId) addMask(masked, seed, sign(siteId, peer) as 1 | -1);
  return masked;
}

/**
 * Sum of the surviving sites' values from their masked updates. `revealedSeeds` holds, for each
 * dropped site d and each survivor i, the seed s_id revealed by i (key `${i}|${d}`).
 */
export function unmaskSum(
  masked: ReadonlyArray<{ siteId: string; data: ArrayLike<number> }>,
  dropped: readonly string[],
  revealedSeeds: ReadonlyMap<string, Uint8Array>,
  scale: number,
): Float64Array {
  if (masked.length === 0) throw new AggregationError('NO_RESULTS', 'No masked update to aggregate');
  const length = masked[0].data.length;
  const sum = new Uint32Array(length);
  for (const m of masked) {
    if (m.data.length !== length) throw new AggregationError('LAYOUT_MISMATCH', `Masked update of ${m.siteId} has ${m.data.length} values, expected ${length}`, { siteId: m.siteId });
    for (let i = 0; i < length; i++) sum[i] = (sum[i] + m.data[i]) >>> 0;
  }
  // Survivor i added sign(i, d)·PRG(s_id) for each dropped d; nothing cancels it, so take it off.
  for (const d of dropped) {
    for (const { siteId: i } of masked) {
      const seed = revealedSeeds.get(`${i}|${d}`);
      if (!seed) throw new AggregationError('NOT_ENOUGH_SITES', `Site ${i} has not revealed its seed with dropped site ${d}; the sum cannot be unmasked`, { siteId: i });
      addMask(sum, seed, (-sign(i, d)) as 1 | -1);
    }
  }
  return dequantize(sum, scale);
}
