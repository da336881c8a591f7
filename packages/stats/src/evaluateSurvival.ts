import type { EvaluationReport } from '@fedrad/protocol';
import { bootstrap } from './bootstrap.js';
import { harrellC, unoC } from './concordance.js';
import { normalCdf } from '@fedrad/numeric';
import { InvalidParameterError, OneClassError } from './errors.js';
import { checkLevel, toScores, type Scores } from './inputs.js';
import { kaplanMeier } from './kaplanMeier.js';
import { logRank } from './logRank.js';
import { avoidLengths, reportHeader, requiredInterval, type ReportOptions } from './reportParts.js';
import { niceTimeGrid } from './survivalGrid.js';
import { toSurvival } from './survivalInputs.js';
import { cumulativeDynamicAuc } from './timeDependentAuc.js';
import { ipcwBrierScore } from './brierScore.js';
import { horizonCalibration } from './survivalCalibration.js';

export interface EvaluateSurvivalOptions extends ReportOptions {
  /** Clinical baseline risk on the same patients, same order. */
  baselineRisk?: Scores;
  /** Risk ≥ cut-off = high-risk group; fixed on the training data (never chosen here). */
  riskCutoff?: number;
  /** Truncation time for Uno's C. */
  tau?: number;
  /** Times at which the Kaplan–Meier curves are reported (default: a round grid over follow-up). */
  timeGrid?: number[];
  /** The horizon (days) of the time-dependent measures; with `survivalAtHorizon`. */
  horizon?: number;
  /** The model's S(horizon | x) per patient (a Cox model's `survival` output), same order. */
  survivalAtHorizon?: Scores;
  /** The fewest patients in a calibration group (the campaign's minimum cohort; default 5). */
  minGroupSize?: number;
}

/**
 * Evaluates a survival model (risk score, higher = shorter survival) on one independent test
 * set: Harrell's and Uno's C with bootstrap CIs (and variances for pooling across sites), the
 * paired bootstrap difference in Harrell's C against a clinical baseline, Kaplan–Meier
 * curves with a log-rank test for the risk groups split at the training-time cut-off, and, given
 * the model's S(horizon | x), the time-dependent AUC and IPCW Brier score at the horizon (with
 * bootstrap CIs) and the calibration at it (slope, predicted vs observed by risk group).
 */
