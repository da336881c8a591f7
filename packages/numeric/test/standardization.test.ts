import { describe, expect, it } from '@jest/globals';
import {
  applyStandardization, columnStandardization, constantFeatures, gradientToStandardized, hessianToStandardized,
  pooledStandardization, toOriginal, toStandardized,
} from '../src/index.js';

// x: column 0 = 1, 2, 3, 4 (mean 2.5, population sd √1.25); column 1 = 5, 5, 5, 5 (constant).
const x = [1, 5, 2, 5, 3, 5, 4, 5];
const ones = [1, 1, 1, 1];

describe('standardisation', () => {
  it('column means and population standard deviations; a constant column is frozen (scale 0)', () => {
    const s = columnStandardization(x, 4, 2, ones);
    expect(s.mean).toEqual([2.5, 5]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(s.scale[1]).toBe(0);
    expect(constantFeatures(s)).toEqual([1]);
    const xs = applyStandardization(x, 4, 2, s);
    expect(xs[0]).toBeCloseTo(-1.5 / Math.sqrt(1.25), 15);
    expect([xs[1], xs[3], xs[5], xs[7]]).toEqual([0, 0, 0, 0]);
  });

  it('case weights: weights 3, 1, 1, 1 give mean (3 + 2 + 3 + 4)/6 = 2', () => {
    const s = columnStandardization(x, 4, 2, [3, 1, 1, 1]);
    expect(s.mean[0]).toBeCloseTo(2, 15);
    // Σ w (x − 2)² / Σ w = (3 + 0 + 1 + 4)/6
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(8 / 6), 15);
  });

  it('the same from pooled sums Σx = [10, 20], Σx² = [30, 100]', () => {
    const s = pooledStandardization(4, [10, 20], [30, 100], true);
    expect(s.mean).toEqual([2.5, 5]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(s.scale[1]).toBe(0);
    expect(pooledStandardization(4, [10, 20], [30, 100], false)).toEqual({ mean: [0, 0], scale: [1, 1] });
  });

  it('coefficients [intercept, β]: γ_j = β_j s_j, γ₀ = β₀ + Σ m_j β_j; a frozen coefficient is 0 on both scales', () => {
    const s = { mean: [2, 5], scale: [0.5, 0] };
    const gamma = toStandardized([1, 3, 7], s);
    expect(Array.from(gamma)).toEqual([1 + 2 * 3 + 5 * 7, 1.5, 0]);
    // β from γ: β₁ = 1.5/0.5 = 3, β₀ = 42 − 2 · 3 = 36 (the frozen feature's 5·7 stays in the intercept)
    expect(Array.from(toOriginal(gamma, s))).toEqual([36, 3, 0]);
  });

  it('gradient and Hessian transform as Tᵀg and TᵀHT, T the explicit matrix β = Tγ', () => {
    const s = { mean: [2, -1], scale: [0.5, 4] };
    // β₀ = γ₀ − (2/0.5) γ₁ − (−1/4) γ₂; β₁ = γ₁/0.5; β₂ = γ₂/4
    const T = [
      [1, -4, 0.25],
      [0, 2, 0],
      [0, 0, 0.25],
    ];
    const g = [0.3, -1.2, 2];
    const H = [
      [2, 0.5, -0.3],
      [0.5, 1.5, 0.2],
      [-0.3, 0.2, 3],
    ];
    const tg = [0, 1, 2].map((j) => [0, 1, 2].reduce((a, i) => a + T[i][j] * g[i], 0));
    const tht = [0, 1, 2].map((j) => [0, 1, 2].map((k) => [0, 1, 2].reduce((a, i) => a + [0, 1, 2].reduce((b, l) => b + T[i][j] * H[i][l] * T[l][k], 0), 0)));
    const gs = gradientToStandardized(g, s);
    const hs = hessianToStandardized(H.flat(), s);
    for (let j = 0; j < 3; j++) {
      expect(gs[j]).toBeCloseTo(tg[j], 14);
      for (let k = 0; k < 3; k++) expect(hs[j * 3 + k]).toBeCloseTo(tht[j][k], 14);
    }
  });
});
