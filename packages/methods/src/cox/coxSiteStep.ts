import { coxLayout, type CoxRoundParams, type CoxUpdate } from '@fedrad/federation';
import { breslowCumulativeHazard, coxPartialLikelihood, coxRiskSetSums } from '@fedrad/numeric';
import type { Tensor } from '@fedrad/protocol';
import { EgressRefusedError, MethodInputError } from '../errors.js';
import type { SurvivalRows } from './survivalRows.js';
import { binCounts, binOfTimes, eventTimes } from './timeBins.js';

/** A Cox update whose tensors are plain number arrays. */
export type PlainCoxUpdate = Omit<CoxUpdate, 'tensors'> & { tensors: Tensor[] };

function checkRows(params: CoxRoundParams, rows: SurvivalRows): void {
  const p = params.features.length;
  if (rows.featureNames.length !== p || rows.featureNames.some((f, j) => f !== params.features[j])) {
    throw new MethodInputError(`The site's rows hold features ${rows.featureNames.join(', ')}; the job's model needs ${params.features.join(', ')}, in that order.`, { field: 'params/features' });
  }
  if (params.beta.length !== p) throw new MethodInputError(`The job's beta has ${params.beta.length} values; the model has ${p} features.`, { field: 'params/beta' });
}

/**
 * The site half of one federated Cox round, from the site's own rows at the job's β (original
 * feature scale); numeric's risk-set sums do the arithmetic.
 *
 * - stratified: the site is one stratum; it takes its own partial likelihood at its own distinct
 *   event times and sends −ℓ, the gradient and the Hessian (p + p² numbers), no times.
 * - pooled: risk-set sums in the job's time bins, after checking that every bin holds 0 or at
 *   least `minEventsPerTimeBin` of the site's events and of its patients leaving the risk set
 *   (otherwise the difference of two neighbouring risk sets would show a few patients' features).
 * Both send Σx and Σx² per feature for the coordinator's standardisation.
 */
export function coxSiteStep(params: CoxRoundParams, rows: SurvivalRows): PlainCoxUpdate {
  checkRows(params, rows);
  const p = params.features.length;
  const n = rows.time.length;
  const featureSum = new Array<number>(p).fill(0);
  const featureSumSq = new Array<number>(p).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) {
      const v = rows.x[i * p + j];
      featureSum[j] += v;
      featureSumSq[j] += v * v;
    }
  const eventCount = rows.event.reduce((a, e) => a + (e ? 1 : 0), 0);
  const base = { kind: 'cox-round' as const, round: params.round, sampleCount: n, eventCount };
  const layout = coxLayout(params);
  const tensor = (name: string, data: ArrayLike<number>): Tensor => ({ name, shape: [...layout[name]], data: Array.from(data) });
  const moments = [tensor('feature-sum', featureSum), tensor('feature-sumsq', featureSumSq)];
  const withEventSums = params.ties === 'efron';

  if (params.variant === 'stratified') {
    const points = eventTimes(rows.time, rows.event);
    // A shift by the site's largest η keeps every e^η ≤ 1; the stratum's −ℓ does not depend on it.
    let shift = -Infinity;
    for (let i = 0; i < n; i++) {
      let eta = 0;
      for (let j = 0; j < p; j++) eta += rows.x[i * p + j] * params.beta[j];
      shift = Math.max(shift, eta);
    }
    const sums = coxRiskSetSums(rows.x, p, binOfTimes(rows.time, points), rows.event, params.beta, points.length, { shift, withEventSums });
    const { loss, gradient, hessian } = coxPartialLikelihood(sums, params.beta, params.ties);
    const tensors = [tensor('gradient', gradient), tensor('hessian', hessian), ...moments];
    const horizons = params.horizonDays ?? [];
    if (horizons.length > 0) {
      // H0 at a horizon rests on the events before it: refused when they are fewer than the minimum cohort.
      horizons.forEach((h) => {
        const before = Array.from(rows.time).filter((t, i) => rows.event[i] && t <= h).length;
        if (before < params.minCohortSize) {
          throw new EgressRefusedError(`Only ${before} of this site's events lie at or before the horizon of ${h} days; the campaign requires at least ${params.minCohortSize} before the baseline hazard there may leave the site.`, { field: 'params/horizonDays' });
        }
      });
      tensors.push(tensor('baseline-hazard', breslowCumulativeHazard(sums, points, horizons)));
    }
    return { ...base, tensors, loss };
  }

  const edges = params.timeEdges ?? [];
  if (edges.length === 0 || edges.some((e, k) => k > 0 && !(e > edges[k - 1]))) {
    throw new MethodInputError('Pooled Cox needs ascending time-bin edges (params.timeEdges).', { field: 'params/timeEdges' });
  }
  const bins = binOfTimes(rows.time, edges);
  bins.forEach((k, i) => {
    if (k < 0 && rows.event[i]) throw new MethodInputError(`An event at time ${rows.time[i]} falls before the first time bin (${edges[0]}); the bins must start at or before the earliest event.`, { field: 'params/timeEdges' });
  });
  const minimum = params.minEventsPerTimeBin ?? params.minCohortSize;
  refuseSmallBins(binCounts(bins, rows.event, edges.length), edges, minimum);
  const s = coxRiskSetSums(rows.x, p, bins, rows.event, params.beta, edges.length, { withEventSums });
  const tensors = [tensor('risk-s0', s.riskS0), tensor('risk-s1', s.riskS1), tensor('risk-s2', s.riskS2), tensor('event-count', s.eventCount)];
  if (withEventSums) tensors.push(tensor('event-s0', s.eventS0!), tensor('event-s1', s.eventS1!), tensor('event-s2', s.eventS2!));
  tensors.push(tensor('event-x-sum', s.eventXSum), ...moments);
  return { ...base, tensors };
}

/** The egress rule for time bins: 0 or at least `minimum` events, and of patients leaving the risk set, in every bin. */
function refuseSmallBins(counts: { events: number[]; leaving: number[] }, edges: readonly number[], minimum: number): void {
  counts.events.forEach((d, k) => {
    const leaving = counts.leaving[k];
    const small = (c: number) => c > 0 && c < minimum;
    if (small(d) || small(leaving)) {
      const what = small(d) ? `${d} event(s)` : `${leaving} patient(s) leaving the risk set`;
      throw new EgressRefusedError(`The time bin starting at ${edges[k]} holds ${what} at this site; the campaign requires 0 or at least ${minimum} per bin, so no risk-set sums are sent.`, { field: 'params/timeEdges' });
    }
  });
}

/**
 * The site's answer to a binning step: 1 for each bin holding 1 … m − 1 of its events or of its
 * patients leaving the risk set, else 0 (a bit per bin, no counts).
 */
export function coxBinObjections(edges: readonly number[], minimum: number, rows: Pick<SurvivalRows, 'time' | 'event'>): number[] {
  const counts = binCounts(binOfTimes(rows.time, edges), rows.event, edges.length);
  return counts.events.map((d, k) => ((d > 0 && d < minimum) || (counts.leaving[k] > 0 && counts.leaving[k] < minimum) ? 1 : 0));
}
