import { describe, expect, it } from '@jest/globals';
import type { ModelUpdate, Tensor } from '@fedrad/protocol';
import { AggregationError, clipByNorm, coordinateMedian, fedAdam, fedAvg, fedProx, fedYogi, trimmedMean, type RoundState, type SiteResult } from '../src/index.js';

const layout = (data: number[]): [Tensor] => [{ name: 'w', shape: [data.length], data }];
const state = (data: number[], server: RoundState['server'] = null): RoundState => ({ round: 2, parameters: layout(data), server });
const result = (siteId: string, sampleCount: number, data: number[], contents: ModelUpdate['contents'] = 'parameters'): SiteResult => ({
  siteId,
  update: { kind: 'train-round', round: 2, sampleCount, contents, tensors: layout(data) },
});

describe('FedAvg (McMahan et al. 2017)', () => {
  it('is the sample-weighted mean of the site parameters, whatever the arrival order', () => {
    // By hand: (1·1 + 3·3)/4 = 2.5 ; (1·2 + 3·(−2))/4 = −1
    const results = [result('site-b', 3, [3, -2]), result('site-a', 1, [1, 2])];
    const out = fedAvg().aggregate(state([0, 0]), results, []);
    expect(out.parameters[0].data[0]).toBeCloseTo(2.5, 14);
    expect(out.parameters[0].data[1]).toBeCloseTo(-1, 14);
    expect(out.sites).toEqual(['site-a', 'site-b']);
    const reversed = fedAvg().aggregate(state([0, 0]), [...results].reverse(), []);
    expect(reversed.parameters).toEqual(out.parameters);
  });

  it('accepts deltas as well as parameters', () => {
    const out = fedAvg().aggregate(state([10, 10]), [result('site-a', 1, [1, 2], 'delta'), result('site-b', 1, [3, 4], 'delta')], []);
    expect(out.parameters[0].data).toEqual([12, 13]);
  });

  it('clips each site delta to the norm bound before averaging', () => {
    // delta (3,4) has norm 5; clipped to 1 it is (0.6, 0.8)
    expect(Array.from(clipByNorm(Float64Array.from([3, 4]), 1))).toEqual([0.6000000000000001, 0.8]);
    const out = fedAvg({ clipNorm: 1 }).aggregate(state([0, 0]), [result('site-a', 5, [3, 4])], []);
    expect(out.parameters[0].data[0]).toBeCloseTo(0.6, 14);
    expect(out.parameters[0].data[1]).toBeCloseTo(0.8, 14);
  });

  it('reads Float64Array tensor data (as the coordinator passes stored updates) and clips only the deltas over the bound', () => {
    // By hand: site-a Δ (3,4) clipped to (0.6,0.8), weight 1/4; site-b Δ (0,0.5), norm 0.5 < 1, weight 3/4:
    // (0.6/4, (0.8 + 3·0.5)/4) = (0.15, 0.575)
    const typed = (siteId: string, n: number, data: number[]): SiteResult => ({
      siteId,
      update: { kind: 'train-round', round: 2, sampleCount: n, contents: 'parameters', tensors: [{ name: 'w', shape: [2], data: Float64Array.from(data) }] },
    });
    for (const strategy of [fedAvg({ clipNorm: 1 }), fedProx({ clipNorm: 1, proximalMu: 0.1 })]) {
      const out = strategy.aggregate(state([0, 0]), [typed('site-b', 3, [0, 0.5]), typed('site-a', 1, [3, 4])], []);
      expect(out.parameters[0].data[0]).toBeCloseTo(0.15, 14);
      expect(out.parameters[0].data[1]).toBeCloseTo(0.575, 14);
      expect(Array.isArray(out.parameters[0].data)).toBe(true);
      expect(out).toMatchObject({ sites: ['site-a', 'site-b'], sampleCount: 4 });
    }
  });

  it('refuses an update with another model layout, naming the site', () => {
    const bad: SiteResult = { siteId: 'site-x', update: { kind: 'train-round', round: 2, sampleCount: 5, contents: 'parameters', tensors: layout([1, 2, 3]) } };
    expect(() => fedAvg().aggregate(state([0, 0]), [bad], [])).toThrow(/site-x/);
    expect(() => fedAvg().aggregate(state([0, 0]), [], [])).toThrow(AggregationError);
  });

  it('FedProx sends mu to every site and aggregates like FedAvg', () => {
    const cfg = fedProx({ proximalMu: 0.1 }).configureRound(state([0]), ['site-a', 'site-b']);
    expect(cfg['site-a']).toEqual({ strategy: 'fedprox', proximalMu: 0.1 });
    const out = fedProx({ proximalMu: 0.1 }).aggregate(state([0]), [result('site-a', 1, [1]), result('site-b', 3, [5])], []);
    expect(out.parameters[0].data[0]).toBeCloseTo(4, 14); // (1 + 15)/4
  });
});

