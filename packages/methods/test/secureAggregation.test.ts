import { describe, expect, it } from '@jest/globals';
import type { MethodResult, RoundState, UpdateView } from '@fedrad/federation';
import { localPairwiseSeeds, MethodConfigError, runLocalTwin, trainingMethod, withSecureAggregation, type TrainingMethod } from '../src/index.js';
import { fixture, partitions, protocolFor, siteIds } from './glmSites.js';

// Fixed point: the fixture's largest pooled sum (Σ x₅² over 240 patients, about 1e6) times the
// scale must stay under 2³¹, so 1e3; each site's quantisation then errs by at most ½·10⁻³.
const SCALE = 1e3;
const fit = fixture.pooledFits.find((f) => f.family === 'elasticnet-logistic')!;
// Quantisation noise keeps Newton's 1e-10 stopping rule from firing, so the round budget ends the run.
const protocol = protocolFor({ family: fit.family, alpha: fit.alpha, lambda: fit.lambda, standardize: true }, { rounds: 10 });
const coefOf = (state: RoundState) => state.parameters[0].data;

/**
 * The reference: the UNMASKED method whose sites round their updates to the same fixed point.
 * Masking must change nothing else, so the masked fit equals this one to Float64 rounding.
 */
function quantised(method: TrainingMethod): TrainingMethod {
  return {
    ...method,
    siteStep: async (params, rows) => {
      const update = await method.siteStep(params, rows);
      return { ...update, tensors: update.tensors.map((t) => ({ ...t, data: t.data.map((v) => Math.round(v * SCALE) / SCALE) })) as typeof update.tensors };
    },
  };
}

/** The training method, with a record of what each aggregate was given. */
function recording(method: TrainingMethod): { method: TrainingMethod; seen: Array<readonly MethodResult<UpdateView>[]> } {
  const seen: Array<readonly MethodResult<UpdateView>[]> = [];
  return { seen, method: { ...method, aggregate: (state, results, failures) => (seen.push(results), method.aggregate(state, results, failures)) } };
}

describe('secure aggregation as a wrapper of a summed method', () => {
  it('the aggregate reads the sum of the plain updates, to the fixed-point precision, and never a site update', async () => {
    const { method, seen } = recording(trainingMethod({ ...protocol, training: { ...protocol.training, rounds: 1 } }));
    const secure = withSecureAggregation(method, { scale: SCALE, seeds: localPairwiseSeeds(siteIds, protocol.campaignId) });
    // What each site sends: masked, not its plain sums.
    const params = secure.configure(secure.initialState(), siteIds);
    expect(params['site-a'].secureAggregation).toEqual({ peers: siteIds, scale: SCALE });
    const sent = await secure.siteStep(params['site-a'], partitions.get('site-a')!, { siteId: 'site-a' });
    const plainA = await method.siteStep({ ...params['site-a'], secureAggregation: undefined }, partitions.get('site-a')!);
    expect(sent.masked).toBe(true);
    expect(sent.loss).toBeUndefined();
    expect(Array.from(sent.tensors[0].data)).not.toEqual(plainA.tensors[0].data.map((v) => Math.round(v * SCALE) >>> 0));

    await runLocalTwin(secure, partitions);
    const plain = await Promise.all(siteIds.map((s) => method.siteStep({ ...params[s], secureAggregation: undefined }, partitions.get(s)!)));
    expect(seen).toHaveLength(1);
    const [summed] = seen[0];
    expect(summed.update.sampleCount).toBe(240);
    summed.update.tensors.forEach((t, k) => {
      const want = plain[0].tensors[k].data.map((_, i) => plain.reduce((a, u) => a + u.tensors[k].data[i], 0));
      expect(t.name).toBe(plain[0].tensors[k].name);
      Array.from(t.data).forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual((siteIds.length * 0.5) / SCALE + 1e-9 * Math.abs(want[i])));
    });
  });

  it('fits the same model as the unmasked method at the same fixed-point precision', async () => {
    const plain = await runLocalTwin(quantised(trainingMethod(protocol)), partitions);
    const masked = await runLocalTwin(withSecureAggregation(trainingMethod(protocol), { scale: SCALE, seeds: localPairwiseSeeds(siteIds, protocol.campaignId) }), partitions);
    expect(masked.steps.at(-1)!.sites).toEqual(siteIds);
    expect(masked.steps.map((s) => s.converged)).toEqual(plain.steps.map((s) => s.converged));
    coefOf(masked.state).forEach((v, j) => expect(Math.abs(v - coefOf(plain.state)[j])).toBeLessThan(1e-9));
  });

  it('recovers the survivors’ sum when a site drops out after masking', async () => {
    const survivors = new Map([...partitions].filter(([s]) => s !== 'site-c'));
    const plain = await runLocalTwin(quantised(trainingMethod(protocol)), survivors);
    const masked = await runLocalTwin(withSecureAggregation(trainingMethod(protocol), { scale: SCALE, seeds: localPairwiseSeeds(siteIds, protocol.campaignId) }), partitions, {
      dropAfterStep: (_step, siteId) => siteId === 'site-c',
    });
    expect(masked.steps.every((s) => s.sites.join() === 'site-a,site-b' && s.sampleCount === 140)).toBe(true);
    coefOf(masked.state).forEach((v, j) => expect(Math.abs(v - coefOf(plain.state)[j])).toBeLessThan(1e-9));
  });

  it('refuses to mask a strategy that needs each site’s parameters', () => {
    const fedavg = withSecureAggregation(trainingMethod({ ...protocol, training: { ...protocol.training, strategy: 'fedavg' } }), { scale: SCALE, seeds: localPairwiseSeeds(siteIds, 'x') });
    expect(() => fedavg.configure(fedavg.initialState(), siteIds)).toThrow(MethodConfigError);
  });
});
