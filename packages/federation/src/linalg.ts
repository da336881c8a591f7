import { AggregationError } from './errors.js';

/**
 * Solves A x = b for a symmetric positive definite A (row-major n×n) by Cholesky
 * (Golub & Van Loan, Matrix Computations, 4th ed., Algorithm 4.2.1). Throws SINGULAR_HESSIAN when A
 * is not numerically positive definite (e.g. separable data with no penalty).
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number, context: { strategy: string; round: number }): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 1e-300)) {
      throw new AggregationError(
        'SINGULAR_HESSIAN',
        `The pooled Hessian is singular at coefficient ${j} in round ${context.round}: the outcome may be perfectly separated or a feature constant; add a penalty (lambda > 0)`,
        context,
      );
    }
    const djj = Math.sqrt(d);
    l[j * n + j] = djj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / djj;
    }
  }
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
