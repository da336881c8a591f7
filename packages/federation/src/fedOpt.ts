import { AggregationError } from './errors.js';
import { localTrainingConfig, meanUpdateOf, type FedAvgOptions } from './fedAvg.js';
import { flatten, unflatten } from './tensors.js';
import type { Json, Strategy } from './types.js';

export interface FedOptOptions extends FedAvgOptions {
  /** Server learning rate η. */
  serverLearningRate?: number;
  beta1?: number;
  beta2?: number;
  /** Adaptivity τ: floor under √v. */
  tau?: number;
}

interface Moments {
  m: number[];
  v: number[];
}

/**
 * FedAdam and FedYogi (Reddi et al. 2021, "Adaptive federated optimization", Algorithm 2):
 * the pseudo-gradient Δ = Σ_k (n_k/n)(w_k − w) drives a server optimiser:
 *   m ← β1 m + (1 − β1) Δ
 *   Adam: v ← β2 v + (1 − β2) Δ²        Yogi: v ← v − (1 − β2) Δ² sign(v − Δ²)
 *   w ← w + η m / (√v + τ)
 * with m₀ = 0 and v₀ = τ² (the paper's v₋₁ ≥ τ²), no bias correction (as in the paper).
 */
function fedOpt(kind: 'fedadam' | 'fedyogi', options: FedOptOptions): Strategy {
  const eta = options.serverLearningRate ?? 0.1;
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.99;
  const tau = options.tau ?? 1e-3;
  return {
    name: kind,
    configureRound(state, sites) {
      return localTrainingConfig(sites, state.round, options, { strategy: kind });
    },
    aggregate(state, results) {
      const { mean: g, sites, sampleCount, loss } = meanUpdateOf(state, results, kind, options);
      const w = flatten(state.parameters);
      const prior = state.server as unknown as Moments | null;
      if (prior && (prior.m.length !== w.length || prior.v.length !== w.length)) {
        throw new AggregationError('LAYOUT_MISMATCH', `Stored ${kind} moments have ${prior.m.length} entries but the model has ${w.length}`, {
          strategy: kind,
          round: state.round,
        });
      }
      const m = prior ? Float64Array.from(prior.m) : new Float64Array(w.length);
      const v = prior ? Float64Array.from(prior.v) : new Float64Array(w.length).fill(tau * tau);
      for (let i = 0; i < w.length; i++) {
        const g2 = g[i] * g[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = kind === 'fedadam' ? beta2 * v[i] + (1 - beta2) * g2 : v[i] - (1 - beta2) * g2 * Math.sign(v[i] - g2);
        w[i] = w[i] + (eta * m[i]) / (Math.sqrt(v[i]) + tau);
      }
      return {
        parameters: unflatten(state.parameters, w),
        server: { m: Array.from(m), v: Array.from(v) } as unknown as Json,
        converged: false,
        sites,
        sampleCount,
        loss,
      };
    },
  };
}

export const fedAdam = (options: FedOptOptions = {}): Strategy => fedOpt('fedadam', options);
export const fedYogi = (options: FedOptOptions = {}): Strategy => fedOpt('fedyogi', options);
