import { coxPartialLikelihood, coxRiskSetSums } from '@fedrad/numeric';
import { kaplanMeier } from './kaplanMeier.js';

export interface HorizonCalibrationGroup {
  /** 1 = lowest predicted risk. */
  group: number;
  patientCount: number;
  eventCount: number;
  /** Mean predicted S(t | x) at the horizon. */
  predicted: number;
  /** Kaplan–Meier S(t) of the group at the horizon. */
  observed: number;
}

/**
 * Calibration of a survival model at a horizon (Royston & Altman 2013, BMC Med Res Methodol
 * 13:33, §2.3–2.4): patients split by predicted risk into equal-size groups (each at least
 * `minGroupSize`, fewer groups otherwise), each group's mean predicted S(t | x) beside its
 * Kaplan–Meier S(t); and the calibration slope, the coefficient of the linear predictor in a Cox
 * model refitted on these patients (van Houwelingen 2000, Stat Med 19:3401; 1 = well calibrated,
 * < 1 = predictions too extreme), fitted by Newton on numeric's partial likelihood (Efron ties,
 * coxph's default).
 */
export function horizonCalibration(
  time: Float64Array,
  event: Uint8Array,
  linearPredictor: Float64Array,
  survivalAtHorizon: Float64Array,
  horizon: number,
  options: { groups?: number; minGroupSize?: number } = {},
): { slope: number; groups: HorizonCalibrationGroup[] } {
  const n = time.length;
  const minimum = Math.max(1, options.minGroupSize ?? 5);
  const count = Math.max(1, Math.min(options.groups ?? 4, Math.floor(n / minimum)));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => survivalAtHorizon[b] - survivalAtHorizon[a] || a - b);
  const groups: HorizonCalibrationGroup[] = [];
  for (let g = 0; g < count; g++) {
    const rows = order.slice(Math.round((g * n) / count), Math.round(((g + 1) * n) / count));
    const [km] = kaplanMeier(rows.map((i) => time[i]), rows.map((i) => event[i]), [horizon]);
    groups.push({
      group: g + 1,
      patientCount: rows.length,
      eventCount: rows.reduce((a, i) => a + event[i], 0),
      predicted: rows.reduce((a, i) => a + survivalAtHorizon[i], 0) / rows.length,
      observed: km.survival,
    });
  }
  return { slope: calibrationSlope(time, event, linearPredictor), groups };
}

/** β of coxph(Surv(time, event) ~ lp, ties = "efron"): Newton–Raphson from 0 with step halving. */
export function calibrationSlope(time: Float64Array, event: Uint8Array, lp: Float64Array): number {
  const points = [...new Set(Array.from(time).filter((_, i) => event[i]))].sort((a, b) => a - b);
  const bin = Int32Array.from(time, (t) => {
    let k = -1;
    while (k + 1 < points.length && points[k + 1] <= t) k++;
    return k;
  });
  const shift = Math.max(...Array.from(lp, Math.abs));
  const at = (b: number) => coxPartialLikelihood(coxRiskSetSums(lp, 1, bin, event, [b], points.length, { withEventSums: true, shift: Math.abs(b) * shift }), [b], 'efron');
  let beta = 0;
  let current = at(beta);
  for (let it = 0; it < 100; it++) {
    let next = beta - current.gradient[0] / current.hessian[0];
    let trial = at(next);
    for (let h = 0; h < 40 && !(trial.loss <= current.loss); h++) {
      next = (beta + next) / 2;
      trial = at(next);
    }
    const change = Math.abs(next - beta);
    beta = next;
    current = trial;
    if (change <= 1e-12 * (1 + Math.abs(beta))) break;
  }
  return beta;
}
