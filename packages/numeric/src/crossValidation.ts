/**
 * The summary of a K-fold cross-validation curve as glmnet's cv.glmnet computes it (glmnet 4.1,
 * cvcompute and getOptcv.glmnet; Hastie, Tibshirani & Friedman 2009, ESL §7.10): per λ, the
 * fold-size-weighted mean of the folds' values and its standard error
 *   cvm = Σ_k n_k v_k / Σ_k n_k,   cvsd = √( Σ_k n_k (v_k − cvm)² / Σ_k n_k / (K − 1) ),
 * lambda.min the largest λ with the best cvm, and lambda.1se the largest λ whose cvm is within
 * one standard error (cvsd at lambda.min) of it.
 */
export interface CrossValidationCurve {
  cvm: number[];
  cvsd: number[];
  /** Index of lambda.min and of lambda.1se in the λ order given. */
  indexMin: number;
  index1se: number;
}

/**
 * `values[k][l]`: fold k's value at λ_l (a mean deviance, an AUC); `foldWeights[k]`: n_k.
 * `larger` is true when a larger value is better (AUC, C-index), as glmnet negates them.
 */
export function crossValidationCurve(values: readonly (readonly number[])[], foldWeights: readonly number[], lambdas: readonly number[], larger: boolean): CrossValidationCurve {
  const folds = values.length;
  const total = foldWeights.reduce((a, b) => a + b, 0);
  const cvm = lambdas.map((_, l) => values.reduce((a, v, k) => a + foldWeights[k] * v[l], 0) / total);
  const cvsd = lambdas.map((_, l) => Math.sqrt(values.reduce((a, v, k) => a + foldWeights[k] * (v[l] - cvm[l]) ** 2, 0) / total / (folds - 1)));
  const loss = cvm.map((v) => (larger ? -v : v));
  const best = Math.min(...loss);
  const largestLambdaWhere = (ok: (l: number) => boolean) => lambdas.reduce((at, lambda, l) => (ok(l) && (at < 0 || lambda > lambdas[at]) ? l : at), -1);
  const indexMin = largestLambdaWhere((l) => loss[l] <= best);
  const bound = loss[indexMin] + cvsd[indexMin];
  const index1se = largestLambdaWhere((l) => loss[l] <= bound);
  return { cvm, cvsd, indexMin, index1se };
}
