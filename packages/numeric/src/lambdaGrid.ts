/**
 * glmnet's λ sequence (Friedman, Hastie & Tibshirani 2010, J Stat Softw 33(1), §2.5; glmnet 4.1's
 * lognet Fortran): λ_max is the smallest λ at which every penalised coefficient is 0,
 *   λ_max = max_j |Σᵢ wᵢ (yᵢ − ȳ) x̃ᵢⱼ| / (Σᵢ wᵢ · max(α, 10⁻³)),
 * with x̃ the standardised features and ȳ the weighted mean outcome (the intercept-only fit; glmnet
 * floors α at 10⁻³ so that a ridge path still has a finite start), and the grid runs log-spaced
 * from λ_max down to λ_max · ratio in `count` values.
 */
export function lambdaMax(innerProducts: ArrayLike<number>, totalWeight: number, alpha: number): number {
  let max = 0;
  for (let j = 0; j < innerProducts.length; j++) max = Math.max(max, Math.abs(innerProducts[j]));
  return max / (totalWeight * Math.max(alpha, 1e-3));
}

/** λ_max · ratio^(k/(count − 1)), k = 0 … count − 1 (glmnet's alf = ratio^(1/(nlambda − 1))). */
export function lambdaGrid(max: number, count: number, ratio: number): number[] {
  if (count === 1) return [max];
  return Array.from({ length: count }, (_, k) => max * Math.pow(ratio, k / (count - 1)));
}
