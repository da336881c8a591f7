import { describe, expect, it } from '@jest/globals';
import { exportInferenceModel, fitModel, sha256Hex } from '../src/index.js';
import { dataset } from './helpers.js';

// Same inputs, same bits: sessions are single-threaded and initialisation is seeded.
describe('determinism', () => {
  it('two MLP fits with the same seed give bit-identical parameters and ONNX bytes; another seed differs', async () => {
    const d = dataset('pima');
    const spec = { family: 'mlp' as const, hiddenLayers: [5], activation: 'tanh' as const };
    const a = await fitModel(spec, d.features, d.outcome, { epochs: 25, seed: 11 });
    const b = await fitModel(spec, d.features, d.outcome, { epochs: 25, seed: 11 });
    const c = await fitModel(spec, d.features, d.outcome, { epochs: 25, seed: 12 });
    expect(sha256Hex(exportInferenceModel(a))).toBe(sha256Hex(exportInferenceModel(b)));
    expect(a.params).toEqual(b.params);
    expect(sha256Hex(exportInferenceModel(a))).not.toBe(sha256Hex(exportInferenceModel(c)));
  });
  it('two lasso fits give the same ONNX bytes', async () => {
    const d = dataset('synthetic');
    const a = await fitModel({ family: 'lasso-logistic', lambda: 0.03 }, d.features, d.outcome, { solver: 'fista' });
    const b = await fitModel({ family: 'lasso-logistic', lambda: 0.03 }, d.features, d.outcome, { solver: 'fista' });
    expect(Buffer.from(exportInferenceModel(a)).equals(Buffer.from(exportInferenceModel(b)))).toBe(true);
  });
});
