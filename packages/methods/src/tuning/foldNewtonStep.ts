import {
  elasticNetWeights, gradientToStandardized, hessianToStandardized, minimizePenalizedQuadratic,
  toOriginal, toStandardized, type ElasticNetPenalty, type Standardization,
} from '@fedrad/numeric';

/**
 * One proximal Newton step of glmnet's objective for a logistic model from pooled sums over a
 * fold's training rows (Friedman, Hastie & Tibshirani 2010, §3; Lee, Sun & Saunders 2014): the
 * quadratic model ½ Δᵀ(H/n)Δ + (g/n)ᵀΔ plus the elastic net, on the fold's standardised scale,
 * minimised by coordinate descent. Returns the new original-scale coefficients and the largest
 * change of a standardised coefficient. The same step as federation's exact-newton strategy, here
 * per fold; the pooled sums are what makes every fold fit equal to its centralised fit.
 */
export function foldNewtonStep(
  sums: { count: number; gradient: ArrayLike<number>; hessian: ArrayLike<number> },
  coef: ArrayLike<number>,
  std: Standardization,
  penalty: ElasticNetPenalty,
): { coef: number[]; change: number } {
  const n = sums.count;
  const gamma0 = toStandardized(coef, std);
  const a = hessianToStandardized(sums.hessian, std).map((v) => v / n);
  const b = gradientToStandardized(sums.gradient, std).map((v) => v / n);
  const gamma = minimizePenalizedQuadratic({ hessian: a, gradient: b, center: gamma0, ...elasticNetWeights(penalty), penalized: (j) => j > 0 });
  let change = 0;
  for (let j = 0; j < gamma.length; j++) change = Math.max(change, Math.abs(gamma[j] - gamma0[j]));
  return { coef: Array.from(toOriginal(gamma, std)), change };
}
