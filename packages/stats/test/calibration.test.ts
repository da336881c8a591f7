import { describe, expect, it } from '@jest/globals';
import { calibration, decisionCurve, hosmerLemeshow, lowess, thresholdMetrics, TooFewGroupsError, wilsonInterval } from '../src/index.js';
import { fixture, type BinaryFixture } from './fixtures.js';

const { datasets } = fixture<BinaryFixture>('binary.json');
const close = (a: number, b: number, tol = 1e-6) => expect(Math.abs(a - b)).toBeLessThan(tol);

describe('calibration agrees with R rms::val.prob and glm', () => {
  for (const d of datasets) {
    it(`${d.name}: intercept and slope (val.prob), calibration-in-the-large (glm offset), Wald CIs`, () => {
      const c = calibration(d.scores, d.labels);
      close(c.recalibrationIntercept!.estimate, d.valProb.intercept, 1e-4);
      close(c.slope!.estimate, d.valProb.slope, 1e-4);
      close(c.calibrationInTheLarge.estimate, d.calibrationInTheLarge.estimate, 1e-6);
      close(c.calibrationInTheLarge.lower, d.calibrationInTheLarge.lower, 1e-6);
      close(c.calibrationInTheLarge.upper, d.calibrationInTheLarge.upper, 1e-6);
      close(c.slope!.estimate, d.calibrationSlope.estimate, 1e-6);
      close(c.slope!.lower, d.calibrationSlope.lower, 1e-6);
      close(c.slope!.upper, d.calibrationSlope.upper, 1e-6);
      close(c.recalibrationIntercept!.lower, d.recalibrationIntercept.lower, 1e-6);
      close(c.brier, d.valProb.brier, 1e-12);
      close(c.scaledBrier, d.scaledBrier, 1e-12);
    });
    it(`${d.name}: Hosmer–Lemeshow on deciles`, () => {
      const hl = hosmerLemeshow(d.scores, d.labels);
      expect(hl.groups).toBe(d.hosmerLemeshow.groups);
      expect(hl.df).toBe(d.hosmerLemeshow.df);
      expect(hl.bins.map((b) => b.patients)).toEqual(d.hosmerLemeshow.counts);
      expect(hl.bins.map((b) => b.observed.successes)).toEqual(d.hosmerLemeshow.observed);
      close(hl.statistic, d.hosmerLemeshow.statistic, 1e-9);
      close(hl.pValue, d.hosmerLemeshow.pValue, 1e-9);
    });
    it(`${d.name}: lowess(p, y, iter = 0), the smoothed calibration curve`, () => {
      const fit = lowess(d.scores, d.labels.map(Number), { iter: 0 });
      expect(fit.y.length).toBe(d.lowess.y.length);
      for (let i = 0; i < fit.y.length; i++) {
        close(fit.x[i], d.lowess.x[i], 1e-12);
        close(fit.y[i], d.lowess.y[i], 1e-9);
      }
    });
    it(`${d.name}: the reported smoothed curve is R's lowess curve read at the grid by linear interpolation (approx)`, () => {
      const { x, y } = d.lowess;
      const smoothed = calibration(d.scores, d.labels).smoothed;
      expect(smoothed.length).toBeGreaterThan(10);
      for (const point of smoothed) {
        // approx(x, y, xout): the last x ≤ g and the first x ≥ g with a different value.
        let k = 0;
        while (k + 1 < x.length && x[k + 1] <= point.predicted) k++;
        let j = k;
        while (j + 1 < x.length && x[j] <= point.predicted) j++;
        const expected = x[j] === x[k] ? y[k] : y[k] + ((point.predicted - x[k]) / (x[j] - x[k])) * (y[j] - y[k]);
        close(point.observed, expected, 1e-9);
      }
    });
    it(`${d.name}: threshold metrics with Wilson intervals (prop.test, correct = FALSE)`, () => {
      const t = thresholdMetrics(d.scores, d.labels, d.threshold);
      expect(t.confusion).toEqual({ truePositives: d.confusion.tp, falsePositives: d.confusion.fp, trueNegatives: d.confusion.tn, falseNegatives: d.confusion.fn });
      for (const key of ['sensitivity', 'specificity', 'ppv', 'npv', 'accuracy'] as const) {
        close(t[key].estimate, d[key].estimate, 1e-12);
        close(t[key].lower, d[key].lower, 1e-9);
        close(t[key].upper, d[key].upper, 1e-9);
      }
    });
    it(`${d.name}: net benefit equals the closed form TP/n − FP/n · pt/(1 − pt)`, () => {
      const curve = decisionCurve(d.scores, d.labels, d.decisionCurve.thresholds);
      curve.forEach((p, i) => {
        close(p.model, d.decisionCurve.model[i], 1e-12);
        close(p.treatAll, d.decisionCurve.treatAll[i], 1e-12);
        expect(p.treatNone).toBe(0);
      });
    });
  }
  it('Wilson interval of 0/10 and 10/10 (closed form: [0, z²/(n+z²)])', () => {
    const z2 = 1.959963984540054 ** 2;
    close(wilsonInterval(0, 10).upper, z2 / (10 + z2), 1e-12);
    close(wilsonInterval(10, 10).lower, 1 - z2 / (10 + z2), 1e-12);
  });

  it('refuses the Hosmer–Lemeshow test with fewer than 3 groups (χ² on g − 2 df), naming the counts, instead of a p-value above 1', () => {
    // 15 patients in groups of at least 10 make one group (⌊15 / 10⌋), and the test has −1 df.
    const scores = Array.from({ length: 15 }, (_, i) => (i + 0.5) / 15);
    const labels = scores.map((_, i) => (i % 3 === 0 ? 1 : 0));
    expect(() => hosmerLemeshow(scores, labels, 10, 10)).toThrow(TooFewGroupsError);
    expect(() => hosmerLemeshow(scores, labels, 10, 10)).toThrow('this test set of 15 patients, in groups of at least 10, makes 1');
    // The calibration summary keeps its one group and leaves the test out.
    const summary = calibration(scores, labels, { groups: 10, minGroupSize: 10 });
    expect(summary.bins.map((b) => b.patients)).toEqual([15]);
    expect(summary.hosmerLemeshow).toBeUndefined();
    // Five groups of three: defined, and its p-value a probability.
    const five = hosmerLemeshow(scores, labels, 5, 3);
    expect(five.df).toBe(3);
    expect(five.pValue).toBeGreaterThanOrEqual(0);
    expect(five.pValue).toBeLessThanOrEqual(1);
  });
});
