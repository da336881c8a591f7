import type { ModelSpec } from '@fedrad/protocol';
import { StrategyConfigError } from '../errors.js';
import type { ElasticNetPenalty } from '@fedrad/numeric';

/**
 * The penalty a GLM model spec asks for, with the same defaults as the learning engine's
 * resolveSpec (so a federated fit and `fedrad train` on pooled data solve the same problem):
 * logistic α 0, λ 0; lasso α 1, λ 0.01; elastic net α 0.5, λ 0.01; standardize true.
 */
export function penaltyOf(model: ModelSpec): ElasticNetPenalty & { standardize: boolean } {
  const standardize = model.standardize ?? true;
  if (model.classWeights === 'balanced') {
    throw new StrategyConfigError(
      'Exact aggregation sums unweighted site statistics; balanced class weights depend on the pooled class counts and are not supported with it',
      'model.classWeights',
    );
  }
  switch (model.family) {
    case 'logistic':
      return { lambda: model.lambda ?? 0, alpha: model.alpha ?? 0, standardize };
    case 'lasso-logistic':
      return { lambda: model.lambda ?? 0.01, alpha: 1, standardize };
    case 'elasticnet-logistic':
      return { lambda: model.lambda ?? 0.01, alpha: model.alpha ?? 0.5, standardize };
    default:
      throw new StrategyConfigError(
        `Exact aggregation needs a logistic GLM (logistic, lasso-logistic, elasticnet-logistic); the protocol's model family is "${model.family}"`,
        'model.family',
      );
  }
}
