import { describe, expect, it } from '@jest/globals';
import { applyStandardization, buildModel, fitModel, initMlp, LocalTrainer } from '../src/index.js';
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

// A fixed epoch budget is not convergence: the fit reports the max-norm of the objective's
// gradient at its final parameters, checked here by central differences of the loss graph.
describe('MLP fit reports its final stationarity, not a claimed convergence', () => {
  it('lastChange is max |∂(mean loss + ridge)/∂θ| at the returned θ; 20 epochs are not stationary', async () => {
    const d = dataset('pima');
    if (d.outcome.kind !== 'binary') throw new Error('binary expected');
    const spec = { family: 'mlp' as const, hiddenLayers: [3], activation: 'tanh' as const, lambda: 1e-3 };
    const fit = await fitModel(spec, d.features, d.outcome, { epochs: 20, seed: 2 });
    const n = d.features.ids.length;
    const p = d.features.featureNames.length;
    const x = applyStandardization(d.features.values, n, p, fit.standardization);
    const model = buildModel(spec, p);
    const trainer = await LocalTrainer.create(model, { n, p, x, weight: new Float64Array(n).fill(1), label: d.outcome.label });
    const theta = Float64Array.from(fit.params.flatMap((q) => q.data));
    const penalized = model.params.flatMap((q) => new Array<boolean>(q.shape[0] * q.shape[1]).fill(q.penalized));
    const objective = async () => (await trainer.loss(theta)).loss / n + 0.5 * spec.lambda * theta.reduce((a, t, k) => a + (penalized[k] ? t * t : 0), 0);
    const h = 1e-6;
    let maxGradient = 0;
    for (let k = 0; k < theta.length; k++) {
      const t = theta[k];
      theta[k] = t + h;
      const up = await objective();
      theta[k] = t - h;
      const down = await objective();
      theta[k] = t;
      maxGradient = Math.max(maxGradient, Math.abs((up - down) / (2 * h)));
    }
    expect(Math.abs(fit.training.lastChange - maxGradient)).toBeLessThan(1e-6);
    expect(fit.training.converged).toBe(maxGradient <= 1e-6);
    expect(fit.training.converged).toBe(false);
    await trainer.release();
  });
});
