import type { TrainedModel } from '@fedrad/learn';
import { outcomeHorizons, type CampaignProtocol, type Tensor } from '@fedrad/protocol';

type Learn = typeof import('@fedrad/learn');
type Methods = typeof import('@fedrad/methods');
type RoundInfo = { sampleCount: number; roundsRun: number; converged: boolean };

/**
 * The federated GLM as the learning engine's trained model. The coordinator's coefficients are on
 * the original feature scale (SITE_CHANNEL.md §6), so the model carries the identity
 * standardisation: the graph's (x − 0)/1 then x·β + b is exactly the federated model.
 */
function federatedGlm(learn: Learn, protocol: CampaignProtocol, parameters: Tensor[], info: RoundInfo): TrainedModel {
  const coef = parameters[0].data;
  const p = coef.length - 1;
  return {
    spec: learn.resolveSpec(protocol.model),
    featureNames: protocol.features ?? [],
    outcome: 'binary',
    standardization: learn.identityStandardization(p),
    params: [
      { name: 'beta', shape: [p, 1], data: coef.slice(1) },
      { name: 'intercept', shape: [1, 1], data: [coef[0]] },
    ],
    training: {
      n: info.sampleCount,
      events: 0,
      optimizer: `federated ${protocol.training.strategy}`,
      iterations: info.roundsRun,
      converged: info.converged,
      objective: Number.NaN,
      lastChange: Number.NaN,
    },
  };
}

/**
 * A campaign's Cox model: β on the original scale (identity standardisation, no intercept) and, at
 * each of the protocol's horizons, the baseline survival S0 = exp(−H0) (SITE_CHANNEL.md §6), so the
 * graph also outputs S(t | x). Stratified by site, H0 is the sites' patient-weighted Breslow H0;
 * pooled (model.strata "none"), Breslow's H0 of the one baseline hazard from the pooled risk sets in
 * the protocol's time bins, which the card names.
 */
function federatedCox(learn: Learn, protocol: CampaignProtocol, parameters: Tensor[], info: RoundInfo): TrainedModel {
  const beta = parameters.find((t) => t.name === 'coef')!.data;
  const hazard = parameters.find((t) => t.name === 'baseline-hazard')?.data ?? [];
  const horizons = outcomeHorizons(protocol.outcome);
  // The sites' H0 at every horizon, or (a model locked before any round ran with horizons) none.
  const withHorizons = horizons.length > 0 && hazard.length === horizons.length;
  const spec = learn.resolveSpec(protocol.model);
  return {
    spec,
    featureNames: protocol.features ?? [],
    outcome: 'survival',
    standardization: learn.identityStandardization(beta.length),
    params: [{ name: 'beta', shape: [beta.length, 1], data: beta }],
    survival: {
      ...(protocol.model.strata === 'none'
        ? { variant: 'pooled' as const, strata: [], timeBins: [...(protocol.model.timeGridDays ?? [])] }
        : { variant: 'stratified' as const, strata: [...protocol.trainingSites].sort() }),
      ties: spec.ties ?? 'breslow',
      horizonsDays: withHorizons ? horizons : [],
      baselineSurvival: withHorizons ? Array.from(hazard, (h) => Math.exp(-h)) : [],
    },
    training: { n: info.sampleCount, events: 0, optimizer: 'federated exact-newton', iterations: info.roundsRun, converged: info.converged, objective: Number.NaN, lastChange: Number.NaN },
  };
}

/** The campaign's locked model as the learning engine's trained model: a Cox model, an MLP (methods' mlpTrainedModel: pooled standardisation, best round's weights) or a GLM. */
function federatedModel(learn: Learn, methods: Methods, protocol: CampaignProtocol, parameters: Tensor[], info: RoundInfo): TrainedModel {
  if (protocol.model.family === 'mlp') return methods.mlpTrainedModel(protocol.model, protocol.features ?? [], parameters, { n: info.sampleCount, events: 0, rounds: info.roundsRun, converged: info.converged });
  return protocol.model.family === 'cox' ? federatedCox(learn, protocol, parameters, info) : federatedGlm(learn, protocol, parameters, info);
}

/**
 * The learning engine's ONNX inference export of a campaign's model. Loaded lazily so the
 * coordinator core (and its tests) never load onnxruntime.
 */
export async function learnModelExporter() {
  const [learn, methods] = await Promise.all([import('@fedrad/learn'), import('@fedrad/methods')]);
  return (protocol: CampaignProtocol, parameters: Tensor[], info: RoundInfo): Uint8Array => learn.exportInferenceModel(federatedModel(learn, methods, protocol, parameters, info));
}

/** The learning engine's model card of the same model (inputs, coefficients, training), for the lock to complete and sign. */
export async function learnModelDescriber() {
  const [learn, methods] = await Promise.all([import('@fedrad/learn'), import('@fedrad/methods')]);
  return (protocol: CampaignProtocol, parameters: Tensor[], info: RoundInfo, onnx: Uint8Array) => learn.modelCard(federatedModel(learn, methods, protocol, parameters, info), onnx);
}
