import { pooledStandardization, type ElasticNetPenalty } from '@fedrad/numeric';
import { minimizePenalizedQuadratic } from '../glm/penalizedQuadratic.js';
import type { CoxState } from './coxRound.js';

/** The pooled partial likelihood at the state's β, and the pooled feature moments (for glmnet's standardisation). */
export interface CoxPooledDerivatives {
  sampleCount: number;
  /** −ℓ(β), summed over sites (stratified) or taken from the pooled risk sets (pooled). */
  loss: number;
  gradient: Float64Array;
  hessian: Float64Array;
  featureSum: Float64Array;
  featureSumSq: Float64Array;
}

const MAX_HALVINGS = 40;

/**
 * One round of the coordinator's Newton iteration for a Cox model: exact, since the derivatives
 * are the pooled ones. On glmnet's standardised scale γ_j = β_j s_j the penalised objective is
 *   F(γ) = −ℓ/N + λ[(1 − α)/2 ‖γ‖² + α ‖γ‖₁]
 * and the step minimises its quadratic model (a Newton step without L1, proximal Newton with it;
 * Friedman, Hastie & Tibshirani 2010 §3; Simon et al. 2011 §2.2; Lee, Sun & Saunders 2014). As
 * coxph does (Therneau & Grambsch 2000 §3.5), a point whose objective is worse than the last
 * accepted one is not used: the next round evaluates the midpoint between the two instead.
 */
export function coxNewtonStep(
  state: CoxState,
  sums: CoxPooledDerivatives,
  penalty: ElasticNetPenalty & { standardize: boolean },
  options: { tolerance: number; strategy: string },
): { state: CoxState; converged: boolean } {
  const p = state.beta.length;
  const n = sums.sampleCount;
  const std = pooledStandardization(n, sums.featureSum, sums.featureSumSq, penalty.standardize);
  const frozen = (j: number) => std.scale[j] === 0;
  const gamma0 = Float64Array.from(state.beta, (b, j) => (frozen(j) ? 0 : b * std.scale[j]));
  let objective = sums.loss / n;
  for (let j = 0; j < p; j++) objective += penalty.lambda * ((1 - penalty.alpha) / 2 * gamma0[j] ** 2 + penalty.alpha * Math.abs(gamma0[j]));
  const accepted = state.accepted;
  if (accepted && !(objective <= accepted.objective + 1e-15 * Math.abs(accepted.objective))) {
    if (state.halvings >= MAX_HALVINGS) return { state: { ...state, round: state.round + 1, beta: accepted.beta }, converged: true };
    const beta = state.beta.map((b, j) => (b + accepted.beta[j]) / 2);
    return { state: { ...state, round: state.round + 1, beta, halvings: state.halvings + 1 }, converged: false };
  }
  // Derivatives on the standardised scale: ∂/∂γ_j = (∂/∂β_j) / s_j, ∂²/∂γ_j∂γ_k = H_jk / (s_j s_k).
  const inv = std.scale.map((s) => (s === 0 ? 0 : 1 / s));
  const b = Float64Array.from(sums.gradient, (g, j) => (g * inv[j]) / n);
  const a = Float64Array.from(sums.hessian, (h, idx) => (h * inv[Math.floor(idx / p)] * inv[idx % p]) / n);
  const gamma = minimizePenalizedQuadratic(a, b, gamma0, penalty, frozen, { strategy: options.strategy, round: state.round }, () => true);
  let change = 0;
  for (let j = 0; j < p; j++) change = Math.max(change, Math.abs(gamma[j] - gamma0[j]));
  const beta = Array.from(gamma, (g, j) => (frozen(j) ? 0 : g * inv[j]));
  return {
    state: { round: state.round + 1, beta, accepted: { beta: [...state.beta], objective }, halvings: 0, lastChange: change },
    converged: change < options.tolerance,
  };
}
