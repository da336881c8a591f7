import type { CampaignProtocol, Tensor } from '@fedrad/protocol';

/**
 * The learning engine's ONNX inference export for a federated GLM. The coordinator's coefficients
 * are on the original feature scale (SITE_CHANNEL.md §6), so the model is exported with the
 * identity standardisation: the graph's (x − 0)/1 then x·β + b is exactly the federated model.
 * Loaded lazily so the coordinator core (and its tests) never load onnxruntime.
 */
export async function learnModelExporter() {
  const learn = await import('@fedrad/learn');
  return (protocol: CampaignProtocol, parameters: Tensor[], info: { sampleCount: number; roundsRun: number; converged: boolean }): Uint8Array => {
    const coef = parameters[0].data;
    const p = coef.length - 1;
    return learn.exportInferenceModel({
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
    });
  };
}
