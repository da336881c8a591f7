import type { ModelSpec } from '@fedrad/protocol';
import { StrategyConfigError } from '../errors.js';
import type { ElasticNetPenalty } from './penalizedQuadratic.js';

/** The penalty a GLM model spec asks for: lasso forces α = 1, plain logistic has none. */
export function penaltyOf(model: ModelSpec): ElasticNetPenalty & { standardize: boolean } {
  const standardize = model.standardize ?? true;
  switch (model.family) {
    case 'logistic':
      return { lambda: 0, alpha: 1, standardize };
    case 'lasso-logistic':
      return { lambda: model.lambda ?? 0, alpha: 1, standardize };
    case 'elasticnet-logistic':
      return { lambda: model.lambda ?? 0, alpha: model.alpha ?? 1, standardize };
    default:
      throw new StrategyConfigError(
        `Exact aggregation needs a logistic GLM (logistic, lasso-logistic, elasticnet-logistic); the protocol's model family is "${model.family}"`,
        'model.family',
      );
  }
}
