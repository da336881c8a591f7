import { describe, expect, it } from '@jest/globals';
import { buildModel, LocalTrainer, minimizeNewton, minimizeProximalNewton, standardization, applyStandardization, sumObjectives } from '../src/index.js';
import { dataset, maxAbsDiff } from './helpers.js';

// Exact aggregation: the pooled gradient and Hessian are the sums of the sites' sums, so
// Newton on the summed objective reproduces the pooled fit (here R's glm and glmnet on infert,
// split into two "sites" by row parity).
describe('exact federated aggregation over site trainers', () => {
  const d = dataset('infert');
  if (d.outcome.kind !== 'binary') throw new Error('binary expected');
  const n = d.features.ids.length;
  const p = d.features.featureNames.length;
  const ones = new Float64Array(n).fill(1);
  const std = standardization(d.features.values, n, p, ones, d.features.featureNames); // global, as a federation computes it from sums
  const x = applyStandardization(d.features.values, n, p, std);
  const label = d.outcome.label;

  async function sites(family: 'logistic' | 'lasso-logistic') {
    const model = buildModel({ family }, p);
    return Promise.all([0, 1].map((parity) => {
      const rows = [...Array(n).keys()].filter((i) => i % 2 === parity);
      return LocalTrainer.create(model, {
        n: rows.length, p,
        x: Float64Array.from(rows.flatMap((i) => Array.from(x.subarray(i * p, (i + 1) * p)))),
        weight: new Float64Array(rows.length).fill(1),
        label: Float64Array.from(rows, (i) => label[i]),
      });
    }));
  }
  const toOriginal = (theta: Float64Array) => {
    // θ = [intercept, β₁ … βₚ] on the standardised scale
    const beta = Array.from(theta.subarray(1), (b, j) => b / std.scale[j]);
    return { beta, intercept: theta[0] - beta.reduce((a, b, j) => a + b * std.mean[j], 0) };
  };

  it('federated Newton equals R glm (1e-6)', async () => {
    const trainers = await sites('logistic');
    const r = await minimizeNewton(sumObjectives(trainers), new Float64Array(p + 1));
    const c = toOriginal(r.theta);
    expect(maxAbsDiff(c.beta, d.reference.glm.beta)).toBeLessThan(1e-6);
    expect(Math.abs(c.intercept - d.reference.glm.intercept)).toBeLessThan(1e-6);
    await Promise.all(trainers.map((t) => t.release()));
  });

  it('federated proximal Newton equals glmnet (1e-4)', async () => {
    const ref = d.reference.glmnet[0];
    const trainers = await sites('lasso-logistic');
    const penalized = [false, ...new Array(p).fill(true)];
    const r = await minimizeProximalNewton(sumObjectives(trainers), new Float64Array(p + 1), { lambda: ref.lambda, alpha: ref.alpha, penalized });
    const c = toOriginal(r.theta);
    expect(maxAbsDiff(c.beta, ref.beta)).toBeLessThan(1e-4);
    expect(Math.abs(c.intercept - ref.intercept)).toBeLessThan(1e-4);
    await Promise.all(trainers.map((t) => t.release()));
  });
});
