import { choleskySolve, isNotPositiveDefinite, noPenalty, type ElasticNet } from '@fedrad/numeric';
import { NonConvergenceError, SingularHessianError } from '../errors.js';
import type { Objective } from '../training/objective.js';
import { smoothHessian, smoothValue, type OptimResult } from './smoothObjective.js';
import { halvingStep } from './stepHalving.js';

/** Runs a solve, turning numeric's NOT_POSITIVE_DEFINITE into the fit's SingularHessianError. */
export function asSingularHessian<T>(solve: () => T): T {
  try {
    return solve();
  } catch (error) {
    if (isNotPositiveDefinite(error)) throw new SingularHessianError();
    throw error;
  }
}

export interface NewtonOptions {
  maxIterations?: number;
  /** Converged when every |Δθ_k| ≤ tolerance · (1 + |θ_k|). */
  tolerance?: number;
  /** Throw NonConvergenceError instead of returning converged = false. */
  throwOnFailure?: boolean;
}

/**
 * One Newton step, Δ = −H⁻¹ g (H symmetric positive definite). Used locally and by a
 * coordinator after summing the sites' gradients and Hessians (exact federated Newton).
 */
export function newtonStep(gradient: Float64Array, hessian: Float64Array): Float64Array {
  return asSingularHessian(() => choleskySolve(hessian, gradient, gradient.length)).map((s) => -s);
}

/**
 * Newton–Raphson (IRLS for GLMs) on mean loss + ridge, with step halving when the objective
 * does not decrease (as in R survival's coxph and glm.fit). Only for ridge or no penalty.
 */
export async function minimizeNewton(obj: Objective, theta0: Float64Array, pen: ElasticNet = noPenalty(theta0.length), options: NewtonOptions = {}): Promise<OptimResult> {
  if (pen.lambda * pen.alpha > 0) throw new Error('Newton handles ridge only; use the proximal Newton optimiser for an L1 penalty');
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  let theta: Float64Array<ArrayBufferLike> = Float64Array.from(theta0);
  let lastChange = Infinity;
  let value = NaN;
  for (let it = 1; it <= maxIterations; it++) {
    const { value: v, gradient, hessian } = await smoothHessian(obj, pen, theta);
    value = v;
    const step = newtonStep(gradient, hessian);
    const accepted = await halvingStep(theta, theta.map((x, k) => x + step[k]), value, (point) => smoothValue(obj, pen, point));
    ({ theta, value } = accepted);
    lastChange = accepted.change;
    if (lastChange <= tolerance) return { theta, objective: value, iterations: it, converged: true, lastChange, optimizer: 'newton' };
  }
  if (options.throwOnFailure ?? true) throw new NonConvergenceError('Newton', maxIterations, lastChange, tolerance);
  return { theta, objective: value, iterations: maxIterations, converged: false, lastChange, optimizer: 'newton' };
}
