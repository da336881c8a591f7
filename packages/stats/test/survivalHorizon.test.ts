import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ipcwBrierScore } from '../src/brierScore.js';
import { horizonCalibration } from '../src/survivalCalibration.js';

// Reference: scripts/fixtures/stats/survival-horizon.R (R survival: coxph for the calibration
// slope, survfit for the groups' Kaplan–Meier S(t) and for the censoring distribution of Graf's
// IPCW Brier score, written out there).
const f = JSON.parse(readFileSync(new URL('./fixtures/survival-horizon.json', import.meta.url), 'utf8')) as {
  time: number[]; event: number[]; lp: number[]; horizon: number; baselineSurvival: number; brier: number; calibrationSlope: number;
  groups: Array<{ group: number; patientCount: number; eventCount: number; predicted: number; observed: number }>;
};
const time = Float64Array.from(f.time);
const event = Uint8Array.from(f.event);
const lp = Float64Array.from(f.lp);
const survival = Float64Array.from(lp, (v) => f.baselineSurvival ** Math.exp(v));

describe('survival evaluation at a horizon', () => {
  it("the IPCW Brier score equals Graf's formula with R's censoring Kaplan–Meier", () => {
    expect(ipcwBrierScore(time, event, survival, f.horizon)).toBeCloseTo(f.brier, 12);
  });

  it('the calibration slope equals coxph(Surv(time, event) ~ lp), and each risk quarter its predicted mean and KM S(t)', () => {
    const c = horizonCalibration(time, event, lp, survival, f.horizon, { groups: 4, minGroupSize: 5 });
    expect(c.slope).toBeCloseTo(f.calibrationSlope, 8);
    expect(c.groups).toHaveLength(4);
    c.groups.forEach((g, k) => {
      expect(g).toMatchObject({ group: f.groups[k].group, patientCount: f.groups[k].patientCount, eventCount: f.groups[k].eventCount });
      expect(g.predicted).toBeCloseTo(f.groups[k].predicted, 12);
      expect(g.observed).toBeCloseTo(f.groups[k].observed, 12);
    });
  });

  it('uses fewer groups rather than a group under the minimum size', () => {
    const c = horizonCalibration(time.subarray(0, 30), event.subarray(0, 30), lp.subarray(0, 30), survival.subarray(0, 30), f.horizon, { groups: 4, minGroupSize: 10 });
    expect(c.groups.map((g) => g.patientCount)).toEqual([10, 10, 10]);
  });
});

describe('evaluateSurvival at a horizon', () => {
  it("reports the time-dependent AUC and Brier score with bootstrap CIs, and the calibration, valid against the report schema", async () => {
    const { evaluateSurvival } = await import('../src/index.js');
    const { assertValid } = await import('@fedrad/protocol');
    const report = evaluateSurvival(time, event, lp, { horizon: f.horizon, survivalAtHorizon: survival, bootstrapReplicates: 50, seed: 7, minGroupSize: 5 });
    assertValid('evaluation-report', report);
    const s = report.survival!;
    expect(s.horizon).toBe(f.horizon);
    expect(s.brierScore!.estimate).toBeCloseTo(f.brier, 12);
    expect(s.brierScore!.lower).toBeLessThan(f.brier);
    expect(s.timeDependentAuc!.upper).toBeGreaterThan(s.timeDependentAuc!.estimate);
    expect(s.calibrationSlope).toBeCloseTo(f.calibrationSlope, 8);
    expect(s.calibrationGroups!.map((g) => g.observed)).toEqual(f.groups.map((g) => expect.closeTo(g.observed, 12)));
  });
});
