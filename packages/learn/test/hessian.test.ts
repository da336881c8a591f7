import { describe, expect, it } from '@jest/globals';
import { buildModel, LocalTrainer } from '../src/index.js';
import { dataset } from './helpers.js';

// Closed form for the logistic model (McCullagh & Nelder §4.5): with μ = σ(Dθ),
//   ∇L = Dᵀ W (μ − y)         (W = case weights)
//   ∇²L = Dᵀ diag(w μ (1 − μ)) D
// where D = [1 | X] (θ = [intercept, β]). The graphs compute both by reverse mode (and reverse-over-reverse).
describe('logistic gradient and Hessian graphs match the closed form', () => {
  it('on infert with non-uniform weights, at a non-trivial θ', async () => {
    const d = dataset('infert');
    if (d.outcome.kind !== 'binary') throw new Error('binary outcome expected');
    const n = d.features.ids.length;
    const p = d.features.featureNames.length;
    const weight = Float64Array.from({ length: n }, (_, i) => 0.5 + (i % 3) * 0.25);
    const theta = Float64Array.from({ length: p + 1 }, (_, k) => 0.05 * Math.sin(k + 1));
    const trainer = await LocalTrainer.create(buildModel({ family: 'logistic' }, p), { n, p, x: d.features.values, weight, label: d.outcome.label });
    const got = await trainer.hessian(theta);
    const P = p + 1;
    const g = new Float64Array(P);
    const H = new Float64Array(P * P);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = [1, ...d.features.values.subarray(i * p, (i + 1) * p)];
      const eta = row.reduce((a, v, k) => a + v * theta[k], 0);
      const mu = 1 / (1 + Math.exp(-eta));
      const y = d.outcome.label[i];
      loss += weight[i] * (Math.log1p(Math.exp(eta)) - y * eta);
      for (let a = 0; a < P; a++) {
        g[a] += weight[i] * (mu - y) * row[a];
        for (let b = 0; b < P; b++) H[a * P + b] += weight[i] * mu * (1 - mu) * row[a] * row[b];
      }
    }
    expect(got.loss).toBeCloseTo(loss, 9);
    got.gradient!.forEach((v, k) => expect(Math.abs(v - g[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(g[k]))));
    got.hessian!.forEach((v, k) => expect(Math.abs(v - H[k])).toBeLessThan(1e-9 * Math.max(1, Math.abs(H[k]))));
    expect(trainer.weightSum).toBeCloseTo(weight.reduce((a, w) => a + w, 0), 12);
    await trainer.release();
  });
});
