import type { Json, MethodResult, RoundState, SiteFailure, UpdateView } from '@fedrad/federation';
import type { CampaignProtocol, TrainRoundParams } from '@fedrad/protocol';
import { MethodConfigError, MethodInputError } from '../errors.js';
import { balancedWeights } from './classWeighting.js';
import type { TrainingMethod } from './trainingMethod.js';
import type { TrainingRows } from './trainingRows.js';

/** The pooled class counts of the training sites, summed from round 0's updates. */
export interface PooledClassCounts {
  sampleCount: number;
  positiveCount: number;
}

/** The method's state beside the strategy's: the pooled counts, once round 0 has counted them. */
interface CountingServer {
  classCounts: PooledClassCounts | null;
  strategy: Json;
}

/**
 * Balanced class weights in the strategies that train locally (the FedAvg family — fedavg, fedprox,
 * fedadam, fedyogi — and the coordinate-wise median and trimmed mean). A patient of
 * class c weighs w_c = N / (2 N_c) with N and N_c POOLED over the sites, as in the exact
 * strategies (classWeighting.ts) and glmnet's `weights`; but a site trains locally and needs the
 * weights before its first step, and only the coordinator can sum the counts. So round 0 trains
 * nothing: each site sends the global coefficients back with its sampleCount and eventCount (what
 * every round's update carries), the coordinator sums them, and every later round's job carries
 * the pooled counts and the weights they give (`balancedWeights`). The site weights its local loss
 * per patient with them (localTraining's caseWeight) after checking that they follow from the
 * counts and that the counts can hold its own patients (siteCaseWeights below). The robust
 * strategies then combine the weighted local fits by their order statistics: the local step is
 * FedAvg's, only the combination differs (a median of weighted fits, not the weighted pooled fit).
 */
export function withPooledClassCounts(inner: TrainingMethod, protocol: CampaignProtocol): TrainingMethod {
  if (protocol.training.rounds < 2) {
    throw new MethodConfigError(`balanced class weights with ${protocol.training.strategy}: round 0 counts the classes and training starts at round 1; training.rounds ${protocol.training.rounds} leaves none`, { field: 'training.rounds' });
  }
  const serverOf = (state: RoundState): CountingServer => (state.server as unknown as CountingServer | null) ?? { classCounts: null, strategy: null };
  const innerState = (state: RoundState): RoundState => ({ ...state, server: serverOf(state).strategy });
  return {
    ...inner,
    configure(state, sites) {
      const configs = inner.configure(innerState(state), sites);
      const counts = serverOf(state).classCounts;
      // Without counts (round 0, or a site's protocol check, which configures from no server) the job carries no weights.
      if (state.round === 0 || counts === null) return configs;
      const weights = balancedWeightsParam(counts);
      return Object.fromEntries(Object.entries(configs).map(([site, params]) => [site, { ...params, balancedWeights: weights }]));
    },
    aggregate(state: RoundState, results: readonly MethodResult<UpdateView>[], failures: readonly SiteFailure[]) {
      const server = serverOf(state);
      if (state.round > 0) {
        const outcome = inner.aggregate(innerState(state), results, failures);
        return { ...outcome, state: { ...outcome.state, server: { classCounts: server.classCounts, strategy: outcome.state.server } as unknown as Json } };
      }
      if (results.length === 0) throw new MethodInputError('Round 0 (class counts): no site sent an update', { field: 'results' });
      const classCounts = pooledClassCounts(results);
      const { sampleCount } = classCounts;
      const sites = results.map((r) => r.siteId).sort();
      const next: CountingServer = { classCounts, strategy: null };
      return { state: { round: 1, parameters: state.parameters, server: next as unknown as Json }, converged: false, done: false, sites, sampleCount };
    },
    egress(params) {
      const egress = inner.egress(params);
      return params.round === 0 && params.balancedWeights === undefined
        ? { ...egress, summary: "The site's patient and positive counts (for the pooled balanced class weights) and the global coefficients unchanged; nothing trained." }
        : { ...egress, summary: `${egress.summary} Trained with balanced class weights from the pooled class counts.` };
    },
  };
}

