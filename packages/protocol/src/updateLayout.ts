import type { TrainRoundParams } from './generated/types.js';

/** Tensor name → shape: everything a site's update may carry, nothing more. */
export type TensorLayout = Readonly<Record<string, readonly number[]>>;

/**
 * The job parameters an update's layout follows from. Today only train-round jobs return
 * tensors; a later job kind that does (harmonise, select) adds its params to this union and a
 * case to `updateLayout`.
 */
export type LayoutParams = Pick<TrainRoundParams, 'kind' | 'strategy' | 'features'> & Partial<Pick<TrainRoundParams, 'model' | 'horizonDays' | 'round' | 'secureAggregation'>>;

/**
 * Under secure aggregation a masked update also holds its counts, masked like the rest:
 * [sampleCount, eventCount], so the coordinator learns only their sums over the survivors.
 */
export const MASKED_COUNTS_TENSOR = 'counts';

/**
 * The tensors a site's update to a job may hold: the one source of truth for the site's egress
 * guard, the coordinator's result check and the aggregation strategies
 * (apps/coordinator/SITE_CHANNEL.md §6, the table "what the update must hold"). A layout fixes
 * every name and shape from the job's own parameters, so an extra tensor or a longer one — a
 * place where per-patient values could ride along with n + 1 entries — fits no layout.
 */
export function updateLayout(params: LayoutParams): TensorLayout {
  const layout = plainUpdateLayout(params);
  return params.secureAggregation ? { ...layout, [MASKED_COUNTS_TENSOR]: [2] } : layout;
}

function plainUpdateLayout(params: LayoutParams): TensorLayout {
  switch (params.kind) {
    case 'train-round': {
      if (params.model?.family === 'cox') {
        return params.model.strata === 'none'
          ? coxPooledLayout(params.features.length, params.model.timeGridDays?.length ?? 0, params.model.ties ?? 'breslow')
          : coxStratifiedLayout(params.features.length, params.horizonDays?.length ?? 0);
      }
      if (params.model?.family === 'mlp') return mlpRoundLayout(params.features.length, params.model.hiddenLayers ?? [16], params.round ?? 0);
      const layout = trainRoundLayout(params.strategy, params.features.length);
      return params.model?.classWeights === 'balanced' ? withPositiveClassParts(layout) : layout;
    }
  }
}

/**
 * With balanced class weights an exact strategy's sums also travel split by class: each sum over
 * the site's positive patients as `<name>-positive`, and their loss as `loss-positive` [1], so the
 * coordinator can weight the classes by the POOLED counts (methods' classWeighting.ts). Parameter
 * updates (coef) have no class parts.
 */
function withPositiveClassParts(layout: TensorLayout): TensorLayout {
  if (!('gradient' in layout)) return layout;
  return { ...layout, ...Object.fromEntries(Object.entries(layout).map(([name, shape]) => [`${name}-positive`, shape])), 'loss-positive': [1] };
}

/** §6 for the GLM families: exact strategies send sums at `coef`, the others the locally trained `coef`. */
export function trainRoundLayout(strategy: TrainRoundParams['strategy'], featureCount: number): TensorLayout {
  const p = featureCount;
  switch (strategy) {
    case 'exact-newton':
      return { gradient: [p + 1], hessian: [p + 1, p + 1], 'feature-sum': [p], 'feature-sumsq': [p] };
    case 'exact-gradient':
      return { gradient: [p + 1], 'feature-sum': [p], 'feature-sumsq': [p] };
    default:
      return { coef: [p + 1] };
  }
}

/**
 * §6 for Cox stratified by site (exact-newton, the only strategy it runs): the gradient and Hessian
 * of the site's own partial likelihood in β (no intercept), the feature moments, and the site's
 * Breslow baseline cumulative hazard at each of the protocol's horizons when it has any.
 */
export function coxStratifiedLayout(featureCount: number, horizonCount: number): TensorLayout {
  const p = featureCount;
  return { gradient: [p], hessian: [p, p], 'feature-sum': [p], 'feature-sumsq': [p], ...(horizonCount > 0 ? { 'baseline-hazard': [horizonCount] } : {}) };
}

/**
 * §6 for pooled Cox (model.strata "none"): per time bin k of the protocol's K bins, the site's
 * risk-set sums over its patients still at risk, S0 = Σ e^(xβ) [K], S1 = Σ x e^(xβ) [K, p],
 * S2 = Σ x xᵀ e^(xβ) [K, p, p], its events there [K] (with Efron ties the same three sums over
 * those events), Σ x over its events [p] and the feature moments. The coordinator adds them into
 * the pooled risk sets (Therneau & Grambsch 2000, §3.2).
 */
export function coxPooledLayout(featureCount: number, binCount: number, ties: 'breslow' | 'efron'): TensorLayout {
  const p = featureCount;
  const K = binCount;
  const events: Record<string, number[]> = ties === 'efron' ? { 'event-s0': [K], 'event-s1': [K, p], 'event-s2': [K, p, p] } : {};
  return { 'risk-s0': [K], 'risk-s1': [K, p], 'risk-s2': [K, p, p], 'event-count': [K], ...events, 'event-x-sum': [p], 'feature-sum': [p], 'feature-sumsq': [p] };
}

/**
 * §6 for an MLP (the FedAvg family): round 0 is the standardisation round, where a site sends its
 * feature sums and sums of squares over its training rows; from round 1 it sends its locally
 * trained weights and biases (W0 [p, h₁], b0 [1, h₁], …, the last layer to one output) and
 * `validation` [2] = [summed log-loss of the global parameters on its validation rows, their count].
 * Default hidden layers [16] as in @fedrad/learn's resolveSpec.
 */
export function mlpRoundLayout(featureCount: number, hiddenLayers: readonly number[], round: number): TensorLayout {
  const p = featureCount;
  if (round === 0) return { 'feature-sum': [p], 'feature-sumsq': [p] };
  const widths = [p, ...hiddenLayers, 1];
  const layout: Record<string, number[]> = {};
  for (let l = 0; l + 1 < widths.length; l++) {
    layout[`W${l}`] = [widths[l], widths[l + 1]];
    layout[`b${l}`] = [1, widths[l + 1]];
  }
  return { ...layout, validation: [2] };
}
