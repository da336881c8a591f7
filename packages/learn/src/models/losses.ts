import type { Graph } from '../graph/graph.js';

/**
 * Weighted binary log-loss summed over cases (and over the columns of η, see hessian graphs):
 *   L = Σᵢ wᵢ [log(1 + e^ηᵢ) − yᵢ ηᵢ]
 * the negative Bernoulli log-likelihood with logit link (McCullagh & Nelder, GLMs, §4.4).
 */
export function logisticLoss(g: Graph, eta: string, data: { label: string; weight: string }): string {
  const perCase = g.sub(g.softplusStable(eta), g.mul(data.label, eta));
  return g.reduceSumAll(g.mul(data.weight, perCase));
}

/**
 * Negative Cox partial log-likelihood with Breslow ties (Breslow 1974; R survival's
 * coxph(ties = "breslow")), for one stratum whose rows are sorted by time, descending:
 *   L = Σ_k D_k log(Σ_{j: t_j ≥ t_k} w_j e^{η_j}) − Σᵢ wᵢ δᵢ ηᵢ
 * The risk-set sums are a running sum (CumSum) down the sorted rows; D_k is the weighted
 * number of events of the tie group that ends at row k (zero elsewhere), so the tied cases all
 * share the risk set that includes the whole group. A log-sum-exp shift by max η keeps e^η finite;
 * L does not depend on the shift, so its gradient is stopped.
 */
export function coxLoss(g: Graph, eta: string, data: { weight: string; weightedEvent: string; tieEvents: string }): string {
  const shift = g.stopGradient(g.reduceMax(eta, [0]));
  const riskSum = g.cumsum(g.mul(data.weight, g.exp(g.sub(eta, shift))), 0);
  const logRisk = g.add(shift, g.log(riskSum));
  return g.reduceSumAll(g.sub(g.mul(data.tieEvents, logRisk), g.mul(data.weightedEvent, eta)));
}
