import { StrategyConfigError, strategyForProtocol, type Json, type MethodResult, type RoundState, type SiteFailure, type Strategy, type UpdateView } from '@fedrad/federation';
import { resolveSpec } from '@fedrad/learn';
import { constantFeatures, pooledStandardization } from '@fedrad/numeric';
import { updateLayout, type CampaignProtocol, type Tensor, type TrainRoundParams } from '@fedrad/protocol';
import { MethodConfigError, MethodInputError } from '../errors.js';
import type { TrainingMethod } from '../training/trainingMethod.js';
import { balancedWeightsParam, pooledClassCounts, type PooledClassCounts } from '../training/pooledClassWeights.js';
import { mlpSiteStep } from './mlpSiteStep.js';
import { INPUT_MEAN, INPUT_SCALE, mlpInitialParameters, splitMlpParameters } from './mlpParameters.js';

/** Early stopping's defaults when the protocol's training.earlyStopping leaves them out. */
export const EARLY_STOPPING_DEFAULTS = { validationFraction: 0.2, patience: 5 } as const;

/** The method's state beside the strategy's: the best round so far by pooled validation loss. */
interface MlpServer {
  strategy: Json;
  best: { round: number; loss: number; parameters: Tensor[] } | null;
  roundsSinceBest: number;
  /** The pooled validation loss (mean log-loss) of the last round's global model. */
  validationLoss: number | null;
  /** Balanced class weights: the training rows' pooled counts, from round 0's updates (absent without weights). */
  classCounts?: PooledClassCounts;
}

/**
 * Federated MLP training (issue #17) with a parameter-averaging strategy (FedAvg, FedProx,
 * FedAdam, FedYogi, median, trimmed mean) on learn's ONNX graphs, and early stopping:
 *
 * - round 0 pools the sites' feature moments into the standardisation every site then applies
 *   (numeric's pooledStandardization: pooled mean and 1/n SD, as the pooled fit standardises), so
 *   the weights mean the same at every site; the seeded Glorot weights stay as they are;
 * - each later round r the strategy averages the sites' locally trained weights, and the sites'
 *   validation sums give the pooled validation loss of round r's global model (Σ loss / Σ rows);
 * - training stops when that loss has not fallen for `patience` rounds, or after training.rounds
 *   rounds, and the method ends on the global model of the round with the lowest pooled
 *   validation loss (a patience rule, as in Prechelt 1998, "Early stopping — but when?"), so the
 *   locked model is one the validation rows have scored.
 *
 * Balanced class weights (model.classWeights "balanced"): round 0's updates carry each site's
 * training-row and positive counts, so the standardisation round also counts the classes; every
 * later job carries the pooled counts and N / (2 N_c), as in the FedAvg family
 * (pooledClassWeights.ts), and the sites weight their local log-loss with them (mlpSiteStep.ts).
 */
