import {
  initialGlmParameters,
  StrategyConfigError,
  strategyForProtocol,
  type FederatedMethod,
  type MethodOutcome,
  type MethodResult,
  type RoundState,
  type SiteFailure,
  type Strategy,
  type UpdateView,
} from '@fedrad/federation';
import { outcomeHorizons, updateLayout, type CampaignProtocol, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { MethodConfigError } from '../errors.js';
import { classWeightedResults } from './classWeighting.js';
import { unusedTrainingSettings } from './unusedSettings.js';
import { withPooledClassCounts } from './pooledClassWeights.js';
import { mlpTrainingMethod } from '../mlp/mlpMethod.js';
import { trainingSiteStep, type PlainModelUpdate } from './trainingSiteStep.js';
import { aggregatedProtocol } from '../secureAggregation/secureSums.js';
import type { TrainingRows } from './trainingRows.js';

/**
 * Federated training of the protocol's model with the protocol's strategy: the site half is
 * trainingSiteStep (the learning engine's ONNX graphs), the coordinator half the federation
 * strategy (FedAvg, FedProx, FedAdam/Yogi, median, trimmed mean, exact Newton, exact gradient).
 * The mlp family is mlpTrainingMethod (its standardisation round and early stopping).
 * State is the round about to run: its index, the global parameters and the strategy's own state.
 */
export interface TrainingMethod extends FederatedMethod<RoundState, TrainRoundParams, UpdateView, TrainingRows> {
  readonly strategy: Strategy;
  siteStep(params: TrainRoundParams, rows: TrainingRows): Promise<PlainModelUpdate>;
}

/**
 * The training method a campaign protocol asks for (replaces strategyForProtocol +
 * initialGlmParameters for callers). Throws MethodConfigError naming the protocol field when the
 * protocol asks for something not implemented (no features, an MLP with an exact strategy) or a setting its
 * strategy would not use (unusedSettings.ts; balanced class weights are carried out by the exact
 * strategies, classWeighting.ts, and by the strategies that train locally after a counting round, pooledClassWeights.ts).
 */
export function trainingMethod(protocol: CampaignProtocol): TrainingMethod {
  const unused = unusedTrainingSettings(protocol);
  if (unused.length > 0) throw new MethodConfigError(unused.map((u) => `${u.field}: ${u.reason}`).join('; '), { field: unused[0].field });
  const cox = protocol.model.family === 'cox';
  if (cox !== (protocol.outcome.type === 'survival')) {
    throw new MethodConfigError(`outcome: a ${protocol.model.family} model needs ${cox ? 'a survival' : 'a binary'} outcome; the protocol's outcome is ${protocol.outcome.type}`, { field: 'outcome' });
  }
  if (protocol.model.family === 'mlp') return mlpTrainingMethod(protocol);
  let strategy: Strategy;
  let initialParameters: Tensor[];
  try {
    // Balanced class weights are applied to the sites' sums before the strategy sees them
    // (classWeighting.ts), so the strategy aggregates weighted sums as it does plain ones.
    strategy = strategyForProtocol(aggregatedProtocol(protocol.model.classWeights === 'balanced' ? { ...protocol, model: { ...protocol.model, classWeights: 'none' } } : protocol));
    initialParameters = initialGlmParameters(protocol);
  } catch (e) {
    if (e instanceof StrategyConfigError) throw new MethodConfigError(e.message, { field: e.field }, { cause: e });
    throw e;
  }
  const features = protocol.features ?? [];
  const rounds = protocol.training.rounds;
  // Cox: the sites add their baseline hazard at each of the protocol's horizons (SITE_CHANNEL.md §6, the cox row).
  const horizons = outcomeHorizons(protocol.outcome);
  const horizonDays = horizons.length > 0 ? horizons : undefined;
  // Pooled Cox: the sites send risk-set sums in the protocol's bins and the coordinator takes H0 from their sum.
  const pooledCox = cox && protocol.model.strata === 'none';
  const exact = strategy.name === 'exact-newton' || strategy.name === 'exact-gradient';
  const method: TrainingMethod = {
    name: `train-round/${strategy.name}`,
    strategy,
    initialState: () => ({ round: 0, parameters: initialParameters, server: null }),
    configure(state, sites) {
      const configs = strategy.configureRound(state, sites);
      const out: Record<string, TrainRoundParams> = {};
      for (const siteId of sites) {
        out[siteId] = { kind: 'train-round', round: state.round, model: protocol.model, features, globalParameters: state.parameters, ...configs[siteId], ...(cox && horizonDays && !pooledCox ? { horizonDays } : {}) };
      }
      return out;
    },
    siteStep: (params, rows) => trainingSiteStep(params, rows, { minCohortSize: protocol.minCohortSize }),
    aggregate(state: RoundState, results: readonly MethodResult<UpdateView>[], failures: readonly SiteFailure[]): MethodOutcome<RoundState> {
      const balanced = exact && protocol.model.classWeights === 'balanced';
      const outcome = strategy.aggregate(state, balanced ? classWeightedResults(results, { strategy: strategy.name, round: state.round }) : results, failures);
      return {
        state: { round: state.round + 1, parameters: outcome.parameters, server: outcome.server },
        converged: outcome.converged,
        done: outcome.converged || state.round + 1 >= rounds,
        sites: outcome.sites,
        sampleCount: outcome.sampleCount,
        ...(outcome.loss !== undefined ? { loss: outcome.loss } : {}),
      };
    },
    layout: (params) => updateLayout(params),
    egress: (params) => ({
      tensors: updateLayout(params),
      counts: ['sampleCount', 'eventCount'],
      scalars: pooledCox ? [] : ['loss'],
      minCohortSize: protocol.minCohortSize,
      summary: pooledCox
        ? `Per time bin of the protocol's ${protocol.model.timeGridDays?.length ?? 0}, sums over the site's patients still at risk of e^(xβ), x·e^(xβ) and x xᵀ·e^(xβ)${protocol.model.ties === 'efron' ? ', the same over its events in the bin' : ''} and its number of events (every bin 0 or at least ${protocol.minCohortSize} events and patients leaving), Σx over its events, and per-feature sums and sums of squares; no times.`
        : cox
        ? "The gradient and Hessian of the site's own Cox partial likelihood at the global coefficients, its value, per-feature sums and sums of squares" +
          (horizonDays ? `, and the site's Breslow baseline cumulative hazard at the protocol's horizon${horizonDays.length > 1 ? 's' : ''}; no times.` : '; no times.')
        : exact
        ? "Sums over the site's patients, at the global coefficients, of the log-likelihood's gradient" +
          (strategy.name === 'exact-newton' ? ' and Hessian' : '') +
          ', and per-feature sums and sums of squares' +
          (protocol.model.classWeights === 'balanced' ? '; each also over its positive patients alone (balanced class weights).' : '.')
        : 'The model coefficients after local training from the global ones.',
    }),
  };
  // Local steps (FedAvg family, median, trimmed mean) need the pooled class counts first: a counting round 0 (pooledClassWeights.ts).
  return protocol.model.classWeights === 'balanced' && !exact ? withPooledClassCounts(method, protocol) : method;
}
