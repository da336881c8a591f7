import type { CampaignProtocol } from '@fedrad/protocol';

/**
 * Model and training settings the chosen strategy would accept and then not use. The training
 * method refuses them (a pre-registered plan runs as written), so the coordinator and the local
 * twin refuse the same protocols. Keyed by the protocol field they name.
 */
const EXACT = new Set(['exact-newton', 'exact-gradient']);
/** The strategies whose aggregate is the sample-weighted mean of the sites' local fits (central DP's noise is calibrated to that sum). */
const AVERAGED = new Set(['fedavg', 'fedprox', 'fedadam', 'fedyogi']);

/** A setting that only one strategy (or family) carries out. */
const onlyWith = (present: boolean, allowed: boolean, what: string, actual: string) =>
  present && !allowed ? `applies to ${what} only, not ${actual}` : undefined;

export const TRAINING_SETTING_RULES: Readonly<Record<string, (p: CampaignProtocol) => string | undefined>> = {
  'model.hiddenLayers': (p) => onlyWith(p.model.hiddenLayers !== undefined, p.model.family === 'mlp', 'the mlp family', p.model.family),
  'model.ties': (p) => onlyWith(p.model.ties !== undefined, p.model.family === 'cox', 'the cox family', p.model.family),
  'model.strata': (p) =>
    onlyWith(p.model.strata !== undefined, p.model.family === 'cox', 'the cox family', p.model.family) ??
    (p.model.strata === 'none' && p.model.timeGridDays === undefined
      ? 'one pooled baseline hazard needs the time bins the sites coarsen their times to, fixed in the protocol: give model.timeGridDays (their lower edges, days)'
      : undefined),
  'model.timeGridDays': (p) => {
    const grid = p.model.timeGridDays;
    if (p.model.family === 'cox' && p.model.strata === 'none' && grid === undefined) return undefined; // the rule below names the missing grid under model.strata
    if (grid === undefined) return undefined;
    if (p.model.family !== 'cox' || p.model.strata !== 'none') return 'the time grid coarsens the event times of a pooled Cox model (model.family "cox" with model.strata "none"); a stratified fit sends no times';
    const k = grid.findIndex((e, i) => i > 0 && !(e > grid[i - 1]));
    return k > 0 ? `the lower edges must ascend; ${grid[k]} follows ${grid[k - 1]}` : undefined;
  },
  'model.activation': (p) => onlyWith(p.model.activation !== undefined, p.model.family === 'mlp', 'the mlp family', p.model.family),
  'model.standardize': (p) =>
    p.model.standardize === false && !EXACT.has(p.training.strategy)
      ? `strategy ${p.training.strategy} trains on locally standardised features whatever this says; use an exact strategy for an unstandardised penalty`
      : undefined,
  // Balanced weights are carried out by every strategy of the binary families: the exact ones weight
  // the sites' class-split sums (classWeighting.ts), the parameter-averaging ones (FedAvg family,
  // median, trimmed mean) each site's local loss after a counting round (pooledClassWeights.ts), the
  // mlp family its local loss from its standardisation round's counts (mlpMethod.ts).
  'model.classWeights': (p) =>
    p.model.classWeights === 'balanced' && p.model.family === 'cox'
      ? "balanced class weights weigh the two classes of a binary outcome by their counts; a Cox model's outcome is a time to event, which has no such classes"
      : undefined,
  'training.localEpochs': (p) =>
    p.training.localEpochs !== undefined && EXACT.has(p.training.strategy) ? `strategy ${p.training.strategy} sends sums and trains nothing locally` : undefined,
  'training.learningRate': (p) =>
    p.training.learningRate !== undefined && p.training.strategy === 'exact-newton' ? 'exact-newton takes full Newton steps and has no learning rate' : undefined,
  'training.proximalMu': (p) => onlyWith(p.training.proximalMu !== undefined, p.training.strategy === 'fedprox', 'fedprox', p.training.strategy),
  'training.clipNorm': (p) =>
    p.training.clipNorm !== undefined && EXACT.has(p.training.strategy) ? `strategy ${p.training.strategy} sends sums, which are not clipped` : undefined,
  'training.differentialPrivacy': privacyRefusal,
  'training.earlyStopping': (p) => onlyWith(p.training.earlyStopping !== undefined, p.model.family === 'mlp', 'the mlp family', p.model.family),
  'training.trimFraction': (p) => onlyWith(p.training.trimFraction !== undefined, p.training.strategy === 'trimmed-mean', 'trimmed-mean', p.training.strategy),
};

/**
 * Central DP (DP-FedAvg, McMahan et al. 2018) noises the sum of the sites' clipped updates at the
 * coordinator; a protocol whose rounds release anything else about the sites' rows is refused,
 * since the ε reported would not cover it.
 */
function privacyRefusal(p: CampaignProtocol): string | undefined {
  const t = p.training;
  if (t.differentialPrivacy === undefined) return undefined;
  if (p.model.family === 'cox') return "a Cox model's sites send exact score sums (or risk-set sums) and Breslow baseline hazards, which are neither clipped nor noised";
  if (EXACT.has(t.strategy)) return `strategy ${t.strategy} sends exact gradient and Hessian sums, which are not clipped, so no noise scale bounds one site's influence`;
  if (!AVERAGED.has(t.strategy)) return `strategy ${t.strategy} takes an order statistic of the sites' updates, not their sum; the noise is calibrated to a sum of clipped updates`;
  if (p.model.family === 'mlp') return "an mlp campaign's standardisation round sends each site's feature moments, and every round its validation loss, without noise; the ε would not cover them";
  // The steps before training choose the released model's features and λ from un-noised sums of the sites' rows.
  if (p.selection !== undefined || p.tuning !== undefined) {
    return `the ${p.selection !== undefined ? 'selection' : 'tuning'} step chooses the released model's ${p.selection !== undefined ? 'features' : 'λ'} from the sites' sums without noise; the ε would not cover that choice (fix the features and λ in the protocol instead)`;
  }
  if (p.model.classWeights === 'balanced') return "balanced class weights send every site the training sites' pooled class counts, without noise; the ε would not cover them";
  if (t.clipNorm === undefined) return 'the noise is N(0, (noiseMultiplier · clipNorm)²): set training.clipNorm, the bound each site clips its update to';
  if (t.shareSiteUpdates) return "shareSiteUpdates sends the sites each other's updates without noise, and a site cannot recompute a noised step";
  return undefined;
}

/** The settings of `protocol` its strategy would not use, each with its reason. */
export function unusedTrainingSettings(protocol: CampaignProtocol): Array<{ field: string; reason: string }> {
  return Object.entries(TRAINING_SETTING_RULES).flatMap(([field, rule]) => {
    const reason = rule(protocol);
    return reason ? [{ field, reason }] : [];
  });
}
