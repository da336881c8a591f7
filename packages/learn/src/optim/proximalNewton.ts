import { NonConvergenceError } from '../errors.js';
import type { Objective } from '../training/objective.js';
import { l1Part, softThreshold, type ElasticNet } from './penalty.js';
import { smoothHessian, smoothValue, type OptimResult } from './smoothObjective.js';
import { halvingStep } from './stepHalving.js';
import type { NewtonOptions } from './newton.js';

/**
 * Minimises the quadratic model  gᵀd + ½ dᵀHd + λα‖(θ + d)_penalised‖₁  by cyclic coordinate
 * descent (Friedman et al. 2010, §2.1 and §3: glmnet's inner loop, here on the full Hessian so
 * that the model can be built from summed site Hessians). Returns z = θ + d.
 * Coordinate update: z_j ← S(H_jj z_j − (g_j + (H d)_j), λα) / H_jj.
 */
export function proximalNewtonStep(theta: Float64Array, gradient: Float64Array, hessian: Float64Array, pen: ElasticNet, tolerance = 1e-13, maxSweeps = 100000): Float64Array {
  const P = theta.length;
  const z = Float64Array.from(theta);
  const hd = new Float64Array(P); // H (z − θ)
  const t = pen.lambda * pen.alpha;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let biggest = 0;
    for (let j = 0; j < P; j++) {
      const hjj = hessian[j * P + j];
      if (!(hjj > 0)) continue;
      const u = hjj * z[j] - (gradient[j] + hd[j]);
      const zj = pen.penalized[j] ? softThreshold(u, t) / hjj : u / hjj;
      const delta = zj - z[j];
      if (delta === 0) continue;
      z[j] = zj;
      for (let k = 0; k < P; k++) hd[k] += hessian[k * P + j] * delta;
      biggest = Math.max(biggest, Math.abs(delta) * Math.sqrt(hjj));
    }
    if (biggest <= tolerance) break;
  }
  return z;
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
