import { outcomeHorizons, type CampaignProtocol, type Tensor } from '@fedrad/protocol';
import { StrategyConfigError } from './errors.js';
import { fedAvg } from './fedAvg.js';
import { fedAdam, fedYogi } from './fedOpt.js';
import { fedProx } from './fedProx.js';
import { exactGradient } from './glm/exactGradient.js';
import { exactNewton } from './glm/exactNewton.js';
import { coordinateMedian, trimmedMean } from './robustMeans.js';
import { coxExactNewton } from './cox/coxStrategy.js';
import type { Strategy } from './types.js';

/** The strategy a locked campaign protocol asks for, configured from its `training` block. */
export function strategyForProtocol(protocol: CampaignProtocol): Strategy {
  const t = protocol.training;
  if (protocol.model.family === 'cox') {
    // A campaign's Cox model, stratified by site or pooled, is fitted by exact Newton (SITE_CHANNEL.md §6).
    if (t.strategy !== 'exact-newton') throw new StrategyConfigError(`A Cox model is trained by exact-newton; strategy ${t.strategy} is not implemented for it`, 'training.strategy');
    return coxExactNewton({ model: protocol.model, features: protocol.features ?? [], horizonDays: outcomeHorizons(protocol.outcome), minCohortSize: protocol.minCohortSize });
  }
  const dp = t.differentialPrivacy;
  const privacy = dp ? { noiseMultiplier: dp.noiseMultiplier, ...(dp.seed !== undefined ? { seed: dp.seed } : {}) } : undefined;
  const common = { localEpochs: t.localEpochs, learningRate: t.learningRate, clipNorm: t.clipNorm, seed: t.seed };
  if (privacy) {
    // The noise is calibrated to a sum of clipped updates: only the FedAvg family aggregates one.
    const withPrivacy = { ...common, privacy };
    if (t.strategy === 'fedavg') return fedAvg(withPrivacy);
    if (t.strategy === 'fedprox') return fedProx({ ...withPrivacy, proximalMu: t.proximalMu ?? 0.01 });
    if (t.strategy === 'fedadam') return fedAdam(withPrivacy);
    if (t.strategy === 'fedyogi') return fedYogi(withPrivacy);
    throw new StrategyConfigError(`Differential privacy noises a sum of clipped updates; strategy ${t.strategy} does not aggregate one`, 'training.differentialPrivacy');
  }
  switch (t.strategy) {
    case 'fedavg':
      return fedAvg(common);
    case 'fedprox':
      return fedProx({ ...common, proximalMu: t.proximalMu ?? 0.01 });
    case 'fedadam':
      return fedAdam(common);
    case 'fedyogi':
      return fedYogi(common);
    case 'median':
      return coordinateMedian(common);
    case 'trimmed-mean':
      return trimmedMean({ ...common, trimFraction: t.trimFraction });
    case 'exact-newton':
      return exactNewton({ model: protocol.model });
    case 'exact-gradient':
      return exactGradient({ model: protocol.model, learningRate: t.learningRate });
  }
}

const GLM_FAMILIES = new Set(['logistic', 'lasso-logistic', 'elasticnet-logistic', 'cox']);

/**
 * Starting parameters for round 0: all-zero GLM coefficients (intercept first, then one per
 * feature, SITE_CHANNEL.md §6; a Cox model has no intercept). Other families need the learning
 * engine's seeded initialiser.
 */
export function initialGlmParameters(protocol: CampaignProtocol): Tensor[] {
  if (!GLM_FAMILIES.has(protocol.model.family)) {
    throw new StrategyConfigError(
      `The coordinator can only start GLM campaigns (logistic families, cox); "${protocol.model.family}" needs initial weights from the learning engine`,
      'model.family',
    );
  }
  const features = protocol.features ?? [];
  if (features.length === 0) {
    throw new StrategyConfigError('The protocol names no features; training needs the list of model features fixed in advance', 'features');
  }
  const size = protocol.model.family === 'cox' ? features.length : features.length + 1;
  return [{ name: 'coef', shape: [size], data: new Array(size).fill(0) }];
}
