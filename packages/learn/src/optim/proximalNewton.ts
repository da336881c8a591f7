import { l1Part, minimizePenalizedQuadratic, type ElasticNet } from '@fedrad/numeric';
import { NonConvergenceError } from '../errors.js';
import type { Objective } from '../training/objective.js';
import { smoothHessian, smoothValue, type OptimResult } from './smoothObjective.js';
import { halvingStep } from './stepHalving.js';
import { asSingularHessian, type NewtonOptions } from './newton.js';

/**
 * Minimises the quadratic model  gᵀd + ½ dᵀHd + λα‖(θ + d)_penalised‖₁  (the ridge part is already
 * in g and H): glmnet's inner problem (Friedman et al. 2010, §2.1 and §3), here on the full
 * Hessian so that the model can be built from summed site Hessians. Returns z = θ + d.
 */
export function proximalNewtonStep(theta: Float64Array, gradient: Float64Array, hessian: Float64Array, pen: ElasticNet, tolerance = 1e-13, maxSweeps = 100000): Float64Array {
  const quadratic = { hessian, gradient, center: theta, l1: pen.lambda * pen.alpha, l2: 0, penalized: (j: number) => pen.penalized[j] };
  return asSingularHessian(() => minimizePenalizedQuadratic(quadratic, { tolerance, maxSweeps }));
}

/**
 * Proximal Newton for elastic-net penalised GLMs: quadratic model from the Hessian graph,
 * solved by coordinate descent, then a backtracking line search on the full objective.
 */
export async function minimizeProximalNewton(obj: Objective, theta0: Float64Array, pen: ElasticNet, options: NewtonOptions = {}): Promise<OptimResult> {
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  let theta: Float64Array<ArrayBufferLike> = Float64Array.from(theta0);
  let lastChange = Infinity;
  let value = NaN;
  for (let it = 1; it <= maxIterations; it++) {
    const q = await smoothHessian(obj, pen, theta);
    value = q.value + l1Part(pen, theta);
    const z = proximalNewtonStep(theta, q.gradient, q.hessian, pen);
    const accepted = await halvingStep(theta, z, value, async (point) => (await smoothValue(obj, pen, point)) + l1Part(pen, point));
    ({ theta, value } = accepted);
    lastChange = accepted.change;
    if (lastChange <= tolerance) return { theta, objective: value, iterations: it, converged: true, lastChange, optimizer: 'proximal-newton' };
  }
  if (options.throwOnFailure ?? true) throw new NonConvergenceError('proximal Newton', maxIterations, lastChange, tolerance);
  return { theta, objective: value, iterations: maxIterations, converged: false, lastChange, optimizer: 'proximal-newton' };
}
