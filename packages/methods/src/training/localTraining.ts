import { applyStandardization, standardization } from '@fedrad/learn';
import { softThreshold } from '@fedrad/numeric';
import { glmObjective } from './glmObjective.js';
import type { TrainingRows } from './trainingRows.js';

export interface LocalTrainingOptions {
  epochs: number;
  learningRate: number;
  /** FedProx's μ; 0 for plain local training. */
  proximalMu: number;
  /** glmnet's λ and α of the model's elastic net. */
  lambda: number;
  alpha: number;
  /**
   * Balanced class weights (pooledClassWeights.ts): each row's case weight, from the POOLED class
   * counts. The local gradient is still divided by the site's row count, so one local step
   * averaged by FedAvg's sample weights is a step on the pooled (1/N) Σ wᵢ ℓᵢ — glmnet's weighted
   * objective, whose weights sum to N.
   */
  caseWeight?: Float64Array;
}

/**
 * The site half of fedavg, fedprox, fedadam, fedyogi, median and trimmed-mean: `epochs` full-batch
 * proximal-gradient steps on glmnet's objective (mean log-loss + elastic net, plus for FedProx
 * (μ/2)‖w − w_global‖² on the original-scale parameters) on locally standardised features, from and
 * back to the original-scale coefficients `coef` = [intercept, β₁ … βₚ].
 */
export async function localTraining(rows: TrainingRows, coef: readonly number[], o: LocalTrainingOptions): Promise<{ coef: number[]; loss: number }> {
  const n = rows.label.length;
  const p = rows.featureNames.length;
  // Local standardisation is only a reparametrisation for the optimiser's sake: the
  // coefficients go in and come out on the original scale.
  const s = standardization(rows.x, n, p, new Float64Array(n).fill(1), [...rows.featureNames]);
  const xs = applyStandardization(rows.x, n, p, s);
  const objective = await glmObjective(xs, n, p, rows.label, o.caseWeight);
  try {
    // θ* on the standardised scale, intercept first: b* = b + Σ βⱼ mⱼ, β*ⱼ = βⱼ sⱼ.
    const theta = new Float64Array(p + 1);
    theta[0] = coef[0] + coef.slice(1).reduce((a, b, j) => a + b * s.mean[j], 0);
    for (let j = 0; j < p; j++) theta[j + 1] = coef[j + 1] * s.scale[j];
    const ridge = o.lambda * (1 - o.alpha);
    const l1 = o.lambda * o.alpha;
    for (let e = 0; e < o.epochs; e++) {
      const ev = await objective.gradient(theta);
      const prox = o.proximalMu > 0 ? proximalGradient(theta, coef, s, o.proximalMu) : undefined;
      for (let k = 0; k <= p; k++) {
        let g = ev.gradient[k] / n + (prox ? prox[k] : 0);
        if (k > 0) g += ridge * theta[k];
        theta[k] -= o.learningRate * g;
        // Proximal step of the lasso part (never on the intercept), as in glmnet's objective.
        if (k > 0 && l1 > 0) theta[k] = softThreshold(theta[k], o.learningRate * l1);
      }
    }
    const loss = await objective.loss(theta);
    const out = new Array<number>(p + 1);
    let intercept = theta[0];
    for (let j = 0; j < p; j++) {
      out[j + 1] = theta[j + 1] / s.scale[j];
      intercept -= out[j + 1] * s.mean[j];
    }
    out[0] = intercept;
    return { coef: out, loss };
  } finally {
    await objective.release();
  }
}

/**
 * Gradient, with respect to the standardised parameters θ* = (b*, β*), of FedProx's proximal
 * term (μ/2)‖w − w_global‖² taken on the ORIGINAL-scale parameters w = (b, β) as the wire
 * carries them (Li et al. 2020, FedProx; SITE_CHANNEL.md §6). With βⱼ = β*ⱼ/sⱼ and
 * b = b* − Σ β*ⱼ mⱼ/sⱼ: ∂/∂b* = μ(b − b_g), ∂/∂β*ⱼ = μ(βⱼ − βⱼ_g)/sⱼ − μ(b − b_g) mⱼ/sⱼ.
 */
function proximalGradient(theta: Float64Array, global: readonly number[], s: { mean: number[]; scale: number[] }, mu: number): Float64Array {
  const p = theta.length - 1;
  let b = theta[0];
  const beta = new Array<number>(p);
  for (let j = 0; j < p; j++) {
    beta[j] = theta[j + 1] / s.scale[j];
    b -= beta[j] * s.mean[j];
  }
  const db = mu * (b - global[0]);
  const out = new Float64Array(p + 1);
  out[0] = db;
  for (let j = 0; j < p; j++) out[j + 1] = (mu * (beta[j] - global[j + 1]) - db * s.mean[j]) / s.scale[j];
  return out;
}
