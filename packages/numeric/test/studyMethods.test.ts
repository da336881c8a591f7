import { describe, expect, it } from '@jest/globals';
import { benjaminiHochberg, crossValidationCurve, lambdaGrid, lambdaMax, logisticScoreTest, logisticSums } from '../src/index.js';

describe('logisticSums', () => {
  const p = 2;
  const x = [1, 2, -1, 0.5, 3, -2, 0, 1];
  const y = [1, 0, 1, 0];
  it('at β = 0: μ = ½, so gradient Σ(½ − y)x̃, Hessian ¼ Σ x̃x̃ᵀ, loss n log 2 (closed form)', () => {
    const s = logisticSums(x, p, y, [0, 0, 0]);
    expect(s.loss).toBeCloseTo(4 * Math.log(2), 14);
    expect(Array.from(s.gradient)).toEqual([0, (-0.5 * 1 + 0.5 * -1 - 0.5 * 3 + 0.5 * 0), -0.5 * 2 + 0.5 * 0.5 - 0.5 * -2 + 0.5 * 1]);
    expect(s.hessian[0]).toBeCloseTo(1, 15);
    expect(s.hessian[1 * 3 + 1]).toBeCloseTo(0.25 * (1 + 1 + 9 + 0), 15);
    expect(s.hessian[1 * 3 + 2]).toBe(s.hessian[2 * 3 + 1]);
  });
  it('away from 0, the gradient and Hessian are the derivatives of the loss (central differences); rows and weights select and scale', () => {
    const coef = [0.3, -0.7, 0.4];
    const w = [2, 1, 0.5, 3];
    const take = (i: number) => i !== 2;
    const s = logisticSums(x, p, y, coef, take, w);
    expect(s.weight).toBe(6);
    const h = 1e-5;
    for (let k = 0; k < 3; k++) {
      const up = [...coef];
      const down = [...coef];
      up[k] += h;
      down[k] -= h;
      const fu = logisticSums(x, p, y, up, take, w);
      const fd = logisticSums(x, p, y, down, take, w);
      expect(Math.abs((fu.loss - fd.loss) / (2 * h) - s.gradient[k])).toBeLessThan(1e-8);
      for (let j = 0; j < 3; j++) expect(Math.abs((fu.gradient[j] - fd.gradient[j]) / (2 * h) - s.hessian[j * 3 + k])).toBeLessThan(1e-8);
    }
  });
});

describe("glmnet's λ grid", () => {
  it('λ_max = max |⟨y − ȳ, x̃_j⟩| / (n max(α, 10⁻³)); the grid is geometric from λ_max to λ_max · ratio', () => {
    expect(lambdaMax([3, -8, 5], 20, 0.5)).toBe(0.8);
    expect(lambdaMax([3, -8, 5], 20, 0)).toBe(400);
    const grid = lambdaGrid(2, 5, 0.0625);
    [2, 1, 0.5, 0.25, 0.125].forEach((v, k) => expect(grid[k]).toBeCloseTo(v, 14));
  });
});

describe('cross-validation curve (cv.glmnet rules)', () => {
  it('weighted mean and SE by hand; lambda.min and lambda.1se the largest λ that qualify', () => {
    // Two folds of sizes 1 and 3: cvm = (v₁ + 3v₂)/4, cvsd = √((1·(v₁ − m)² + 3(v₂ − m)²)/4/1).
    const values = [
      [4, 2, 1, 3],
      [4, 2, 1.4, 1],
    ];
    const c = crossValidationCurve(values, [1, 3], [1, 0.5, 0.25, 0.125], false);
    [4, 2, 1.3, 1.5].forEach((v, l) => expect(c.cvm[l]).toBeCloseTo(v, 14));
    expect(c.cvsd[2]).toBeCloseTo(Math.sqrt((0.09 + 3 * 0.01) / 4), 15);
    expect(c.indexMin).toBe(2);
    expect(c.index1se).toBe(2); // 1.3 + 0.173 < 1.5, and λ = 0.5 has 2 > 1.473
    const auc = crossValidationCurve([[0.6, 0.7, 0.65], [0.6, 0.9, 0.66]], [1, 1], [0.3, 0.2, 0.1], true);
    expect(auc.indexMin).toBe(1);
    expect(auc.index1se).toBe(1);
  });
});

describe('Benjamini–Hochberg', () => {
  it("equals R's p.adjust(p, 'BH')", () => {
    const r = [0.035000000000000003, 0.055999999999999994, 0.055999999999999994, 0.035000000000000003, 0.5, 0.23333333333333336, 0.055999999999999994];
    benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04]).forEach((q, i) => expect(q).toBeCloseTo(r[i], 15));
  });
});

describe('logistic score test from sums', () => {
  it('a 2 × 2 table: U²/I is the Pearson χ² of the table (closed form for a binary x)', () => {
    // x = 1: 30 cases, 10 events; x = 0: 20 cases, 15 events. Pearson χ² = n (ad − bc)² / (r₁ r₂ c₁ c₂).
    const [a, b, c, d] = [10, 20, 15, 5];
    const n = a + b + c + d;
    const pearson = (n * (a * d - b * c) ** 2) / ((a + b) * (c + d) * (a + c) * (b + d));
    const t = logisticScoreTest(n, a + c, 30, 30, 10);
    expect(t.statistic).toBeCloseTo(pearson, 12);
    expect(Number.isNaN(logisticScoreTest(n, 25, 50, 50, 25).statistic)).toBe(true);
  });
});
