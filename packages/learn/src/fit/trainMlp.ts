import type { ForwardModel } from '../models/forward.js';
import { paramSize, totalParamSize } from '../models/forward.js';
import { Adam } from '../optim/adam.js';
import { SgdMomentum } from '../optim/sgd.js';
import { l1Part, ridgePart, type ElasticNet } from '../optim/penalty.js';
import type { OptimResult } from '../optim/smoothObjective.js';
import { smoothGradient } from '../optim/smoothObjective.js';
import type { Objective } from '../training/objective.js';
import { seededRandom } from './seededRandom.js';

export interface MlpOptions {
  epochs?: number;
  learningRate?: number;
  optimizer?: 'adam' | 'sgd';
  seed?: number;
}

/**
 * Glorot/Xavier uniform initialisation, U(−a, a) with a = √(6 / (fan_in + fan_out))
 * (Glorot & Bengio 2010, eq. 16), biases zero, from a seeded generator.
 */
export function initMlp(model: ForwardModel, seed: number): Float64Array {
  const rnd = seededRandom(seed);
  const theta = new Float64Array(totalParamSize(model.params));
  let offset = 0;
  for (const p of model.params) {
    const size = paramSize(p);
    if (p.penalized) {
      const a = Math.sqrt(6 / (p.shape[0] + p.shape[1]));
      for (let k = 0; k < size; k++) theta[offset + k] = (2 * rnd() - 1) * a;
    }
    offset += size;
  }
  return theta;
}

/** Full-batch training with Adam or SGD+momentum; weight decay = the ridge part of the penalty. */
export async function trainMlp(obj: Objective, model: ForwardModel, options: MlpOptions): Promise<OptimResult> {
  const penalized: boolean[] = [];
  for (const p of model.params) for (let k = 0; k < paramSize(p); k++) penalized.push(p.penalized);
  const pen: ElasticNet = { lambda: model.spec.lambda, alpha: 0, penalized };
  const theta = initMlp(model, options.seed ?? 1);
  const epochs = options.epochs ?? 300;
  const opt = options.optimizer === 'sgd' ? new SgdMomentum(options.learningRate ?? 0.05, 0.9) : new Adam(options.learningRate ?? 0.01);
  let value = NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const { value: v, gradient } = await smoothGradient(obj, pen, theta);
    value = v;
    opt.step(theta, gradient);
  }
  const e = await obj.loss(theta);
  value = e.loss / e.weightSum + ridgePart(pen, theta) + l1Part(pen, theta);
  return { theta, objective: value, iterations: epochs, converged: true, lastChange: 0, optimizer: options.optimizer ?? 'adam' };
}
