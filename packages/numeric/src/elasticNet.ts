/**
 * glmnet's elastic-net penalty (Friedman, Hastie & Tibshirani 2010, J Stat Softw 33(1), eq. 1):
 *   λ [ (1 − α)/2 ‖β‖²₂ + α ‖β‖₁ ]
 * applied to the penalised coordinates only (never an intercept or a bias).
 */
export interface ElasticNetPenalty {
  /** glmnet's λ. */
  lambda: number;
  /** glmnet's α: 1 = lasso, 0 = ridge. */
  alpha: number;
}

/** An elastic net over a parameter vector θ, with the coordinates it penalises. */
export interface ElasticNet extends ElasticNetPenalty {
  /** penalized[k] is true when coordinate k of θ is penalised. */
  penalized: boolean[];
}

/** The L1 weight λα and the L2 weight λ(1 − α). */
export const elasticNetWeights = (pen: ElasticNetPenalty) => ({ l1: pen.lambda * pen.alpha, l2: pen.lambda * (1 - pen.alpha) });

export const noPenalty = (size: number): ElasticNet => ({ lambda: 0, alpha: 0, penalized: new Array(size).fill(false) });

/** The smooth (ridge) part λ(1 − α)/2 ‖θ_penalised‖²: its value, and its gradient added into `gradient`. */
export function ridgePart(pen: ElasticNet, theta: ArrayLike<number>, gradient?: Float64Array): number {
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

/** The non-smooth (lasso) part λα ‖θ_penalised‖₁. */
export function l1Part(pen: ElasticNet, theta: ArrayLike<number>): number {
  const c = pen.lambda * pen.alpha;
  if (c === 0) return 0;
  let v = 0;
  for (let k = 0; k < theta.length; k++) if (pen.penalized[k]) v += c * Math.abs(theta[k]);
  return v;
}
