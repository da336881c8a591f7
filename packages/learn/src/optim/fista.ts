import { NonConvergenceError } from '../errors.js';
import type { Objective } from '../training/objective.js';
import { l1Part, softThreshold, type ElasticNet } from '@fedrad/numeric';
import { smoothGradient, smoothValue, type OptimResult } from './smoothObjective.js';

export interface FistaOptions {
  maxIterations?: number;
  /** Converged when the gradient mapping ‖L (θ⁺ − y)‖∞ ≤ tolerance (a KKT residual). */
  tolerance?: number;
  /** Initial Lipschitz estimate; grown by backtracking. */
  lipschitz?: number;
  throwOnFailure?: boolean;
}

/** Proximal gradient step: prox_{h/L}(y − ∇f(y)/L), soft-thresholding the penalised coordinates. */
export function proximalGradientStep(y: Float64Array, gradient: Float64Array, lipschitz: number, pen: ElasticNet): Float64Array {
  const t = (pen.lambda * pen.alpha) / lipschitz;
  return y.map((v, k) => {
    const u = v - gradient[k] / lipschitz;
    return pen.penalized[k] ? softThreshold(u, t) : u;
  });
}

/**
 * FISTA with backtracking (Beck & Teboulle 2009, SIAM J Imaging Sci 2(1):183, §4 "FISTA with
 * backtracking") and gradient-based adaptive restart (O'Donoghue & Candès 2015, Found Comput
 * Math 15:715). Needs gradients only, so it scales to p ≫ n where a P × P Hessian does not.
 */
export async function minimizeFista(obj: Objective, theta0: Float64Array, pen: ElasticNet, options: FistaOptions = {}): Promise<OptimResult> {
  const maxIterations = options.maxIterations ?? 5000;
  const tolerance = options.tolerance ?? 1e-8;
  let L = options.lipschitz ?? 1;
  let x: Float64Array<ArrayBufferLike> = Float64Array.from(theta0);
  let y: Float64Array<ArrayBufferLike> = Float64Array.from(theta0);
  let tk = 1;
  let value = (await smoothValue(obj, pen, x)) + l1Part(pen, x);
  let lastChange = Infinity;
  for (let it = 1; it <= maxIterations; it++) {
    const { value: fy, gradient } = await smoothGradient(obj, pen, y);
    let next: Float64Array<ArrayBufferLike>;
    let fNext: number;
    // Backtracking: accept L when f(x⁺) ≤ f(y) + ∇f(y)ᵀ(x⁺ − y) + L/2 ‖x⁺ − y‖².
    for (;;) {
      next = proximalGradientStep(y, gradient, L, pen);
      fNext = await smoothValue(obj, pen, next);
      let lin = 0;
      let sq = 0;
      for (let k = 0; k < next.length; k++) {
        const d = next[k] - y[k];
        lin += gradient[k] * d;
        sq += d * d;
      }
      if (fNext <= fy + lin + (L / 2) * sq + 1e-15 * Math.abs(fy)) {
        let m = 0;
        for (let k = 0; k < next.length; k++) m = Math.max(m, Math.abs(next[k] - y[k]));
        lastChange = L * m;
        break;
      }
      L *= 2;
    }
    const nextValue = fNext + l1Part(pen, next);
    // Gradient-based adaptive restart: drop the momentum when it points uphill,
    // i.e. (y − x⁺)ᵀ(x⁺ − x) > 0 (O'Donoghue & Candès 2015, §3.2).
    let uphill = 0;
    for (let k = 0; k < next.length; k++) uphill += (y[k] - next[k]) * (next[k] - x[k]);
    if (uphill > 0) tk = 1;
    const tNext = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
    const momentum = (tk - 1) / tNext;
    y = next.map((v, k) => v + momentum * (v - x[k]));
    x = next;
    tk = tNext;
    value = nextValue;
    if (lastChange <= tolerance) return { theta: x, objective: value, iterations: it, converged: true, lastChange, optimizer: 'fista' };
  }
  if (options.throwOnFailure ?? true) throw new NonConvergenceError('FISTA', maxIterations, lastChange, tolerance);
  return { theta: x, objective: value, iterations: maxIterations, converged: false, lastChange, optimizer: 'fista' };
}
