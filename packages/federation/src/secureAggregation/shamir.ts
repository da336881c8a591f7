import { randomBytes } from 'node:crypto';
import { AggregationError } from '../errors.js';

/**
 * Shamir's t-of-n secret sharing (Shamir 1979, "How to share a secret", CACM 22(11)) over the
 * prime field GF(p), p = 2^521 − 1 (a Mersenne prime, so any 32-byte secret is a field element).
 * A secret is the constant term of a random polynomial of degree t − 1; share i is its value at
 * x = i. Any t shares give the secret back by Lagrange interpolation at 0; fewer reveal nothing.
 */
export const SHAMIR_PRIME = (1n << 521n) - 1n;

export interface Share {
  /** The evaluation point, 1..n (0 would be the secret itself). */
  x: number;
  /** f(x) as lower-case hex. */
  y: string;
}

const mod = (a: bigint): bigint => ((a % SHAMIR_PRIME) + SHAMIR_PRIME) % SHAMIR_PRIME;
const toBig = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

function randomElement(): bigint {
  return mod(toBig(randomBytes(72)));
}

/** n shares of `secret` (at most 65 bytes), any `threshold` of which recover it. */
export function splitSecret(secret: Uint8Array, threshold: number, n: number): Share[] {
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > n) throw new AggregationError('NOT_ENOUGH_SITES', `A ${threshold}-of-${n} sharing is not possible`);
  if (secret.length > 65) throw new AggregationError('LAYOUT_MISMATCH', `A shared secret holds at most 65 bytes; got ${secret.length}`);
  const coefficients = [toBig(secret), ...Array.from({ length: threshold - 1 }, randomElement)];
  return Array.from({ length: n }, (_, i) => {
    const x = BigInt(i + 1);
    // Horner's rule.
    let y = 0n;
    for (let k = coefficients.length - 1; k >= 0; k--) y = mod(y * x + coefficients[k]);
    return { x: i + 1, y: y.toString(16) };
  });
}

/** a⁻¹ mod p by the extended Euclidean algorithm (a ≠ 0 mod p). */
function inverse(a: bigint): bigint {
  let [r0, r1] = [SHAMIR_PRIME, mod(a)];
  let [t0, t1] = [0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  return mod(t0);
}

/**
 * The Lagrange basis at 0 for the points xs: λ_i = Π_{j≠i} x_j / (x_j − x_i) (mod p). One set of
 * responders serves every secret they hold shares of, so callers compute it once per set.
 */
export function lagrangeAtZero(xs: readonly number[]): bigint[] {
  if (new Set(xs).size !== xs.length) throw new AggregationError('LAYOUT_MISMATCH', 'Two shares have the same evaluation point');
  return xs.map((xi, i) => {
    let num = 1n;
    let den = 1n;
    xs.forEach((xj, j) => {
      if (j === i) return;
      num = (num * BigInt(xj)) % SHAMIR_PRIME;
      den = mod(den * BigInt(xj - xi));
    });
    return (num * inverse(den)) % SHAMIR_PRIME;
  });
}

/** The secret (`length` bytes) from at least `threshold` shares, with their Lagrange basis when already known. */
export function combineShares(shares: readonly Share[], length: number, basis = lagrangeAtZero(shares.map((s) => s.x))): Uint8Array {
  let secret = 0n;
  shares.forEach((s, i) => {
    secret = (secret + BigInt(`0x${s.y}`) * basis[i]) % SHAMIR_PRIME;
  });
  const hex = secret.toString(16).padStart(2 * length, '0');
  if (hex.length > 2 * length) throw new AggregationError('LAYOUT_MISMATCH', 'The shares do not combine into a secret of the expected size (a forged or mismatched share)');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
