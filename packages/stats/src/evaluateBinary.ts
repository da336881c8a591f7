import type { EvaluationReport } from '@fedrad/protocol';
import { bootstrap, type ResampleStatistic } from './bootstrap.js';
import { calibration } from './calibration.js';
import { decisionCurve, defaultThresholdGrid, netBenefitStatistic } from './decisionCurve.js';
import { delong, rocTest } from './delong.js';
import { InvalidParameterError } from './errors.js';
import { checkLevel, splitByClass, toLabels, toScores, type Labels, type Scores } from './inputs.js';
import { avoidLengths, interval, reportHeader, requiredInterval, type ReportOptions } from './reportParts.js';
import { rocCurve } from './rocCurve.js';
import { thresholdMetrics } from './thresholdMetrics.js';
import { aucStatistic } from './weightedAuc.js';

/** Bootstrap replicates cover the Brier, net-benefit and bootstrap-AUC intervals. */
export interface EvaluateBinaryOptions extends ReportOptions {
  /** Clinical baseline scored on the same patients, in the same order: the added-value test. */
  baselineScores?: Scores;
  /** Operating threshold fixed on the training data (e.g. the model card's Youden point). */
  threshold?: number;
  thresholdSource?: 'model-card' | 'campaign' | 'operator';
  /** Smallest group a calibration bin may hold (the campaign's egress minimum, default 5). */
  minGroupSize?: number;
  /** Decision-curve threshold grid (default 0.01 … 0.99). */
  decisionThresholds?: number[];
}

/** Largest cohort for which BCa is the default bootstrap interval. */
export const BCA_DEFAULT_MAX_PATIENTS = 5000;

function isProbability(s: Float64Array): boolean {
  for (let i = 0; i < s.length; i++) if (s[i] < 0 || s[i] > 1) return false;
  return true;
}

/**
 * Resample statistic for everything bootstrapped at once: [AUC, Brier, scaled Brier,
 * NB(model) per threshold, NB(baseline) per threshold]. The patients are sorted once; each
 * replicate is a few O(n) passes over the multiplicities.
 */
function binaryStatistic(s: Float64Array, y: Uint8Array, probabilities: boolean, thresholds: number[], baseline?: Float64Array): ResampleStatistic {
  const aucOf = aucStatistic(s, y);
  const n = s.length;
  const modelNb = probabilities ? netBenefitStatistic(s, y, thresholds) : null;
  const baselineNb = probabilities && baseline && isProbability(baseline) ? netBenefitStatistic(baseline, y, thresholds) : null;
  return (counts) => {
    const out: number[] = [aucOf(counts) as number];
    if (probabilities) {
      let brier = 0;
      let total = 0;
      let events = 0;
      for (let i = 0; i < n; i++) {
        brier += counts[i] * (s[i] - y[i]) ** 2;
        total += counts[i];
        events += counts[i] * y[i];
      }
      brier /= total;
      const prevalence = events / total;
      out.push(brier, 1 - brier / (prevalence * (1 - prevalence)));
      modelNb!(counts, out);
      baselineNb?.(counts, out);
    }
    return out;
  };
}

/**
 * Evaluates a binary-outcome model on one independent test set and returns the protocol's
 * evaluation report: AUC with DeLong and bootstrap CIs and a gridded ROC curve; threshold
 * metrics with Wilson CIs at the training-time threshold; calibration (in-the-large, slope,
 * Brier, Hosmer–Lemeshow, grouped and LOWESS curves) and decision curves when the scores are
 * probabilities; and the paired DeLong test against a clinical baseline. Pure and seeded.
 */