export function mlpTrainingMethod(protocol: CampaignProtocol): TrainingMethod {
  const t = protocol.training;
  if (t.strategy === 'exact-newton' || t.strategy === 'exact-gradient') {
    throw new MethodConfigError(`An MLP is not linear in its weights, so ${t.strategy}'s sums do not fit it; use fedavg, fedprox, fedadam, fedyogi, median or trimmed-mean`, { field: 'training.strategy' });
  }
  if (t.rounds < 2) throw new MethodConfigError(`An MLP campaign's round 0 sets the pooled standardisation and training starts at round 1; training.rounds ${t.rounds} leaves none`, { field: 'training.rounds' });
  const features = protocol.features ?? [];
  if (features.length === 0) throw new MethodConfigError('The protocol names no features; training needs the list of model features fixed in advance', { field: 'features' });
  let strategy: Strategy;
  try {
    resolveSpec(protocol.model);
    strategy = strategyForProtocol(protocol);
  } catch (e) {
    if (e instanceof StrategyConfigError) throw new MethodConfigError(e.message, { field: e.field }, { cause: e });
    throw new MethodConfigError((e as Error).message, { field: 'model' }, { cause: e });
  }
  const validationFraction = t.earlyStopping?.validationFraction ?? EARLY_STOPPING_DEFAULTS.validationFraction;
  const patience = t.earlyStopping?.patience ?? EARLY_STOPPING_DEFAULTS.patience;
  const validationSplit = { fraction: validationFraction, seed: t.seed ?? 0 };
  const initialParameters = mlpInitialParameters(protocol.model, features.length, t.seed ?? 1);
  const minCohortSize = protocol.minCohortSize;
  const initialServer: MlpServer = { strategy: null, best: null, roundsSinceBest: 0, validationLoss: null };

  return {
    name: `train-round/mlp/${strategy.name}`,
    strategy,
    initialState: () => ({ round: 0, parameters: initialParameters, server: initialServer as unknown as Json }),
    configure(state, sites) {
      const configs = state.round === 0 ? undefined : strategy.configureRound(weightsState(state), sites);
      const out: Record<string, TrainRoundParams> = {};
      const counts = (state.server as unknown as MlpServer | null)?.classCounts;
      const weights = state.round > 0 && counts ? { balancedWeights: balancedWeightsParam(counts) } : {};
      for (const siteId of sites) {
        out[siteId] = { kind: 'train-round', round: state.round, model: protocol.model, features, globalParameters: state.parameters, ...(configs ? configs[siteId] : { strategy: strategy.name }), validationSplit, ...weights };
      }
      return out;
    },
    siteStep: (params, rows) => mlpSiteStep(params, rows, minCohortSize),
    aggregate(state: RoundState, results: readonly MethodResult<UpdateView>[], failures: readonly SiteFailure[]) {
      const server = (state.server as unknown as MlpServer | null) ?? initialServer;
      const sorted = [...results].sort((a, b) => (a.siteId < b.siteId ? -1 : a.siteId > b.siteId ? 1 : 0));
      const sites = sorted.map((r) => r.siteId);
      const sampleCount = sorted.reduce((a, r) => a + r.update.sampleCount, 0);
      if (sorted.length === 0) throw new MethodInputError(`Round ${state.round}: no site sent an update`, { field: 'results' });
      if (state.round === 0) {
        const counted: MlpServer = protocol.model.classWeights === 'balanced' ? { ...server, classCounts: pooledClassCounts(sorted) } : server;
        return { state: { round: 1, parameters: standardisedStart(state.parameters, sorted, sampleCount, features), server: counted as unknown as Json }, converged: false, done: false, sites, sampleCount };
      }
      let validationSum = 0;
      let validationRows = 0;
      const weightsOnly = sorted.map((r) => {
        const v = r.update.tensors.find((x) => x.name === 'validation');
        if (!v || v.data.length !== 2) throw new MethodInputError(`Round ${state.round}: ${r.siteId}'s update has no "validation" [2] tensor`, { field: 'tensors' });
        validationSum += v.data[0];
        validationRows += v.data[1];
        return { siteId: r.siteId, update: { ...r.update, tensors: r.update.tensors.filter((x) => x !== v) } };
      });
      const { standardization } = splitMlpParameters(state.parameters);
      const outcome = strategy.aggregate(weightsState(state, server.strategy), weightsOnly, failures);
      const parameters = [...standardizationTensors(standardization.mean, standardization.scale), ...outcome.parameters];
      const validationLoss = validationSum / validationRows;
      const improved = server.best === null || validationLoss < server.best.loss;
      const best = improved ? { round: state.round, loss: validationLoss, parameters: state.parameters } : server.best!;
      const roundsSinceBest = improved ? 0 : server.roundsSinceBest + 1;
      const stopped = roundsSinceBest >= patience;
      const done = stopped || state.round + 1 >= t.rounds;
      const next: MlpServer = { strategy: outcome.server, best, roundsSinceBest, validationLoss, ...(server.classCounts ? { classCounts: server.classCounts } : {}) };
      return {
        // Done: the best round's global model, the one the validation rows scored lowest.
        state: { round: state.round + 1, parameters: done ? best.parameters : parameters, server: next as unknown as Json },
        converged: stopped,
        done,
        sites: outcome.sites,
        sampleCount: outcome.sampleCount,
        ...(outcome.loss !== undefined ? { loss: outcome.loss } : {}),
        validationLoss,
      };
    },
    layout: (params) => updateLayout(params),
    egress: (params) => ({
      tensors: updateLayout(params),
      counts: ['sampleCount', 'eventCount'],
      scalars: ['loss'],
      minCohortSize,
      summary:
        (params.round === 0
          ? "Per-feature sums and sums of squares over the site's training rows (for the pooled standardisation); nothing trained."
          : "The MLP's weights after local training from the global ones, the training rows' summed log-loss at the global weights, and the validation rows' summed log-loss and count.") +
        (protocol.model.classWeights === 'balanced'
          ? params.round === 0
            ? " Its training rows' patient and positive counts give the pooled balanced class weights."
            : ' Trained and scored with balanced class weights from the pooled class counts.'
          : ''),
    }),
  };
}

/** The strategy sees only the weights: the standardisation is the method's, fixed after round 0. */
function weightsState(state: RoundState, server: Json = (state.server as unknown as MlpServer | null)?.strategy ?? null): RoundState {
  return { round: state.round, parameters: splitMlpParameters(state.parameters).weights, server };
}

function standardizationTensors(mean: readonly number[], scale: readonly number[]): Tensor[] {
  return [
    { name: INPUT_MEAN, shape: [mean.length], data: [...mean] },
    { name: INPUT_SCALE, shape: [scale.length], data: [...scale] },
  ];
}

/** Round 1's parameters: the pooled standardisation of the sites' moments and round 0's weights; a pooled-constant feature is refused by name. */
function standardisedStart(parameters: Tensor[], results: readonly MethodResult<UpdateView>[], n: number, features: readonly string[]): Tensor[] {
  const p = features.length;
  const sum = new Float64Array(p);
  const sumsq = new Float64Array(p);
  for (const r of results) {
    const s = r.update.tensors.find((x) => x.name === 'feature-sum');
    const q = r.update.tensors.find((x) => x.name === 'feature-sumsq');
    if (!s || !q || s.data.length !== p || q.data.length !== p) throw new MethodInputError(`Round 0: ${r.siteId}'s update lacks "feature-sum" and "feature-sumsq" [${p}]`, { field: 'tensors' });
    for (let j = 0; j < p; j++) {
      sum[j] += s.data[j];
      sumsq[j] += q.data[j];
    }
  }
  const standardization = pooledStandardization(n, sum, sumsq, true);
  const constant = constantFeatures(standardization);
  if (constant.length > 0) throw new MethodInputError(`Features constant over every site's training rows cannot be standardised: ${constant.map((j) => features[j]).join(', ')}`, { field: 'features' });
  return [...standardizationTensors(standardization.mean, standardization.scale), ...splitMlpParameters(parameters).weights];
}
