import { describe, expect, it } from '@jest/globals';
import { fCdf, fQuantile, fSurvival } from '../src/index.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('F distribution', () => {
  // Closed form for d1 = 2 (A&S 26.6.4): P(F > f) = (1 + 2f/d2)^(−d2/2), so the p-quantile is (d2/2)((1 − p)^(−2/d2) − 1).
  it('d1 = 2: survival and quantile in closed form', () => {
    for (const d2 of [1, 3.5, 24, 100]) {
      expect(rel(fSurvival(3.7, 2, d2), (1 + (2 * 3.7) / d2) ** (-d2 / 2))).toBeLessThan(1e-13);
      for (const p of [0.025, 0.5, 0.975, 0.999999]) {
        expect(rel(fQuantile(p, 2, d2), (d2 / 2) * ((1 - p) ** (-2 / d2) - 1))).toBeLessThan(1e-11);
      }
    }
  });
  it('F(1, 1) has median 1 (the ratio of two iid χ²₁ is symmetric on the log scale)', () => {
    expect(Math.abs(fQuantile(0.5, 1, 1) - 1)).toBeLessThan(1e-13);
    expect(Math.abs(fCdf(1, 1, 1) - 0.5)).toBeLessThan(1e-15);
  });
  // R 4.2.2: qf(0.975, 23, 24), qf(0.975, 24, 23), qf(0.975, 7.3456, 23) (a fractional df, as ICC(2,1)'s CI has),
  // qf(0.025, 3, 5); pf(3.1, 4, 9.5, lower.tail = FALSE), pf(250, 10, 30, lower.tail = FALSE).
  it('agrees with R qf and pf', () => {
    expect(rel(fQuantile(0.975, 23, 24), 2.2820700532234119)).toBeLessThan(1e-12);
    expect(rel(fQuantile(0.975, 24, 23), 2.2989069874540222)).toBeLessThan(1e-12);
    expect(rel(fQuantile(0.975, 7.3456, 23), 2.8671572656576827)).toBeLessThan(1e-12);
    expect(rel(fQuantile(0.025, 3, 5), 0.06718252580709054)).toBeLessThan(1e-12);
    expect(rel(fSurvival(3.1, 4, 9.5), 0.069830447563061199)).toBeLessThan(1e-12);
    expect(rel(fSurvival(250, 10, 30), 4.7750333483370038e-26)).toBeLessThan(1e-10);
  });
  it('quantile inverts the CDF', () => {
    for (const [d1, d2] of [[0.7, 3], [5, 2.2], [40, 60]]) {
      for (const p of [1e-6, 0.1, 0.9, 1 - 1e-6]) expect(Math.abs(fCdf(fQuantile(p, d1, d2), d1, d2) - p)).toBeLessThan(1e-13);
    }
  });
});
