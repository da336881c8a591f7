import { elasticNetWeights, isNotPositiveDefinite, minimizePenalizedQuadratic as minimize, type ElasticNetPenalty } from '@fedrad/numeric';
import { AggregationError } from '../errors.js';

/**
 * glmnet's inner problem for a GLM in the wire's coefficient order γ = [intercept, γ₁ … γₚ], on
 * the standardised scale (Friedman et al. 2010 §3):
 *   b·(γ − γ⁰) + ½ (γ − γ⁰)ᵀ A (γ − γ⁰) + λ Σ_{j≥1} [ (1−α)/2 γ_j² + α |γ_j| ]
 * with A = H/n and b = g/n. The intercept (index 0) is not penalised; coordinates listed in
 * `frozen` (constant features) stay 0. Solved by @fedrad/numeric; a singular pooled Hessian
 * becomes this round's SINGULAR_HESSIAN. A model without an intercept (Cox) passes `penalized`
 * saying every coordinate is.
 */
export function minimizePenalizedQuadratic(
  a: Float64Array,
  b: Float64Array,
  gamma0: Float64Array,
  penalty: ElasticNetPenalty,
  frozen: (j: number) => boolean,
  context: { strategy: string; round: number },
  penalized: (j: number) => boolean = (j) => j > 0,
): Float64Array {
  try {
    return minimize({ hessian: a, gradient: b, center: gamma0, ...elasticNetWeights(penalty), penalized, frozen });
  } catch (error) {
    if (!isNotPositiveDefinite(error)) throw error;
    throw new AggregationError(
      'SINGULAR_HESSIAN',
      `The pooled Hessian is singular at coefficient ${error.detail.pivot} in round ${context.round}: the outcome may be perfectly separated or a feature constant; add a penalty (lambda > 0)`,
      context,
    );
  }
}
