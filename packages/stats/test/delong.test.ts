import { describe, expect, it } from '@jest/globals';
import { auc, delong, rocCurve, rocTest, rocTestUnpaired } from '../src/index.js';
import { fixture, type BinaryFixture } from './fixtures.js';

const { datasets, unpairedDelong } = fixture<BinaryFixture>('binary.json');
const close = (a: number, b: number, tol = 1e-6) => expect(Math.abs(a - b)).toBeLessThan(tol);

describe('AUC and DeLong agree with R pROC 1.18', () => {
  for (const d of datasets) {
    it(`${d.name}: auc(), var(method = "delong"), ci.auc(method = "delong")`, () => {
      close(auc(d.scores, d.labels), d.auc, 1e-12);
      const r = delong(d.scores, d.labels);
      close(r.variance, d.aucVariance, 1e-9);
      close(r.lower, d.aucCi[0]);
      close(r.upper, d.aucCi[1]);
      const b = delong(Float64Array.from(d.baseline), d.labels);
      close(b.auc, d.baselineAuc, 1e-12);
      close(b.variance, d.baselineAucVariance, 1e-9);
      close(b.lower, d.baselineAucCi[0]);
      close(b.upper, d.baselineAucCi[1]);
    });
    it(`${d.name}: paired roc.test(method = "delong") Z, p and CI of the difference`, () => {
      const t = rocTest(d.scores, d.baseline, d.labels);
      close(t.z, d.pairedDelong.z);
      close(t.pValue, d.pairedDelong.pValue);
      close(t.lower, d.pairedDelong.diffCi[0]);
      close(t.upper, d.pairedDelong.diffCi[1]);
    });
  }
  it('unpaired roc.test between two sites: D, Welch df and p from Student t', () => {
    const a = datasets.find((d) => d.name === unpairedDelong.first)!;
    const b = datasets.find((d) => d.name === unpairedDelong.second)!;
    const t = rocTestUnpaired(a.scores, a.labels, b.scores, b.labels);
    close(t.statistic, unpairedDelong.statistic);
    close(t.df, unpairedDelong.df, 1e-6);
    close(t.pValue, unpairedDelong.pValue);
  });
});

describe('AUC closed forms', () => {
  it('perfect separation gives 1, reversed gives 0, all tied gives ½', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(auc([0.5, 0.5, 0.5], [0, 1, 1])).toBe(0.5);
  });
  it('the ROC grid starts at (0,0), ends at (1,1) and is monotone; its trapezoid area bounds the AUC for a continuous score', () => {
    const d = datasets[0];
    const grid = rocCurve(d.scores, d.labels);
    expect(grid[0].falsePositiveRate).toBe(0);
    expect(grid[grid.length - 1]).toEqual({ falsePositiveRate: 1, truePositiveRate: 1 });
    for (let i = 1; i < grid.length; i++) expect(grid[i].truePositiveRate).toBeGreaterThanOrEqual(grid[i - 1].truePositiveRate);
    // Vertical sampling takes the best TPR at FPR ≤ f: the left Riemann sum is ≤ AUC ≤ right sum.
    let left = 0;
    let right = 0;
    for (let i = 1; i < grid.length; i++) {
      left += 0.01 * grid[i - 1].truePositiveRate;
      right += 0.01 * grid[i].truePositiveRate;
    }
    expect(left).toBeLessThanOrEqual(d.auc + 1e-12);
    expect(right).toBeGreaterThanOrEqual(d.auc - 1e-12);
  });
});
