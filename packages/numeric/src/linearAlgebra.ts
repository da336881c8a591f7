import { NumericError } from './errors.js';

/**
 * Cholesky factor A = L Lᵀ of a symmetric positive definite A (row-major n × n), column by column
 * (Golub & Van Loan, Matrix Computations, 4th ed., Algorithm 4.2.1). Returns L row-major (upper
 * triangle 0). Throws NOT_POSITIVE_DEFINITE, with the failing pivot, when a pivot is not above
 * 1e-300 (a singular or indefinite matrix: separable data without a penalty, collinear features).
 */
export function choleskyFactor(a: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 1e-300)) {
      throw new NumericError('NOT_POSITIVE_DEFINITE', `The ${n}×${n} matrix is not positive definite (pivot ${j} is ${d})`, { pivot: j, size: n });
    }
    const djj = Math.sqrt(d);
    l[j * n + j] = djj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / djj;
    }
  }
  return l;
}

/** Solves L Lᵀ x = b given the Cholesky factor L: forward then back substitution. */
export function choleskySubstitute(l: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Solves A x = b for a symmetric positive definite A (row-major n × n) by Cholesky. */
export function choleskySolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  return choleskySubstitute(choleskyFactor(a, n), b, n);
}

/** ‖v‖∞ = max_k |v_k| (0 for an empty vector). */
export const maxAbs = (v: ArrayLike<number>): number => {
  let m = 0;
  for (let k = 0; k < v.length; k++) m = Math.max(m, Math.abs(v[k]));
  return m;
};