/** The pooled counts of round 0's updates (each carries its sampleCount and eventCount); both classes must be present. */
export function pooledClassCounts(results: readonly MethodResult<UpdateView>[]): PooledClassCounts {
  const sampleCount = results.reduce((a, r) => a + r.update.sampleCount, 0);
  const positiveCount = results.reduce((a, r) => a + (r.update.eventCount ?? 0), 0);
  if (positiveCount === 0 || positiveCount === sampleCount) {
    throw new MethodInputError(`Balanced class weights need both classes: the training sites hold ${positiveCount} positive patients of ${sampleCount}`, { field: 'model.classWeights' });
  }
  return { sampleCount, positiveCount };
}

/** A job's `balancedWeights`: the pooled counts and the weights N / (2 N_c) they give. */
export const balancedWeightsParam = (counts: PooledClassCounts) => ({ ...counts, ...balancedWeights(counts.sampleCount, counts.positiveCount) });

/**
 * The site half: each row's case weight for this round's local training, or 'count' for round 0
 * (nothing trained, the counts sent). Refuses a job whose weights are not N / (2 N_c) of the counts
 * it carries, or whose counts are fewer than this site's own patients of a class — weights a
 * coordinator chose to make one class dominate an update.
 */
export function siteCaseWeights(params: TrainRoundParams, rows: TrainingRows, minCohortSize = 5): Float64Array | 'count' {
  const sent = params.balancedWeights;
  if (params.round === 0) {
    if (sent !== undefined) throw new MethodInputError('Round 0 counts the classes for balanced class weights; a round-0 job carrying weights did not take them from the pooled counts.', { field: 'params/balancedWeights' });
    return 'count';
  }
  if (sent === undefined) throw new MethodInputError(`Round ${params.round} of balanced class weights must carry the pooled class counts and their weights; the job carries none.`, { field: 'params/balancedWeights' });
  const positives = rows.label.reduce((a, y) => a + y, 0);
  const negatives = rows.label.length - positives;
  // A weighted local update is dominated by its heavier class: pooled counts a coordinator inflated
  // (N huge, N_c this site's own few) would make it an aggregate of those few patients. As the exact
  // strategies' per-class sums, each class present at the site holds at least the minimum cohort.
  for (const [name, count] of [['positive', positives], ['negative', negatives]] as const) {
    if (count > 0 && count < minCohortSize) {
      throw new MethodInputError(
        `Balanced class weights: this site holds ${count} ${name} patient(s), fewer than the minimum cohort ${minCohortSize}; weighted by the pooled counts its update would be an aggregate of those few.`,
        { field: 'params/balancedWeights' },
      );
    }
  }
  const { sampleCount, positiveCount } = sent;
  if (positives > positiveCount || negatives > sampleCount - positiveCount) {
    throw new MethodInputError(
      `The job's pooled class counts (${positiveCount} positive of ${sampleCount}) are fewer than this site's own (${positives} positive, ${negatives} negative); they are not the training sites' counts.`,
      { field: 'params/balancedWeights' },
    );
  }
  const expected = balancedWeights(sampleCount, positiveCount);
  const off = (a: number, b: number) => !(Math.abs(a - b) <= 1e-12 * Math.abs(b));
  if (off(sent.negative, expected.negative) || off(sent.positive, expected.positive)) {
    throw new MethodInputError(
      `The job's class weights (negative ${sent.negative}, positive ${sent.positive}) do not follow from its pooled counts, which give N / (2 N_c) = ${expected.negative} and ${expected.positive}.`,
      { field: 'params/balancedWeights' },
    );
  }
  return Float64Array.from(rows.label, (y) => (y === 1 ? expected.positive : expected.negative));
}