export function evaluateSurvival(time: Scores, event: ArrayLike<number | boolean>, risk: Scores, options: EvaluateSurvivalOptions = {}): EvaluationReport {
  const level = checkLevel(options.level ?? 0.95);
  const { time: t, event: e } = toSurvival(time, event);
  const r = toScores(risk, 'risk score');
  if (r.length !== t.length) throw new InvalidParameterError('risk scores', `${r.length} values`, `${t.length} values, one per patient`);
  const baseline = options.baselineRisk === undefined ? undefined : toScores(options.baselineRisk, 'baseline risk');
  if (baseline && baseline.length !== t.length) throw new InvalidParameterError('baseline risk', `${baseline.length} values`, `${t.length} values, one per patient`);
  const n = t.length;
  let events = 0;
  for (let i = 0; i < n; i++) events += e[i];
  const replicates = options.bootstrapReplicates ?? 1000;
  const seed = options.seed ?? 20240601;
  const method = options.bootstrapMethod ?? 'percentile';
  const tau = options.tau;
  const horizon = options.horizon;
  const sh = options.survivalAtHorizon === undefined ? undefined : toScores(options.survivalAtHorizon, 'survival at the horizon');
  if ((horizon === undefined) !== (sh === undefined)) throw new InvalidParameterError('horizon', horizon ?? 'none', 'both the horizon and S(horizon | x) per patient, or neither');
  if (sh && sh.length !== t.length) throw new InvalidParameterError('survival at the horizon', `${sh.length} values`, `${t.length} values, one per patient`);

  // Order of the statistics: Harrell, Uno, [AUC(t), Brier(t)], [baseline difference].
  const statistic = (counts: Int32Array) => {
    const out = [harrellC(t, e, r, counts), unoC(t, e, r, { tau, rowWeight: counts })];
    if (sh) out.push(cumulativeDynamicAuc(t, e, r, horizon!, counts), ipcwBrierScore(t, e, sh, horizon!, counts));
    if (baseline) out.push(out[0] - harrellC(t, e, baseline, counts));
    return out;
  };
  const differenceIndex = sh ? 4 : 2;
  const point = statistic(new Int32Array(n).fill(1));
  // A resample without any (comparable) event has no C-index: it is left out of the
  // interval (as boot does with non-finite replicates) rather than stopping the evaluation.
  const resampled = (counts: Int32Array) => {
    try {
      return statistic(counts);
    } catch (err) {
      if (err instanceof OneClassError) return point.map(() => NaN);
      throw err;
    }
  };
  const report: EvaluationReport = {
    ...reportHeader('survival', options, level, n, events),
    survival: {
      harrellC: requiredInterval(point[0], undefined, undefined, level, 'point estimate'),
      unoC: requiredInterval(point[1], undefined, undefined, level, 'point estimate'),
      ...(tau !== undefined ? { tau } : {}),
    },
  };
  const summary = report.survival!;
  if (sh) {
    summary.horizon = horizon!;
    summary.timeDependentAuc = requiredInterval(point[2], undefined, undefined, level, 'point estimate');
    summary.brierScore = requiredInterval(point[3], undefined, undefined, level, 'point estimate');
    const calibration = horizonCalibration(t, e, r, sh, horizon!, { minGroupSize: options.minGroupSize ?? 5 });
    summary.calibrationSlope = calibration.slope;
    summary.calibrationGroups = calibration.groups;
  }
  if (replicates > 0) {
    const draws = bootstrap(n, resampled, { replicates, seed, level, method });
    report.bootstrap = { replicates, seed, stratified: false, method };
    const [h, u] = draws.intervals;
    summary.harrellC = requiredInterval(h.estimate, h.lower, h.upper, level, `bootstrap-${method}`);
    if (Number.isFinite(h.se)) summary.harrellCVariance = h.se * h.se;
    summary.unoC = requiredInterval(u.estimate, u.lower, u.upper, level, `bootstrap-${method}`);
    if (Number.isFinite(u.se)) summary.unoCVariance = u.se * u.se;
    if (sh) {
      const [auc, brier] = draws.intervals.slice(2, 4);
      summary.timeDependentAuc = requiredInterval(auc.estimate, auc.lower, auc.upper, level, `bootstrap-${method}`);
      summary.brierScore = requiredInterval(brier.estimate, brier.lower, brier.upper, level, `bootstrap-${method}`);
    }
    if (baseline) {
      const d = draws.intervals[differenceIndex];
      const z = d.estimate / d.se;
      report.baselineComparison = {
        measure: 'harrellC',
        baseline: requiredInterval(point[0] - point[differenceIndex], undefined, undefined, level, 'point estimate'),
        difference: requiredInterval(d.estimate, d.lower, d.upper, level, `bootstrap-${method} paired`),
        ...(Number.isFinite(z) ? { statistic: z } : {}),
        // Two-sided p from the bootstrap SE of the paired difference (normal approximation).
        pValue: Number.isFinite(z) ? 2 * normalCdf(-Math.abs(z)) : 1,
        method: 'bootstrap-paired',
      };
    }
  }

  if (options.riskCutoff !== undefined) {
    const cutoff = options.riskCutoff;
    const high = Uint8Array.from(r, (x) => (x >= cutoff ? 1 : 0));
    const nHigh = high.reduce((a, b) => a + b, 0);
    let maxTime = 0;
    for (let i = 0; i < n; i++) maxTime = Math.max(maxTime, t[i]);
    const forbidden = new Set([n, nHigh, n - nHigh]);
    const grid = avoidLengths(options.timeGrid ?? niceTimeGrid(maxTime), forbidden);
    summary.riskCutoff = cutoff;
    summary.riskGroups = (['low', 'high'] as const).map((group) => {
      const rows = Array.from({ length: n }, (_, i) => i).filter((i) => (group === 'high') === (high[i] === 1));
      const gt = rows.map((i) => t[i]);
      const ge = rows.map((i) => e[i]);
      const curve = rows.length > 0 ? kaplanMeier(gt, ge, grid, level) : [];
      return {
        group,
        patientCount: rows.length,
        eventCount: ge.reduce((a, b) => a + b, 0),
        curve: curve.map((p) => ({
          time: p.time,
          survival: p.survival,
          ...(Number.isFinite(p.lower) ? { lower: p.lower } : {}),
          ...(Number.isFinite(p.upper) ? { upper: p.upper } : {}),
          atRisk: p.atRisk,
        })),
      };
    });
    if (nHigh > 0 && nHigh < n) {
      const lr = logRank(t, e, high);
      summary.logRank = { chiSquare: lr.chiSquare, df: lr.df, pValue: lr.pValue };
    } else {
      report.notes = [`All patients fall in one risk group at cut-off ${cutoff}: no log-rank test.`];
    }
  } else {
    report.notes = ['No risk cut-off was given (fixed on the training data): Kaplan–Meier risk groups and the log-rank test are not reported; a cut-off is never chosen on test data.'];
  }
  return report;
}
