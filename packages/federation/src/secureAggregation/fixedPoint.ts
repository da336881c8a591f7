import { AggregationError } from '../errors.js';

/**
 * Fixed-point values on the ring Z/2^48, held in Float64 (every integer below 2^53 is exact, and
 * a sum of two ring elements stays below 2^49, so + and − mod 2^48 are exact in doubles). A value
 * x is sent as round(x · scale) mod 2^48; a sum of n such values decodes exactly as long as
 * |Σ round(x · scale)| < 2^47, which encode() guarantees by bounding each site's |round(x·scale)|
 * by (2^47 − 1) / n: the sum can never wrap, and a value that would make it wrap is refused,
 * naming the tensor, instead of silently corrupting the aggregate.
 */
export const RING = 2 ** 48;
const HALF = 2 ** 47;

/** The largest |round(x · scale)| one of `siteCount` sites may send. */
export function perSiteBound(siteCount: number): number {
  return Math.floor((HALF - 1) / Math.max(1, siteCount));
}

/** round(x · scale) mod 2^48 for each value; refuses a non-finite value or one past the per-site bound. */
export function encodeFixedPoint(values: ArrayLike<number>, scale: number, siteCount: number, what = 'update'): Float64Array {
  const bound = perSiteBound(siteCount);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.round(values[i] * scale);
    if (!Number.isFinite(q) || Math.abs(q) > bound) {
      throw new AggregationError('LAYOUT_MISMATCH', `Value ${values[i]} at index ${i} of the ${what} does not fit secure aggregation's ring at scale ${scale} with ${siteCount} sites (|x·scale| must stay ≤ ${bound}); lower the scale`, { tensor: what });
    }
    out[i] = q < 0 ? q + RING : q;
  }
  return out;
}

/** The signed value of a ring element, divided by the scale. */
export function decodeFixedPoint(ring: ArrayLike<number>, scale: number): Float64Array {
  return Float64Array.from(ring, (v) => (v >= HALF ? v - RING : v) / scale);
}

/** target += sign · mask (mod 2^48), in place. */
export function addMod(target: Float64Array, mask: ArrayLike<number>, sign: 1 | -1): void {
  for (let i = 0; i < target.length; i++) {
    const v = sign === 1 ? target[i] + mask[i] : target[i] - mask[i] + RING;
    target[i] = v >= RING ? v - RING : v;
  }
}
