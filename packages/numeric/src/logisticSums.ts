/**
 * Sums over a subset of rows of the logistic negative log-likelihood and its derivatives, in the
 * wire's coefficient order [intercept, β₁ … βₚ] on the raw feature scale (McCullagh & Nelder 1989,
 * §4.4, the score and information of the binomial GLM with the logit link, signed as a loss to minimise):
 *   gradient = Σᵢ wᵢ (μᵢ − yᵢ) x̃ᵢ,   Hessian = Σᵢ wᵢ μᵢ(1 − μᵢ) x̃ᵢ x̃ᵢᵀ,
 *   loss     = Σᵢ wᵢ [log(1 + e^ηᵢ) − yᵢ ηᵢ],   μᵢ = σ(ηᵢ), ηᵢ = β₀ + xᵢᵀβ, x̃ᵢ = (1, xᵢ).
 * Plain loops, for the methods that need many evaluations at many coefficient vectors (a
 * cross-validated path); training's site step evaluates the same sums with learn's ONNX graphs.
 */
export interface LogisticSums {
  gradient: Float64Array;
  /** Row-major (p + 1)². */
  hessian: Float64Array;
  loss: number;
  /** Σ wᵢ over the rows taken. */
  weight: number;
}

/** log(1 + eᶻ) without overflow. */
export const log1pExp = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** The linear predictor β₀ + xᵢᵀβ of row i of x (row-major, p columns). */
export function linearPredictor(x: ArrayLike<number>, p: number, i: number, coef: ArrayLike<number>): number {
  let eta = coef[0];
  for (let j = 0; j < p; j++) eta += coef[j + 1] * x[i * p + j];
  return eta;
}

/** The sums over the rows `take(i)` selects (all rows when absent), each with weight `weight[i]` (1 when absent). */
export function logisticSums(
  x: ArrayLike<number>,
  p: number,
  label: ArrayLike<number>,
  coef: ArrayLike<number>,
  take?: (i: number) => boolean,
  weight?: ArrayLike<number>,
): LogisticSums {
  const n = label.length;
  const p1 = p + 1;
  const gradient = new Float64Array(p1);
  const hessian = new Float64Array(p1 * p1);
  const xt = new Float64Array(p1);
  let loss = 0;
  let total = 0;
  xt[0] = 1;
  for (let i = 0; i < n; i++) {
    if (take && !take(i)) continue;
    const w = weight ? weight[i] : 1;
    const eta = linearPredictor(x, p, i, coef);
    const mu = 1 / (1 + Math.exp(-eta));
    loss += w * (log1pExp(eta) - label[i] * eta);
    total += w;
    for (let j = 0; j < p; j++) xt[j + 1] = x[i * p + j];
    const r = w * (mu - label[i]);
    const v = w * mu * (1 - mu);
    for (let a = 0; a < p1; a++) {
      gradient[a] += r * xt[a];
      const va = v * xt[a];
      for (let b = a; b < p1; b++) hessian[a * p1 + b] += va * xt[b];
    }
  }
  for (let a = 0; a < p1; a++) for (let b = 0; b < a; b++) hessian[a * p1 + b] = hessian[b * p1 + a];
  return { gradient, hessian, loss, weight: total };
}
