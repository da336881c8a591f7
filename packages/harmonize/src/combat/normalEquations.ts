import { choleskyFactor, choleskySubstitute, isNotPositiveDefinite } from '@fedrad/numeric';
import { HarmonizeInputError } from '../errors.js';
import { confoundedMessage } from './combatInput.js';

/**
 * A solver for A x = b with A a symmetric cross-product matrix (m × m), refusing a design that
 * is singular *relative to its scale*: A is scaled to unit diagonal (a correlation-like matrix,
 * so a covariate in years and one in 0/1 weigh alike) and a Cholesky pivot below 1e-10 means a
 * column is, to rounding, a combination of the others — a covariate confounded with the batches.
 * An absolute test would let rounding (1e-31 instead of 0) pass as information.
 */
export function normalEquationsSolver(a: ArrayLike<number>, m: number): (b: ArrayLike<number>) => Float64Array {
  const scale = Float64Array.from({ length: m }, (_, j) => Math.sqrt(a[j * m + j]));
  if (scale.some((d) => !(d > 0))) throw new HarmonizeInputError(confoundedMessage, { field: 'covariates' });
  const scaled = Float64Array.from({ length: m * m }, (_, k) => a[k] / (scale[Math.floor(k / m)] * scale[k % m]));
  let factor: Float64Array;
  try {
    factor = choleskyFactor(scaled, m);
  } catch (e) {
    if (isNotPositiveDefinite(e)) throw new HarmonizeInputError(confoundedMessage, { field: 'covariates' });
    throw e;
  }
  for (let j = 0; j < m; j++) if (factor[j * m + j] ** 2 < 1e-10) throw new HarmonizeInputError(confoundedMessage, { field: 'covariates' });
  // D S D x = b  ⇔  S (D x) = D⁻¹ b.
  return (b) => {
    const y = choleskySubstitute(factor, Float64Array.from({ length: m }, (_, j) => b[j] / scale[j]), m);
    return y.map((v, j) => v / scale[j]);
  };
}