describe('coordinate-wise median and trimmed mean (Yin et al. 2018)', () => {
  it('median: middle value for odd counts, mean of the middle two for even', () => {
    const odd = coordinateMedian().aggregate(state([0, 0]), [result('a1', 1, [1, -7]), result('a2', 100, [5, 0]), result('a3', 1, [2, 3])], []);
    expect(odd.parameters[0].data).toEqual([2, 0]);
    const even = coordinateMedian().aggregate(state([0]), [result('a1', 1, [1]), result('a2', 1, [5]), result('a3', 1, [2]), result('a4', 1, [10])], []);
    expect(even.parameters[0].data).toEqual([3.5]);
  });

  it('trimmed mean drops floor(beta*m) values at each end', () => {
    // m = 4, beta = 0.25 → drop 1 each end of [1, 2, 3, 100] → (2 + 3)/2
    const out = trimmedMean({ trimFraction: 0.25 }).aggregate(state([0]), ['a1', 'a2', 'a3', 'a4'].map((s, i) => result(s, 1, [[100, 1, 3, 2][i]])), []);
    expect(out.parameters[0].data).toEqual([2.5]);
    // beta = 0.2 with m = 4 → floor(0.8) = 0: plain mean 26.5
    const none = trimmedMean({ trimFraction: 0.2 }).aggregate(state([0]), ['a1', 'a2', 'a3', 'a4'].map((s, i) => result(s, 1, [[100, 1, 3, 2][i]])), []);
    expect(none.parameters[0].data).toEqual([26.5]);
  });
});

describe('FedAdam / FedYogi (Reddi et al. 2021, Algorithm 2)', () => {
  // One round, Δ = 0.5, η = 0.1, β1 = 0.9, β2 = 0.99, τ = 1e-3, m0 = 0, v0 = τ² = 1e-6.
  // m = 0.05. Adam: v = 0.99e-6 + 0.01·0.25 = 0.00250099. Yogi: v = 1e-6 + 0.01·0.25 = 0.002501.
  it('FedAdam takes the Adam step on the pseudo-gradient', () => {
    const out = fedAdam({ serverLearningRate: 0.1 }).aggregate(state([1]), [result('site-a', 2, [1.5])], []);
    expect(out.parameters[0].data[0]).toBeCloseTo(1 + (0.1 * 0.05) / (Math.sqrt(0.00250099) + 1e-3), 14);
    expect((out.server as { m: number[] }).m[0]).toBeCloseTo(0.05, 15);
  });
  it('FedYogi uses the additive second-moment update', () => {
    const out = fedYogi({ serverLearningRate: 0.1 }).aggregate(state([1]), [result('site-a', 2, [1.5])], []);
    expect(out.parameters[0].data[0]).toBeCloseTo(1 + (0.1 * 0.05) / (Math.sqrt(0.002501) + 1e-3), 14);
    // Second round from the stored moments with Δ = 0: m = 0.045, Yogi v stays 0.002501 − 0.01·0·sign(·) = 0.002501
    const next = fedYogi({ serverLearningRate: 0.1 }).aggregate(
      { round: 3, parameters: out.parameters, server: out.server },
      [result('site-a', 2, out.parameters[0].data)],
      [],
    );
    expect(next.parameters[0].data[0] - out.parameters[0].data[0]).toBeCloseTo((0.1 * 0.045) / (Math.sqrt(0.002501) + 1e-3), 14);
  });
});
