import { choleskySolve } from './linearAlgebra.js';
import { softThreshold } from './proximal.js';

/**
 * A quadratic model of a smooth loss around γ⁰ plus an elastic net on some coordinates:
 *   b·(γ − γ⁰) + ½ (γ − γ⁰)ᵀ A (γ − γ⁰) + Σ_{j penalised} [ l2/2 γ_j² + l1 |γ_j| ]
 * the sub-problem of glmnet's outer (IRLS / proximal Newton) loop (Friedman, Hastie & Tibshirani
 * 2010, J Stat Softw 33(1), §2–3), built here from a full Hessian so that it can come from summed
 * site Hessians as well as from one site's graphs.
 */
export interface PenalizedQuadratic {
  /** A: row-major m × m, symmetric positive semi-definite. */
  hessian: ArrayLike<number>;
  /** b: the smooth loss's gradient at γ⁰. */
  gradient: ArrayLike<number>;
  /** γ⁰: where the model is taken (the current iterate). */
  center: ArrayLike<number>;
  /** L1 weight λα on the penalised coordinates. */
  l1: number;
  /** L2 weight λ(1 − α) on the penalised coordinates (0 when the ridge is already in A and b). */
  l2: number;
  /** Whether coordinate j carries the penalty (intercepts and biases do not). */
  penalized: (j: number) => boolean;
  /** Coordinates held at 0 (frozen constant features). */
  frozen?: (j: number) => boolean;
}

export interface CoordinateDescentOptions {
  /** Stop when a sweep moves no coordinate by more than this in the A-norm: max_j A_jj Δ_j² < tolerance². */
  tolerance?: number;
  maxSweeps?: number;
}

/**
 * The minimiser of the penalised quadratic. Without an L1 part it is one linear solve,
 * (A + R) γ = A γ⁰ − b with R = diag(l2 on penalised coordinates), over the coordinates not frozen
 * (throws NOT_POSITIVE_DEFINITE when that system is singular). Otherwise cyclic coordinate descent
 * (Friedman et al. 2010, eq. 5 and §3), with the residual gradient r = b + A(γ − γ⁰) kept current:
 *   γ_j ← S(A_jj γ_j − r_j, l1) / (A_jj + l2)   (penalised),   γ_j ← γ_j − r_j / A_jj   (not).
 * A coordinate whose A_jj is not positive does not move.
 */
export function minimizePenalizedQuadratic(q: PenalizedQuadratic, options: CoordinateDescentOptions = {}): Float64Array {
  const tolerance = options.tolerance ?? 1e-13;
  const maxSweeps = options.maxSweeps ?? 100_000;
  const { hessian: a, gradient: b, center: gamma0, l1, l2, penalized } = q;
  const frozen = q.frozen ?? (() => false);
  const m = gamma0.length;
  if (l1 === 0) {
    const active = [...Array(m).keys()].filter((j) => !frozen(j));
    const size = active.length;
    const lhs = new Float64Array(size * size);
    const rhs = new Float64Array(size);
    for (let r = 0; r < size; r++) {
      const i = active[r];
      let s = -b[i];
      for (let c = 0; c < size; c++) {
        const k = active[c];
        lhs[r * size + c] = a[i * m + k] + (r === c && penalized(i) ? l2 : 0);
        s += a[i * m + k] * gamma0[k];
      }
      rhs[r] = s;
    }
    const solved = choleskySolve(lhs, rhs, size);
    const gamma = new Float64Array(m);
    active.forEach((j, r) => (gamma[j] = solved[r]));
    return gamma;
  }
  const gamma = Float64Array.from(gamma0);
  for (let j = 0; j < m; j++) if (frozen(j)) gamma[j] = 0;
  const r = Float64Array.from(b);
  for (let j = 0; j < m; j++) {
    const d = gamma[j] - gamma0[j];
    if (d !== 0) for (let i = 0; i < m; i++) r[i] += a[i * m + j] * d;
  }
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let maxChange = 0;
    for (let j = 0; j < m; j++) {
      if (frozen(j)) continue;
      const ajj = a[j * m + j];
      if (!(ajj > 0)) continue;
      const u = ajj * gamma[j] - r[j];
      const next = penalized(j) ? softThreshold(u, l1) / (ajj + l2) : u / ajj;
      const d = next - gamma[j];
      if (d === 0) continue;
      gamma[j] = next;
      for (let i = 0; i < m; i++) r[i] += a[i * m + j] * d;
      maxChange = Math.max(maxChange, ajj * d * d);
    }
    if (maxChange < tolerance * tolerance) break;
  }
  return gamma;
}
