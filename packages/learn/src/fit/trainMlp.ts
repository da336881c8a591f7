import { maxAbs, mulberry32, type ElasticNet } from '@fedrad/numeric';
import type { ForwardModel } from '../models/forward.js';
import { paramSize, totalParamSize } from '../models/forward.js';
import { Adam } from '../optim/adam.js';
import { SgdMomentum } from '../optim/sgd.js';
import type { OptimResult } from '../optim/smoothObjective.js';
import { smoothGradient } from '../optim/smoothObjective.js';
import type { Objective } from '../training/objective.js';

export interface MlpOptions {
  epochs?: number;
  learningRate?: number;
  optimizer?: 'adam' | 'sgd';
  seed?: number;
}

/** The MLP settings a fit actually uses, defaults filled in (the model card records these). */
export function resolveMlpOptions(o: MlpOptions): Required<MlpOptions> {
  const optimizer = o.optimizer ?? 'adam';
  return { epochs: o.epochs ?? 300, learningRate: o.learningRate ?? (optimizer === 'sgd' ? 0.05 : 0.01), optimizer, seed: o.seed ?? 1 };
}

/**
 * Glorot/Xavier uniform initialisation, U(−a, a) with a = √(6 / (fan_in + fan_out))
 * (Glorot & Bengio 2010, eq. 16), biases zero, from a seeded generator.
 */
export function initMlp(model: ForwardModel, seed: number): Float64Array {
  const rnd = mulberry32(seed);
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

/**
 * Full-batch training with Adam or SGD+momentum for a fixed number of epochs; weight decay = the
 * ridge part of the penalty. An epoch budget is not a convergence criterion, so the result
 * reports the max-norm of the objective's gradient at the final parameters as `lastChange`, and
 * `converged` only when that is within `tolerance` (a stationary point).
 */
export async function trainMlp(obj: Objective, model: ForwardModel, options: MlpOptions & { tolerance?: number }): Promise<OptimResult> {
  const penalized: boolean[] = [];
  for (const p of model.params) for (let k = 0; k < paramSize(p); k++) penalized.push(p.penalized);
  const pen: ElasticNet = { lambda: model.spec.lambda, alpha: 0, penalized };
  const { epochs, learningRate, optimizer, seed } = resolveMlpOptions(options);
  const theta = initMlp(model, seed);
  const tolerance = options.tolerance ?? 1e-6;
  const opt = optimizer === 'sgd' ? new SgdMomentum(learningRate, 0.9) : new Adam(learningRate);
  for (let epoch = 0; epoch < epochs; epoch++) opt.step(theta, (await smoothGradient(obj, pen, theta)).gradient);
  // alpha = 0: the whole penalty is the ridge part inside the smooth objective.
  const final = await smoothGradient(obj, pen, theta);
  const lastChange = maxAbs(final.gradient);
  return { theta, objective: final.value, iterations: epochs, converged: lastChange <= tolerance, lastChange, optimizer };
}

export interface MlpLocalSteps {
  epochs: number;
  /** Adam's step α (Kingma & Ba 2015); the optimiser starts afresh at each call (each federated round). */
  learningRate: number;
  /** FedProx's μ (Li et al. 2020, eq. 2): adds (μ/2)‖θ − θ_global‖² to the local objective; 0 for none. */
  proximalMu?: number;
}

/**
 * A site's local training in a federated round: `epochs` full-batch Adam steps from `theta` (the
 * global parameters, standardised-feature scale) on the mean log-loss plus the ridge part of the
 * penalty, and for FedProx the proximal term, whose gradient is μ(θ − θ_global) (Li et al. 2020,
 * "Federated optimization in heterogeneous networks", eq. 2). Returns the new parameters; `theta`
 * is left as it is.
 */
export async function mlpLocalSteps(obj: Objective, model: ForwardModel, theta: Float64Array, o: MlpLocalSteps): Promise<Float64Array> {
  const penalized: boolean[] = [];
  for (const p of model.params) for (let k = 0; k < paramSize(p); k++) penalized.push(p.penalized);
  const pen: ElasticNet = { lambda: model.spec.lambda, alpha: 0, penalized };
  const out = Float64Array.from(theta);
  const opt = new Adam(o.learningRate);
  const mu = o.proximalMu ?? 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const { gradient } = await smoothGradient(obj, pen, out);
    if (mu > 0) for (let k = 0; k < out.length; k++) gradient[k] += mu * (out[k] - theta[k]);
    opt.step(out, gradient);
  }
  return out;
}
