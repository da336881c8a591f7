import { describe, expect, it } from '@jest/globals';
import { fastLength, fft, fft3d } from '../src/math/fft.js';

/** Direct O(n²) DFT, X_k = Σ x_j e^{−2πi jk/n}: the definition the FFT must reproduce. */
function dft(re: number[], im: number[]): [number[], number[]] {
  const n = re.length;
  const outRe: number[] = [], outIm: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0, si = 0;
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * j * k) / n;
      sr += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      si += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
    outRe.push(sr);
    outIm.push(si);
  }
  return [outRe, outIm];
}

function seeded(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5);
}

describe('mixed-radix FFT', () => {
  it.each([1, 2, 3, 4, 5, 6, 8, 9, 12, 15, 16, 25, 45, 48, 60, 125, 144])('length %i equals the direct DFT', (n) => {
    const re = seeded(n, n), im = seeded(n, n + 7);
    const [er, ei] = dft(re, im);
    const r = Float64Array.from(re), i = Float64Array.from(im);
    fft(r, i);
    for (let k = 0; k < n; k++) {
      expect(r[k]).toBeCloseTo(er[k], 9);
      expect(i[k]).toBeCloseTo(ei[k], 9);
    }
  });
  it('fastLength is the smallest 5-smooth length at or above n', () => {
    expect([1, 7, 11, 13, 43, 121, 139].map(fastLength)).toEqual([1, 8, 12, 15, 45, 125, 144]);
  });
  it('3D transform (batched y/z passes, pruned support) equals the separable direct DFT', () => {
    const dims: [number, number, number] = [6, 5, 4];
    const n = 6 * 5 * 4;
    // Non-zero only in the corner box 3×2×2, as the zero-padded signals are.
    const re0 = new Float64Array(n), im0 = new Float64Array(n);
    const vals = seeded(24, 3);
    let v = 0;
    for (let z = 0; z < 2; z++) for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) { re0[x + 6 * (y + 5 * z)] = vals[v++]; im0[x + 6 * (y + 5 * z)] = vals[v++ % 24]; }
    const re = Float64Array.from(re0), im = Float64Array.from(im0);
    fft3d(re, im, dims, [3, 2, 2]);
    for (let kz = 0; kz < 4; kz++) for (let ky = 0; ky < 5; ky++) for (let kx = 0; kx < 6; kx++) {
      let sr = 0, si = 0;
      for (let z = 0; z < 4; z++) for (let y = 0; y < 5; y++) for (let x = 0; x < 6; x++) {
        const a = -2 * Math.PI * (kx * x / 6 + ky * y / 5 + kz * z / 4);
        const j = x + 6 * (y + 5 * z);
        sr += re0[j] * Math.cos(a) - im0[j] * Math.sin(a);
        si += re0[j] * Math.sin(a) + im0[j] * Math.cos(a);
      }
      const k = kx + 6 * (ky + 5 * kz);
      expect(re[k]).toBeCloseTo(sr, 9);
      expect(im[k]).toBeCloseTo(si, 9);
    }
  });
});
