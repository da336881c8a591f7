import { describe, expect, it } from '@jest/globals';
import { runLocalTwin, trainingMethod } from '../src/index.js';
import { fixture, partitions, protocolFor, siteIds } from './glmSites.js';

// The exact strategies through the local twin: the real site step (learn's ONNX graphs at each
// site's rows) and federation's aggregation, held to references computed without either.
const p1 = fixture.sites['site-a'].x[0].length + 1;

/** Gaussian elimination with partial pivoting: an independent solver for the pooled Newton step. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

const coefOf = (run: { state: { parameters: Array<{ data: number[] }> } }) => run.state.parameters[0].data;

describe('exact Newton training (the local twin)', () => {
  it('one round equals the Newton step on the pooled data (unpenalised)', async () => {
    // Pool every patient, compute X'WX and X'(y − μ) at β = 0 directly, solve independently.
    const rows = siteIds.flatMap((s) => fixture.sites[s].x.map((x, i) => ({ x: [1, ...x], y: fixture.sites[s].y[i] })));
    const h = Array.from({ length: p1 }, () => new Array(p1).fill(0));
    const g = new Array(p1).fill(0);
    for (const { x, y } of rows) {
      for (let j = 0; j < p1; j++) {
        g[j] += (y - 0.5) * x[j];
        for (let k = 0; k < p1; k++) h[j][k] += 0.25 * x[j] * x[k];
      }
    }
    const expected = solve(h, g); // β1 = β0 + (X'WX)⁻¹ X'(y − μ)
    const run = await runLocalTwin(trainingMethod(protocolFor({ family: 'logistic' }, { rounds: 1 })), partitions);
    expect(run.steps).toHaveLength(1);
    coefOf(run).forEach((v, j) => expect(v).toBeCloseTo(expected[j], 9));
  });

  for (const fit of fixture.pooledFits) {
    it(`converges to R's pooled ${fit.family} fit (alpha ${fit.alpha}, lambda ${fit.lambda}) within 1e-6`, async () => {
      const run = await runLocalTwin(trainingMethod(protocolFor({ family: fit.family, alpha: fit.alpha, lambda: fit.lambda, standardize: true })), partitions);
      expect(run.steps.at(-1)!.converged).toBe(true);
      expect(run.steps.at(-1)!.sampleCount).toBe(240);
      expect(coefOf(run)).toHaveLength(fit.coef.length);
      coefOf(run).forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
    });
  }

  it('does not depend on the order the sites answer in', async () => {
    const method = trainingMethod(protocolFor({ family: 'elasticnet-logistic', alpha: 0.5, lambda: 0.05 }));
    const state = { round: 0, parameters: [{ name: 'coef', shape: [p1], data: new Array(p1).fill(0.01) }], server: null };
    const params = method.configure(state, siteIds);
    const results = await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params[s], partitions.get(s)!) })));
    expect(method.aggregate(state, [...results].reverse(), []).state.parameters).toEqual(method.aggregate(state, results, []).state.parameters);
  });
});

describe('exact proximal-gradient training (the local twin)', () => {
  it("converges to R's pooled elastic-net fit within 1e-6", async () => {
    const fit = fixture.pooledFits.find((f) => f.family === 'elasticnet-logistic')!;
    const protocol = protocolFor({ family: fit.family, alpha: fit.alpha, lambda: fit.lambda }, { strategy: 'exact-gradient', learningRate: 0.5, rounds: 200_000 });
    const run = await runLocalTwin(trainingMethod(protocol), partitions);
    expect(run.steps.at(-1)!.converged).toBe(true);
    expect(coefOf(run)).toHaveLength(fit.coef.length);
    coefOf(run).forEach((v, j) => expect(Math.abs(v - fit.coef[j])).toBeLessThan(1e-6));
  }); // ~300 rounds, each an ONNX site step at three sites: about 40 s on an idle core (jest.config.cjs)
});
