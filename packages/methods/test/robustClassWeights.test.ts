import { describe, expect, it } from '@jest/globals';
import type { TrainRoundParams } from '@fedrad/protocol';
import { runLocalTwin, trainingMethod, type TrainingRows } from '../src/index.js';
import { featureNames, partitions, ref, rowsOf } from './classWeightsFixture.js';
import { protocolFor } from './glmSites.js';

// Balanced class weights with the coordinate-wise robust strategies (median, trimmed mean; Yin et
// al. 2018). The references are independent of the site step and of the strategy code: R's weighted
// pooled glm (scripts/fixtures/methods/fedavg-class-weights.R) for one site holding every patient,
// and, for one round at three sites, each site's weighted local fit and the coordinate-wise median
// or trimmed mean written out here.
const siteIds = [...partitions.keys()];

type Robust = 'median' | 'trimmed-mean';
const protocol = (strategy: Robust, sites: string[], training: Record<string, unknown> = {}) => ({
  ...protocolFor({ family: 'logistic', classWeights: 'balanced' }, { strategy, rounds: 40, localEpochs: 5, learningRate: 0.5, ...training }),
  features: featureNames,
  trainingSites: sites,
});
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j])));

/**
 * A site's weighted local fit, written from its definition (SITE_CHANNEL.md §6, localTraining.ts):
 * features centred and scaled by the site's own mean and population SD, `epochs` full-batch
 * gradient steps on (1/n) Σ wᵢ ℓᵢ (ℓ the logistic log-loss, gradient (σ(ηᵢ) − yᵢ) x̃ᵢ), back to
 * the original scale. No penalty (λ = 0).
 */
function weightedLocalFit(rows: TrainingRows, coef: readonly number[], w: { positive: number; negative: number }, epochs: number, rate: number): number[] {
  const n = rows.label.length;
  const p = featureNames.length;
  const mean = Array.from({ length: p }, (_, j) => Array.from({ length: n }, (_, i) => rows.x[i * p + j]).reduce((a, b) => a + b, 0) / n);
  const sd = mean.map((m, j) => Math.sqrt(Array.from({ length: n }, (_, i) => (rows.x[i * p + j] - m) ** 2).reduce((a, b) => a + b, 0) / n));
  const theta = [coef[0] + mean.reduce((a, m, j) => a + coef[j + 1] * m, 0), ...sd.map((s, j) => coef[j + 1] * s)];
  for (let e = 0; e < epochs; e++) {
    const g = new Array<number>(p + 1).fill(0);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: p }, (_, j) => (rows.x[i * p + j] - mean[j]) / sd[j]);
      const eta = theta[0] + z.reduce((a, v, j) => a + v * theta[j + 1], 0);
      const r = (rows.label[i] === 1 ? w.positive : w.negative) * (1 / (1 + Math.exp(-eta)) - rows.label[i]);
      g[0] += r;
      z.forEach((v, j) => (g[j + 1] += r * v));
    }
    for (let k = 0; k <= p; k++) theta[k] -= (rate * g[k]) / n;
  }
  const beta = theta.slice(1).map((t, j) => t / sd[j]);
  return [theta[0] - beta.reduce((a, b, j) => a + b * mean[j], 0), ...beta];
}

const columnMedian = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

describe('balanced class weights with median and trimmed mean (local twin)', () => {
  it('one round at three sites: each site\'s weighted local fit (pooled-count weights), combined coordinate by coordinate', async () => {
    const start = [0.3, 0.2, -0.1, 0.4];
    for (const [strategy, combine] of [
      ['median', (cols: number[]) => columnMedian(cols)],
      // ⌊0.34 · 3⌋ = 1 value cut at each end of three: the trimmed mean is the middle one here too;
      // with 0.1 nothing is cut, and it is the plain (unweighted) mean of the sites' fits.
      ['trimmed-mean', (cols: number[]) => cols.reduce((a, b) => a + b, 0) / cols.length],
    ] as const) {
      const method = trainingMethod(protocol(strategy, siteIds, strategy === 'trimmed-mean' ? { trimFraction: 0.1 } : {}));
      // Round 0 counts: the pooled counts and R's N / (2 N_c) reach round 1's jobs.
      const initial = method.initialState();
      const params0 = method.configure(initial, siteIds);
      const counted = method.aggregate(initial, await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params0[s], partitions.get(s)!) }))), []);
      const state = { ...counted.state, parameters: [{ name: 'coef', shape: [4], data: start }] };
      const params1 = method.configure(state, siteIds);
      const sent = params1[siteIds[0]].balancedWeights!;
      expect({ sampleCount: sent.sampleCount, positiveCount: sent.positiveCount }).toEqual(ref.counts);
      expect(sent.positive).toBeCloseTo(ref.weights.positive, 12);
      const results = await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params1[s], partitions.get(s)!) })));
      const got = method.aggregate(state, results, []).state.parameters[0].data;
      const fits = siteIds.map((s) => weightedLocalFit(partitions.get(s)!, start, ref.weights, 5, 0.5));
      const expected = start.map((_, k) => combine(fits.map((f) => f[k])));
      expect(maxDiff(got, expected)).toBeLessThan(1e-9);
      // The weights matter: the unweighted local fits combine to something else.
      const unweighted = siteIds.map((s) => weightedLocalFit(partitions.get(s)!, start, { positive: 1, negative: 1 }, 5, 0.5));
      expect(maxDiff(got, start.map((_, k) => combine(unweighted.map((f) => f[k]))))).toBeGreaterThan(0.01);
    }
    // A third of three sites trimmed at each end leaves the median.
    const method = trainingMethod(protocol('trimmed-mean', siteIds, { trimFraction: 0.34 }));
    const state = { round: 1, parameters: [{ name: 'coef', shape: [4], data: start }], server: { classCounts: ref.counts, strategy: null } };
    const params1 = method.configure(state, siteIds);
    const results = await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params1[s] as TrainRoundParams, partitions.get(s)!) })));
    const fits = siteIds.map((s) => weightedLocalFit(partitions.get(s)!, start, ref.weights, 5, 0.5));
    expect(maxDiff(method.aggregate(state, results, []).state.parameters[0].data, start.map((_, k) => columnMedian(fits.map((f) => f[k]))))).toBeLessThan(1e-9);
  });

  for (const strategy of ['median', 'trimmed-mean'] as const) {
    it(`${strategy} at one site holding every patient converges to R's weighted glm, not the unweighted one`, async () => {
      const all = Object.values(ref.sites);
      const one = new Map([['site-all', rowsOf({ x: all.flatMap((d) => d.x), y: all.flatMap((d) => d.y) })]]);
      const run = await runLocalTwin(trainingMethod(protocol(strategy, ['site-all'], { rounds: 60 })), one);
      const coef = run.state.parameters[0].data;
      expect(maxDiff(coef, ref.balanced)).toBeLessThan(1e-3);
      expect(maxDiff(coef, ref.unweighted)).toBeGreaterThan(1);
    }, 60_000);
  }
});
