import { describe, expect, it } from '@jest/globals';
import { buildModel, initMlp, LocalTrainer } from '../src/index.js';
import { dataset } from './helpers.js';

// The whole MLP training graph (MatMul, Add, ReLU/tanh, stable softplus loss) against central
// finite differences of its own loss graph: the definition of the derivative is the reference.
describe('MLP gradient graph', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    it(`${activation}: every parameter's gradient equals (L(θ+h) − L(θ−h)) / 2h`, async () => {
      const d = dataset('infert');
      if (d.outcome.kind !== 'binary') throw new Error('binary expected');
      const n = d.features.ids.length;
      const p = d.features.featureNames.length;
      const model = buildModel({ family: 'mlp', hiddenLayers: [4, 3], activation }, p);
      const x = d.features.values.map((v, k) => v / [30, 2, 1, 1, 40][k % p]);
      const trainer = await LocalTrainer.create(model, { n, p, x, weight: new Float64Array(n).fill(1), label: d.outcome.label });
      const theta = initMlp(model, 9);
      for (let k = 0; k < theta.length; k++) if (theta[k] === 0) theta[k] = 0.01 * ((k % 5) - 2); // non-zero biases
      const { gradient } = await trainer.gradient(theta);
      const h = 1e-6;
      for (let k = 0; k < theta.length; k++) {
        const t = theta[k];
        theta[k] = t + h;
        const up = (await trainer.loss(theta)).loss;
        theta[k] = t - h;
        const down = (await trainer.loss(theta)).loss;
        theta[k] = t;
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(gradient![k] - numeric)).toBeLessThan(1e-5 * Math.max(1, Math.abs(numeric)));
      }
      await trainer.release();
    });
  }
});
