import type { ModelSpec } from '@fedrad/protocol';
import type { ElasticNetPenalty } from '@fedrad/numeric';
import { StrategyConfigError } from '../errors.js';

/**
 * The elastic net a Cox model spec asks for, with learn's resolveSpec defaults (λ 0, α 0,
 * standardize true): glmnet's Cox objective −ℓ(β)/N + λ[(1 − α)/2 ‖γ‖² + α‖γ‖₁] on standardised
 * coefficients γ (Simon, Friedman, Hastie & Tibshirani 2011, J Stat Softw 39(5), §2).
 */
export function coxPenaltyOf(model: ModelSpec): ElasticNetPenalty & { standardize: boolean } {
  if (model.family !== 'cox') throw new StrategyConfigError(`Federated Cox needs model family "cox"; the protocol's is "${model.family}"`, 'model.family');
  if (model.classWeights === 'balanced') throw new StrategyConfigError('A Cox model has no classes to weight; model.classWeights "balanced" does not apply', 'model.classWeights');
  return { lambda: model.lambda ?? 0, alpha: model.alpha ?? 0, standardize: model.standardize ?? true };
}
