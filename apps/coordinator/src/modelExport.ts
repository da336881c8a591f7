import type { TrainedModel } from '@fedrad/learn';
import type { CampaignProtocol, Tensor } from '@fedrad/protocol';

type Learn = typeof import('@fedrad/learn');
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
 * The learning engine's ONNX inference export for a federated GLM. Loaded lazily so the
 * coordinator core (and its tests) never load onnxruntime.
 */
export async function learnModelExporter() {
  const learn = await import('@fedrad/learn');
  return (protocol: CampaignProtocol, parameters: Tensor[], info: RoundInfo): Uint8Array => learn.exportInferenceModel(federatedGlm(learn, protocol, parameters, info));
}

/** The learning engine's model card of the same model (inputs, coefficients, training), for the lock to complete and sign. */
export async function learnModelDescriber() {
  const learn = await import('@fedrad/learn');
  return (protocol: CampaignProtocol, parameters: Tensor[], info: RoundInfo, onnx: Uint8Array) => learn.modelCard(federatedGlm(learn, protocol, parameters, info), onnx);
}
