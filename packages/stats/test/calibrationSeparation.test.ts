import { describe, expect, it } from '@jest/globals';
import { validate } from '@fedrad/protocol';
import { calibration, evaluateBinary, metaAnalyzeReports } from '../src/index.js';
import { fixture } from './fixtures.js';

// A small test site (15 patients) whose predictions separate its outcome: the calibration slope has
// no maximum-likelihood estimate (Albert & Anderson 1984). Reference: R's glm on the same patients
// (scripts/fixtures/stats/calibration-separation.R) — on the separated site it warns "fitted
// probabilities numerically 0 or 1 occurred" and ends on a slope whose SE dwarfs it; it fits the
// overlapping one.
interface Site {
  name: string;
  probabilities: number[];
  labels: number[];
  glmSlope: { estimate: number; se: number; converged: boolean; warnings: string[] };
  calibrationInTheLarge: { estimate: number; se: number };
}
const { sites } = fixture<{ sites: Site[] }>('calibration-separation.json');
const [separated, overlapping] = sites;
const close = (a: number, b: number, tol: number) => expect(Math.abs(a - b)).toBeLessThan(tol);

describe('calibration on a small test site whose predictions separate the outcome', () => {
  it('R finds no slope there (fitted probabilities 0 or 1, a slope in the hundreds with an SE thousands of times larger) and fits the overlapping site', () => {
    expect(separated.glmSlope.warnings).toContain('glm.fit: fitted probabilities numerically 0 or 1 occurred');
    expect(separated.glmSlope.estimate).toBeGreaterThan(100);
    expect(separated.glmSlope.se).toBeGreaterThan(1000 * separated.glmSlope.estimate);
    expect(overlapping.glmSlope).toMatchObject({ converged: true, warnings: [] });
  });

  it('reports the slope as not estimable, saying why, and calibration-in-the-large as R computes it', () => {
    const c = calibration(separated.probabilities, separated.labels);
    expect(c.slope).toBeUndefined();
    expect(c.recalibrationIntercept).toBeUndefined();
    expect(c.slopeNotEstimable).toContain('separate the outcome');
    close(c.calibrationInTheLarge.estimate, separated.calibrationInTheLarge.estimate, 1e-6);
    close(c.calibrationInTheLarge.se, separated.calibrationInTheLarge.se, 1e-6);
    const o = calibration(overlapping.probabilities, overlapping.labels);
    close(o.slope!.estimate, overlapping.glmSlope.estimate, 1e-6);
    close(o.slope!.se, overlapping.glmSlope.se, 1e-6);
  });

  it("the site's evaluation report is made (not failed): valid, without the slope, with a note", () => {
    const report = evaluateBinary(separated.probabilities, separated.labels, { siteId: 'site-small', bootstrapReplicates: 50, minGroupSize: 5 });
    expect(validate('evaluation-report', report)).toEqual({ valid: true });
    expect(report.calibration).toBeDefined();
    expect(report.calibration!.slope).toBeUndefined();
    expect(report.calibration!.recalibrationIntercept).toBeUndefined();
    close(report.calibration!.calibrationInTheLarge.estimate, separated.calibrationInTheLarge.estimate, 1e-6);
    expect(report.notes).toEqual(expect.arrayContaining([expect.stringContaining('calibration slope and its intercept are not estimable at this site')]));
  });

  it('the meta-analysis leaves that site out of the pooled slope, with a note, and keeps it for calibration-in-the-large', () => {
    const small = evaluateBinary(separated.probabilities, separated.labels, { siteId: 'site-small', bootstrapReplicates: 0, minGroupSize: 5 });
    const others = ['site-b', 'site-c'].map((siteId, k) => {
      const labels = k === 0 ? overlapping.labels : [...overlapping.labels].reverse();
      return evaluateBinary(overlapping.probabilities, labels, { siteId, bootstrapReplicates: 0, minGroupSize: 5 });
    });
    const { analyses, notes } = metaAnalyzeReports([small, ...others]);
    const slope = analyses.find((a) => a.measure === 'calibrationSlope')!;
    expect(slope.sites.map((s) => s.label)).toEqual(['site-b', 'site-c']);
    expect(notes).toContain("calibrationSlope: site-small left out of the pooling: not estimable at that site (its report's notes say why)");
    expect(analyses.find((a) => a.measure === 'calibrationInTheLarge')!.sites.map((s) => s.label)).toEqual(['site-small', 'site-b', 'site-c']);
  });
});
