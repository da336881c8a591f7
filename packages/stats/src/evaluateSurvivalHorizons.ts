import type { EvaluationReport } from '@fedrad/protocol';
import { evaluateSurvival, type EvaluateSurvivalOptions } from './evaluateSurvival.js';
import type { Scores } from './inputs.js';

type HorizonMeasures = NonNullable<NonNullable<EvaluationReport['survival']>['byHorizon']>[number];

/**
 * A survival evaluation at one horizon or several (a Cox model locked with outcome.horizonDays as
 * a list): `survivalAt[k]` is the model's S(horizonsDays[k] | x) per patient. The first horizon
 * is the primary one — evaluateSurvival's top-level horizon measures, beside the C-indices, the
 * risk groups and any baseline comparison; with more than one, `survival.byHorizon` holds the
 * time-dependent AUC, IPCW Brier score and calibration at each, in order, each exactly what
 * evaluateSurvival gives at that horizon alone (same bootstrap seed).
 */
export function evaluateSurvivalAtHorizons(
  time: Scores,
  event: ArrayLike<number | boolean>,
  risk: Scores,
  horizonsDays: readonly number[],
  survivalAt: readonly Scores[],
  options: Omit<EvaluateSurvivalOptions, 'horizon' | 'survivalAtHorizon'> = {},
): EvaluationReport {
  if (horizonsDays.length === 0) return evaluateSurvival(time, event, risk, options);
  const report = evaluateSurvival(time, event, risk, { ...options, horizon: horizonsDays[0], survivalAtHorizon: survivalAt[0] });
  if (horizonsDays.length > 1) {
    // The later horizons need only their own measures: no risk groups or baseline comparison again.
    const { riskCutoff: _cutoff, baselineRisk: _baseline, ...atHorizon } = options;
    report.survival!.byHorizon = horizonsDays.map((horizon, k) =>
      horizonMeasures(k === 0 ? report : evaluateSurvival(time, event, risk, { ...atHorizon, horizon, survivalAtHorizon: survivalAt[k] })),
    );
  }
  return report;
}

function horizonMeasures(report: EvaluationReport): HorizonMeasures {
  const s = report.survival!;
  return {
    horizon: s.horizon!,
    timeDependentAuc: s.timeDependentAuc!,
    brierScore: s.brierScore!,
    ...(s.calibrationSlope !== undefined ? { calibrationSlope: s.calibrationSlope } : {}),
    ...(s.calibrationGroups !== undefined ? { calibrationGroups: s.calibrationGroups } : {}),
  };
}
