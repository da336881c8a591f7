import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertValid } from '@fedrad/protocol';
import {
  exportInferenceModel, fitModel, loadInferenceModel, modelCard, predict, referenceScores, sha256Hex,
  type ModelSpec, type TrainedModel,
} from '../src/index.js';
import { dataset, maxAbsDiff } from './helpers.js';

// Every exported model must pass the official ONNX checker (Debian python3-onnx, full_check
// runs strict shape inference too), and onnxruntime's scores must equal the package's plain
// TypeScript forward pass to 1e-6.
const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'fedrad-learn-'));

function onnxCheck(bytes: Uint8Array, name: string): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  return execFileSync(PYTHON, ['-c', 'import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print("ok", m.ir_version, m.opset_import[0].version)', path], { encoding: 'utf8' }).trim();
}

const cases: Array<{ name: string; data: string; spec: ModelSpec; options?: object }> = [
  { name: 'lasso-logistic', data: 'pima', spec: { family: 'lasso-logistic', lambda: 0.02 } },
  { name: 'elasticnet-logistic-balanced', data: 'synthetic', spec: { family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05, classWeights: 'balanced' } },
  { name: 'cox', data: 'lung', spec: { family: 'cox', standardize: true } },
  { name: 'mlp-relu', data: 'pima', spec: { family: 'mlp', hiddenLayers: [8, 4], activation: 'relu', lambda: 1e-3 }, options: { epochs: 60, seed: 3 } },
  { name: 'mlp-tanh', data: 'infert', spec: { family: 'mlp', hiddenLayers: [6], activation: 'tanh' }, options: { epochs: 40, seed: 5, optimizer: 'sgd', learningRate: 0.05 } },
];

describe('exported inference models', () => {
  it('the checker is available', () => expect(existsSync(PYTHON)).toBe(true));
  for (const c of cases) {
    it(`${c.name}: passes onnx.checker (full_check) and onnxruntime equals the reference forward pass`, async () => {
      const d = dataset(c.data);
      // lung's outcome carries a sex stratum; sex is also a feature, so fit without strata here.
      if (d.outcome.kind === 'survival') delete d.outcome.stratum;
      const model: TrainedModel = await fitModel(c.spec, d.features, d.outcome, c.options);
      const bytes = exportInferenceModel(model);
      expect(onnxCheck(bytes, c.name)).toBe('ok 8 17');
      const loaded = await loadInferenceModel(bytes);
      expect(loaded.featureNames).toEqual(d.features.featureNames);
      const scores = await predict(loaded, d.features);
      const reference = referenceScores(model, d.features.values, d.features.ids.length);
      expect(maxAbsDiff(scores, reference)).toBeLessThan(1e-6);
      if (model.outcome === 'binary') for (const s of scores) expect(s > 0 && s < 1).toBe(true);
      const card = modelCard(model, bytes);
      assertValid('model-card', card);
      expect(card.modelSha256).toBe(sha256Hex(bytes));
      expect(card.inputs.features.map((f) => f.name)).toEqual(d.features.featureNames);
      if (c.spec.family === 'mlp') {
        // The card records the settings this fit used (the case's own options), not the defaults.
        const o = c.options as { epochs: number; seed: number; optimizer?: string; learningRate?: number };
        expect(card.hyperParameters).toMatchObject({ epochs: o.epochs, seed: o.seed, ...(o.learningRate ? { learningRate: o.learningRate } : {}) });
        expect(card.training.optimizer).toBe(o.optimizer ?? 'adam');
      }
      await loaded.session.release();
    });
  }

  it('predict matches columns by name, whatever their order in the CSV', async () => {
    const d = dataset('pima');
    const model = await fitModel({ family: 'lasso-logistic', lambda: 0.02 }, d.features, d.outcome);
    const loaded = await loadInferenceModel(exportInferenceModel(model));
    const p = d.features.featureNames.length;
    const perm = [...Array(p).keys()].reverse();
    const shuffled = {
      ids: d.features.ids,
      featureNames: perm.map((j) => d.features.featureNames[j]),
      values: Float64Array.from({ length: d.features.values.length }, (_, k) => d.features.values[Math.floor(k / p) * p + perm[k % p]]),
    };
    expect(maxAbsDiff(await predict(loaded, shuffled), await predict(loaded, d.features))).toBe(0);
    await loaded.session.release();
  });
});
