import { addCoxRiskSetSums, breslowCumulativeHazard, coxPartialLikelihood, type CoxRiskSetSums } from '@fedrad/numeric';
import type { TensorLayout } from '@fedrad/protocol';
import { AggregationError } from '../errors.js';
import { sortedBySite } from '../tensors.js';
import { coxLayout, type CoxRoundParams, type CoxUpdate } from './coxRound.js';
import type { CoxPooledDerivatives } from './coxNewtonStep.js';

type Tensors = Map<string, Float64Array>;

/** What the aggregation reads of a site's answer: a CoxUpdate, or a campaign's model-update carrying the same tensors. */
export interface CoxResult {
  siteId: string;
  update: Pick<CoxUpdate, 'sampleCount' | 'tensors' | 'loss'> & { eventCount?: number };
}

/** A site's tensors, held to the layout: every name present with its size, nothing else. */
function readTensors(result: CoxResult, layout: TensorLayout, strategy: string, round: number): Tensors {
  const out: Tensors = new Map();
  const names = new Set(Object.keys(layout));
  for (const t of result.update.tensors) {
    if (!names.has(t.name)) {
      throw new AggregationError('WRONG_CONTENTS', `Site ${result.siteId} sent a tensor "${t.name}" that a ${strategy} update does not hold`, { strategy, siteId: result.siteId, round, tensor: t.name });
    }
    const size = layout[t.name].reduce((a, d) => a * d, 1);
    if (t.data.length !== size) {
      throw new AggregationError('LAYOUT_MISMATCH', `Site ${result.siteId} sent "${t.name}" with ${t.data.length} values; the round needs ${size}`, { strategy, siteId: result.siteId, round, tensor: t.name });
    }
    out.set(t.name, Float64Array.from(t.data));
  }
  for (const name of names) {
    if (!out.has(name)) throw new AggregationError('WRONG_CONTENTS', `Site ${result.siteId} sent no "${name}" tensor; ${strategy} needs it`, { strategy, siteId: result.siteId, round, tensor: name });
  }
  return out;
}

const sum = (into: Float64Array, from: Float64Array) => from.forEach((v, i) => (into[i] += v));

/**
 * The pooled derivatives of one Cox round from the sites' updates, in site-id order.
 * Stratified: the partial likelihood is a sum over strata, so the sites' gradients, Hessians and
 * losses add up to the pooled ones. Pooled: the sites' risk-set sums add up to the pooled risk
 * sets, from which numeric's coxPartialLikelihood takes −ℓ and its derivatives, and, with
 * horizons, Breslow's baseline cumulative hazard.
 */
export function coxPooledDerivatives(
  params: CoxRoundParams,
  results: readonly CoxResult[],
  strategy: string,
): CoxPooledDerivatives & { sites: string[]; eventCount: number; baselineHazard?: number[] } {
  const round = params.round;
  if (results.length === 0) throw new AggregationError('NO_RESULTS', `No site returned an update in round ${round}; nothing to aggregate`, { strategy, round });
  const layout = coxLayout(params);
  const p = params.features.length;
  const sites: string[] = [];
  let sampleCount = 0;
  let eventCount = 0;
  const featureSum = new Float64Array(p);
  const featureSumSq = new Float64Array(p);
  const perSite: Tensors[] = [];
  for (const r of sortedBySite(results)) {
    const t = readTensors(r, layout, strategy, round);
    perSite.push(t);
    sum(featureSum, t.get('feature-sum')!);
    sum(featureSumSq, t.get('feature-sumsq')!);
    sampleCount += r.update.sampleCount;
    eventCount += r.update.eventCount ?? 0;
    sites.push(r.siteId);
  }
  const common = { sampleCount, eventCount, featureSum, featureSumSq, sites };
  if (params.variant === 'stratified') {
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    let loss = 0;
    sortedBySite(results).forEach((r, i) => {
      if (typeof r.update.loss !== 'number') throw new AggregationError('WRONG_CONTENTS', `Site ${r.siteId} sent no loss; stratified Cox needs it for step halving`, { strategy, siteId: r.siteId, round });
      loss += r.update.loss;
      sum(gradient, perSite[i].get('gradient')!);
      sum(hessian, perSite[i].get('hessian')!);
    });
    // The locked model's baseline: the sites' Breslow H0 at each horizon, weighted by their patient counts.
    const horizons = params.horizonDays?.length ?? 0;
    let baselineHazard: number[] | undefined;
    if (horizons > 0) {
      baselineHazard = new Array<number>(horizons).fill(0);
      sortedBySite(results).forEach((r, i) => perSite[i].get('baseline-hazard')!.forEach((h, k) => (baselineHazard![k] += (h * r.update.sampleCount) / sampleCount)));
    }
    return { ...common, loss, gradient, hessian, ...(baselineHazard ? { baselineHazard } : {}) };
  }
  const riskSets: CoxRiskSetSums[] = perSite.map((t) => ({
    p,
    shift: 0,
    riskS0: t.get('risk-s0')!,
    riskS1: t.get('risk-s1')!,
    riskS2: t.get('risk-s2')!,
    eventCount: t.get('event-count')!,
    eventS0: t.get('event-s0'),
    eventS1: t.get('event-s1'),
    eventS2: t.get('event-s2'),
    eventXSum: t.get('event-x-sum')!,
  }));
  const pooled = addCoxRiskSetSums(riskSets);
  const { loss, gradient, hessian } = coxPartialLikelihood(pooled, params.beta, params.ties);
  // The one baseline hazard: Breslow's estimator on the pooled risk sets, each bin's events at its lower edge.
  const horizons = params.horizonDays ?? [];
  const baselineHazard = horizons.length > 0 ? breslowCumulativeHazard(pooled, params.timeEdges ?? [], horizons) : undefined;
  return { ...common, loss, gradient, hessian, ...(baselineHazard ? { baselineHazard } : {}) };
}