export function evaluateBinary(scores: Scores, labels: Labels, options: EvaluateBinaryOptions = {}): EvaluationReport {
  const level = checkLevel(options.level ?? 0.95);
  const s = toScores(scores);
  const y = toLabels(labels, s.length);
  const { cases, controls } = splitByClass(s, y, 'evaluation');
  const baseline = options.baselineScores === undefined ? undefined : toScores(options.baselineScores, 'baseline score');
  if (baseline && baseline.length !== s.length) {
    throw new InvalidParameterError('baseline scores', `${baseline.length} values`, `${s.length} values, one per patient in the same order as the model's scores`);
  }
  const n = s.length;
  const forbidden = new Set([n, cases.length, controls.length]);
  const replicates = options.bootstrapReplicates ?? 2000;
  const seed = options.seed ?? 20240601;
  // BCa's jackknife costs n extra evaluations of an O(n) statistic: beyond a few thousand
  // patients it dominates and BCa and percentile intervals coincide anyway.
  const method = options.bootstrapMethod ?? (n <= BCA_DEFAULT_MAX_PATIENTS ? 'bca' : 'percentile');
  const minGroupSize = options.minGroupSize ?? 5;
  const probabilities = isProbability(s);
  const notes: string[] = [];

  const dl = delong(s, y, level);
  if (!Number.isFinite(dl.variance)) {
    notes.push('The DeLong variance needs at least two positive and two negative patients: the AUC is reported without a CI and with variance 0, and cannot be pooled.');
  }
  const report: EvaluationReport = {
    ...reportHeader('binary', options, level, n, cases.length),
    discrimination: {
      auc: requiredInterval(dl.auc, dl.lower, dl.upper, level, 'DeLong'),
      aucVariance: Number.isFinite(dl.variance) ? dl.variance : 0,
      rocCurve: rocCurve(s, y, forbidden.has(101) ? 100 : 101),
    },
  };

  const thresholds = avoidLengths(options.decisionThresholds ?? defaultThresholdGrid(), forbidden);
  let draws: ReturnType<typeof bootstrap> | undefined;
  if (replicates > 0) {
    draws = bootstrap(n, binaryStatistic(s, y, probabilities, thresholds, baseline), { replicates, seed, level, strata: y, method });
    report.bootstrap = { replicates, seed, stratified: true, method };
    const a = draws.intervals[0];
    report.discrimination!.aucBootstrap = requiredInterval(a.estimate, a.lower, a.upper, level, `bootstrap-${method}`);
  }
  const boot = (k: number, fallback: number) => {
    const b = draws?.intervals[k];
    return b ? requiredInterval(b.estimate, b.lower, b.upper, level, `bootstrap-${method}`) : requiredInterval(fallback, undefined, undefined, level, 'point estimate');
  };

  if (options.threshold !== undefined) {
    const t = thresholdMetrics(s, y, options.threshold, level);
    const w = (p: { estimate: number; lower: number; upper: number }) => interval(p.estimate, p.lower, p.upper, level, 'Wilson');
    report.thresholdMetrics = {
      threshold: t.threshold,
      thresholdSource: options.thresholdSource ?? 'model-card',
      truePositives: t.confusion.truePositives,
      falsePositives: t.confusion.falsePositives,
      trueNegatives: t.confusion.trueNegatives,
      falseNegatives: t.confusion.falseNegatives,
      sensitivity: w(t.sensitivity),
      specificity: w(t.specificity),
      ppv: w(t.ppv),
      npv: w(t.npv),
      accuracy: w(t.accuracy)!,
    };
  } else {
    notes.push('No threshold was given (model card youdenThreshold or --threshold): sensitivity, specificity, PPV and NPV are not reported; a threshold is never chosen on test data.');
  }

  if (probabilities) {
    let groups = Math.max(3, Math.min(10, Math.floor(n / minGroupSize)));
    let c = calibration(s, y, { level, groups, minGroupSize });
    // A group list as long as a class would read as per-patient to the egress guard.
    while (forbidden.has(c.bins.length) && groups > 3) c = calibration(s, y, { level, groups: --groups, minGroupSize });
    const wald = (e: { estimate: number; lower: number; upper: number }) => requiredInterval(e.estimate, e.lower, e.upper, level, 'Wald');
    const groupRows = c.bins.map((b) => ({
      patientCount: b.patients,
      meanPredicted: b.meanPredicted,
      observed: requiredInterval(b.observed.estimate, b.observed.lower, b.observed.upper, level, 'Wilson'),
    }));
    report.calibration = {
      calibrationInTheLarge: wald(c.calibrationInTheLarge),
      ...(c.slope && c.recalibrationIntercept ? { slope: wald(c.slope), recalibrationIntercept: wald(c.recalibrationIntercept) } : {}),
      brier: boot(1, c.brier),
      scaledBrier: boot(2, c.scaledBrier),
      ...(c.hosmerLemeshow ? { hosmerLemeshow: c.hosmerLemeshow } : {}),
      groups: groupRows,
      smoothed: avoidLengths(c.smoothed, forbidden),
      excludedFromLogistic: c.excludedFromLogistic,
    };
    if (c.slopeNotEstimable) {
      notes.push(`The calibration slope and its intercept are not estimable at this site and are not reported: ${c.slopeNotEstimable}. A meta-analysis leaves this site out of the pooled slope.`.slice(0, 500));
    }
    if (!c.hosmerLemeshow) {
      notes.push(`The Hosmer–Lemeshow test needs at least 3 risk groups (χ² on g − 2 df); ${n} patients in groups of at least ${minGroupSize} make ${c.bins.length}: it is not reported.`);
    }
    const curve = decisionCurve(s, y, thresholds);
    const baselineCurve = baseline && isProbability(baseline) ? decisionCurve(baseline, y, thresholds) : undefined;
    report.decisionCurve = {
      points: curve.map((p, k) => ({
        threshold: p.threshold,
        model: boot(3 + k, p.model),
        ...(baselineCurve ? { baseline: boot(3 + thresholds.length + k, baselineCurve[k].model) } : {}),
        treatAll: p.treatAll,
        treatNone: p.treatNone,
      })),
    };
  } else {
    notes.push('Scores are not probabilities in [0, 1]: calibration and decision curves are not reported.');
  }

  if (baseline) {
    const b = delong(baseline, y, level);
    const t = rocTest(s, baseline, y, level);
    report.baselineComparison = {
      measure: 'auc',
      baseline: requiredInterval(b.auc, b.lower, b.upper, level, 'DeLong'),
      difference: requiredInterval(t.difference, t.lower, t.upper, level, 'DeLong paired'),
      statistic: t.z,
      pValue: Number.isFinite(t.pValue) ? t.pValue : 1,
      method: 'delong-paired',
    };
  }
  if (notes.length) report.notes = notes;
  return report;
}
