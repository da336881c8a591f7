/**
 * glmnet's elastic-net penalty (Friedman, Hastie & Tibshirani 2010, J Stat Softw 33(1), eq. 1):
 *   λ [ (1 − α)/2 ‖β‖²₂ + α ‖β‖₁ ]
 * applied to the penalised coordinates only (never the intercept or biases).
 */
export interface ElasticNet {
  lambda: number;
  alpha: number;
  /** penalised[k] is true when coordinate k of θ is penalised. */
  penalized: boolean[];
}

export const noPenalty = (size: number): ElasticNet => ({ lambda: 0, alpha: 0, penalized: new Array(size).fill(false) });

/** The smooth (ridge) part: value and gradient added to the mean loss. */
export function ridgePart(pen: ElasticNet, theta: Float64Array, gradient?: Float64Array): number {
  const c = pen.lambda * (1 - pen.alpha);
  if (c === 0) return 0;
  let v = 0;
  for (let k = 0; k < theta.length; k++) {
    if (!pen.penalized[k]) continue;
    v += 0.5 * c * theta[k] * theta[k];
    if (gradient) gradient[k] += c * theta[k];
  }
  return v;
}

/** The non-smooth (lasso) part λα‖β‖₁. */
export function l1Part(pen: ElasticNet, theta: Float64Array): number {
  const c = pen.lambda * pen.alpha;
  if (c === 0) return 0;
  let v = 0;
  for (let k = 0; k < theta.length; k++) if (pen.penalized[k]) v += c * Math.abs(theta[k]);
  return v;
}

/** Soft-thresholding S(z, t) = sign(z) max(|z| − t, 0), the proximal map of t|·|. */
export const softThreshold = (z: number, t: number) => (z > t ? z - t : z < -t ? z + t : 0);
