import { choleskySolve } from '../linalg.js';

export interface ElasticNetPenalty {
  /** glmnet's λ. */
  lambda: number;
  /** glmnet's α: 1 = lasso, 0 = ridge. */
  alpha: number;
}

/** Soft-thresholding operator S(z, γ) = sign(z)(|z| − γ)₊ (Friedman et al. 2010, eq. 6). */
export function softThreshold(z: number, threshold: number): number {
  if (z > threshold) return z - threshold;
  if (z < -threshold) return z + threshold;
  return 0;
}

/**
 * Minimises the penalised quadratic model of the mean loss around γ⁰ (the inner problem of
 * glmnet's IRLS loop, Friedman et al. 2010 §3):
 *   b·(γ − γ⁰) + ½ (γ − γ⁰)ᵀ A (γ − γ⁰) + λ Σ_{j≥1} [ (1−α)/2 γ_j² + α |γ_j| ]
 * with A = H/n and b = g/n. The intercept (index 0) is not penalised; coordinates listed in
 * `frozen` (constant features) stay 0. Without an L1 part the minimiser is one linear solve;
 * otherwise cyclic coordinate descent (eq. 5 of the paper) runs to `tolerance`.
 */
export function minimizePenalizedQuadratic(
  a: Float64Array,
  b: Float64Array,
  gamma0: Float64Array,
  penalty: ElasticNetPenalty,
  frozen: (j: number) => boolean,
  context: { strategy: string; round: number },
  tolerance = 1e-13,
  maxSweeps = 100_000,
): Float64Array {
  const p1 = gamma0.length;
  const l1 = penalty.lambda * penalty.alpha;
  const l2 = penalty.lambda * (1 - penalty.alpha);
  if (l1 === 0) {
    // (A + R) γ = A γ⁰ − b with R = diag(0, l2, …): the stationarity condition of the quadratic.
    const active = [...Array(p1).keys()].filter((j) => !frozen(j));
    const m = active.length;
    const lhs = new Float64Array(m * m);
    const rhs = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      const i = active[r];
      let s = -b[i];
      for (let c = 0; c < m; c++) {
        const k = active[c];
        lhs[r * m + c] = a[i * p1 + k] + (r === c && i > 0 ? l2 : 0);
        s += a[i * p1 + k] * gamma0[k];
      }
      rhs[r] = s;
    }
    const solved = choleskySolve(lhs, rhs, m, context);
    const gamma = new Float64Array(p1);
    active.forEach((j, r) => (gamma[j] = solved[r]));
    return gamma;
  }
  const gamma = Float64Array.from(gamma0);
  for (let j = 0; j < p1; j++) if (frozen(j)) gamma[j] = 0;
  // r = b + A(γ − γ⁰): gradient of the smooth quadratic part, kept current as coordinates move.
  const r = Float64Array.from(b);
  for (let j = 0; j < p1; j++) {
    const d = gamma[j] - gamma0[j];
    if (d !== 0) for (let i = 0; i < p1; i++) r[i] += a[i * p1 + j] * d;
  }
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let maxChange = 0;
    for (let j = 0; j < p1; j++) {
      if (frozen(j)) continue;
      const ajj = a[j * p1 + j];
      if (!(ajj > 0)) continue;
      const u = ajj * gamma[j] - r[j];
      const next = j === 0 ? u / ajj : softThreshold(u, l1) / (ajj + l2);
      const d = next - gamma[j];
      if (d === 0) continue;
      gamma[j] = next;
      for (let i = 0; i < p1; i++) r[i] += a[i * p1 + j] * d;
      maxChange = Math.max(maxChange, ajj * d * d);
    }
    if (maxChange < tolerance * tolerance) break;
  }
  return gamma;
}
