import type { Objective } from '../training/objective.js';
import { ridgePart, type ElasticNet } from '@fedrad/numeric';

/**
 * The smooth part of the training objective as the optimisers see it: mean loss (sum divided
 * by the total case weight, as glmnet's objective) plus the ridge part of the penalty.
 */
export async function smoothValue(obj: Objective, pen: ElasticNet, theta: Float64Array): Promise<number> {
  const e = await obj.loss(theta);
  return e.loss / e.weightSum + ridgePart(pen, theta);
}

export async function smoothGradient(obj: Objective, pen: ElasticNet, theta: Float64Array): Promise<{ value: number; gradient: Float64Array }> {
  const e = await obj.gradient(theta);
  const gradient = e.gradient!.map((g) => g / e.weightSum);
  const value = e.loss / e.weightSum + ridgePart(pen, theta, gradient);
  return { value, gradient };
}

export async function smoothHessian(obj: Objective, pen: ElasticNet, theta: Float64Array): Promise<{ value: number; gradient: Float64Array; hessian: Float64Array }> {
  if (!obj.hessian) throw new Error('this objective has no Hessian');
  const e = await obj.hessian(theta);
  const P = theta.length;
  const gradient = e.gradient!.map((g) => g / e.weightSum);
  const hessian = e.hessian!.map((h) => h / e.weightSum);
  const value = e.loss / e.weightSum + ridgePart(pen, theta, gradient);
  const c = pen.lambda * (1 - pen.alpha);
  for (let k = 0; k < P; k++) if (pen.penalized[k]) hessian[k * P + k] += c;
  return { value, gradient, hessian };
}

export interface OptimResult {
  theta: Float64Array;
  /** Final value of the full objective (mean loss + penalty). */
  objective: number;
  iterations: number;
  converged: boolean;
  lastChange: number;
  optimizer: string;
}
