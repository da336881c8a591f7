/**
 * Orthogonal wavelet filters as closed forms (Daubechies, "Ten lectures on wavelets", 1992:
 * table 6.1 for dbN, section 8.2 for the Coiflet of order 1). `lowpass` is the reconstruction
 * scaling filter h[k] (Σh = √2, Σh² = 1); the decomposition filters the IBSI 2 manual (section
 * 3.6) convolves with are its reverse (low-pass) and the quadrature mirror g[k] = (−1)^{k+1} h[k]
 * (high-pass), the convention of PyWavelets that the IBSI reference responses were made with.
 */
const SQRT2 = Math.SQRT2;
const SQRT3 = Math.sqrt(3);
const SQRT7 = Math.sqrt(7);
const SQRT10 = Math.sqrt(10);
const S = Math.sqrt(5 + 2 * SQRT10);

const SCALING_FILTERS: Readonly<Record<string, readonly number[]>> = {
  haar: [1 / SQRT2, 1 / SQRT2],
  db1: [1 / SQRT2, 1 / SQRT2],
  db2: [1 + SQRT3, 3 + SQRT3, 3 - SQRT3, 1 - SQRT3].map((v) => v / (4 * SQRT2)),
  db3: [1 + SQRT10 + S, 5 + SQRT10 + 3 * S, 10 - 2 * SQRT10 + 2 * S, 10 - 2 * SQRT10 - 2 * S, 5 + SQRT10 - 3 * S, 1 + SQRT10 - S].map((v) => v / (16 * SQRT2)),
  coif1: [1 - SQRT7, 5 + SQRT7, 14 + 2 * SQRT7, 14 - 2 * SQRT7, 1 - SQRT7, -3 + SQRT7].map((v) => v / (16 * SQRT2)),
};

export const WAVELET_NAMES = Object.keys(SCALING_FILTERS);

export interface WaveletFilters {
  /** decomposition low-pass (the L of a sub-band name) */
  low: number[];
  /** decomposition high-pass (the H of a sub-band name) */
  high: number[];
}

export function waveletFilters(name: string): WaveletFilters | null {
  const h = SCALING_FILTERS[name];
  if (!h) return null;
  const low = [...h].reverse();
  const high = h.map((v, k) => (k % 2 === 0 ? -v : v));
  return { low, high };
}
