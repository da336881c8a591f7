import { LASSO_MAX_ITERATIONS, LASSO_PATH_LAMBDAS, type CampaignProtocol } from '@fedrad/protocol';
import { MethodConfigError } from '../errors.js';
import type { CrossValidationSettings } from '../tuning/crossValidationMethod.js';
import type { PathResult } from '../tuning/crossValidationResult.js';
import type { FeatureStatistics, SelectionStep } from './selectionSteps.js';

/**
 * The LASSO / elastic-net step, from the regularisation path fitted federated on the features kept
 * so far (crossValidationMethod with folds 'none'): at a given λ (the path holds that one λ), the
 * features with a non-zero coefficient; or, with `maxFeatures`, those of the smallest λ of the path
 * at which at most that many are non-zero (the first to enter the path).
 */
export function lassoStep(
  path: PathResult,
  features: readonly string[],
  choice: LassoChoice,
  statistics: Record<string, FeatureStatistics>,
): { kept: string[]; step: SelectionStep } {
  let at: number;
  if (choice.maxFeatures !== undefined) {
    at = path.nonzero.reduce((best, c, l) => (c <= choice.maxFeatures! ? l : best), -1);
    if (at < 0) throw new MethodConfigError(`No λ of the path keeps ${choice.maxFeatures} features or fewer.`, { field: 'lasso.maxFeatures' });
  } else {
    at = path.lambda.length - 1;
  }
  const coef = path.coefficients[at];
  const lambda = path.lambda[at];
  features.forEach((f, j) => (statistics[f].coefficient = coef[j + 1]));
  const removed = features.flatMap((f, j) => (coef[j + 1] === 0 ? [{ feature: f, reason: `coefficient 0 at λ = ${lambda.toPrecision(4)} (alpha ${choice.alpha})` }] : []));
  const kept = features.filter((_, j) => coef[j + 1] !== 0);
  return { kept, step: { step: 'lasso', settings: { alpha: choice.alpha, lambda, ...(choice.maxFeatures !== undefined ? { maxFeatures: choice.maxFeatures } : {}), standardize: true }, kept, removed } };
}

/** The LASSO step's choice: the protocol's selection.lasso or `fedrad select`'s --alpha, --lasso-lambda, --lasso-max-features. */
export interface LassoChoice {
  alpha: number;
  lambda?: number;
  maxFeatures?: number;
  /** Newton steps allowed at one λ (default LASSO_MAX_ITERATIONS): bounds the exchanges a site answers. */
  maxIterations?: number;
}

/**
 * The path the LASSO step reads, as federated cross-validation settings without folds: at the one
 * λ given, or along glmnet's grid of 100 λ from the pooled λ_max (maxFeatures), at most
 * maxIterations Newton steps at each (protocol's plannedLassoRounds counts them). The campaign's
 * selection step and `fedrad select --sites` both fit it with these settings.
 */
export function lassoPathSettings(features: string[], choice: LassoChoice, minCohortSize: number): CrossValidationSettings {
  if ((choice.lambda === undefined) === (choice.maxFeatures === undefined)) {
    throw new MethodConfigError('The LASSO step keeps the features at one λ or the first maxFeatures to enter the path: give exactly one of them.', { field: 'lasso' });
  }
  return { features, alpha: choice.alpha, ...(choice.lambda !== undefined ? { lambdas: [choice.lambda] } : { nlambda: LASSO_PATH_LAMBDAS }), folds: { scheme: 'none' }, measure: 'deviance', minCohortSize, maxIterations: choice.maxIterations ?? LASSO_MAX_ITERATIONS };
}

/** The protocol's selection.lasso as the LASSO step's choice (α defaults to 1, the lasso); undefined without one. */
export function protocolLassoChoice(protocol: CampaignProtocol): LassoChoice | undefined {
  const l = protocol.selection?.lasso;
  if (!l) return undefined;
  return { alpha: l.alpha ?? 1, ...(l.lambda !== undefined ? { lambda: l.lambda } : {}), ...(l.maxFeatures !== undefined ? { maxFeatures: l.maxFeatures } : {}), ...(l.maxIterations !== undefined ? { maxIterations: l.maxIterations } : {}) };
}

/**
 * The LASSO path a campaign's selection step fits on `features` (lassoPathSettings from the
 * protocol's selection.lasso): the coordinator runs its exchanges with crossValidationMethod of
 * these settings, and a site recomputes each step of the path with the same pure aggregate when
 * it checks the coefficients an exchange asks at (apps/site-node's exchangeTrajectory.ts).
 */
export function protocolLassoSettings(protocol: CampaignProtocol, features: string[]): CrossValidationSettings {
  const choice = protocolLassoChoice(protocol);
  if (!choice) throw new MethodConfigError('The protocol has no selection.lasso step.', { field: 'selection.lasso' });
  return lassoPathSettings(features, choice, protocol.minCohortSize);
}
