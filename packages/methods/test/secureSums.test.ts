import { describe, expect, it } from '@jest/globals';
import { SecureAggregationSite, unmaskSecureSum, type MethodResult, type SecAggContext, type UpdateView } from '@fedrad/federation';
import { maskedModelUpdate, secureAggregationRefusal, secureRoundUpdate, type MaskedView, secureScale, secureSummand, secureThreshold, trainingMethod, updateFromSecureSum } from '../src/index.js';
import { fixture, partitions, protocolFor, siteIds } from './glmSites.js';

// The campaign's secure-aggregation path (site summand → double masking → unmasked sum → one
// update) against the strategy's own aggregate of the same updates in clear: equal to the ring's
// precision (scale 2^24: each site's rounding errs by at most 2^-25 per value).
const fit = fixture.pooledFits.find((f) => f.family === 'elasticnet-logistic')!;
const model = { family: fit.family, alpha: fit.alpha, lambda: fit.lambda, standardize: true } as const;
const scale = 2 ** 24;

/** Three sites of round 0 that advertised their keys and exchanged their shares (threshold 3: no dropout with three). */
function keyedSites(protocol: ReturnType<typeof protocolFor>, ringScale: number) {
  const context: SecAggContext = { campaignId: protocol.campaignId, round: 0, threshold: secureThreshold(protocol), scale: ringScale };
  const sites = siteIds.map((s) => new SecureAggregationSite(s, context));
  const advertisements = sites.map((s) => s.advertiseKeys());
  const outbox = sites.flatMap((s) => s.shareKeys(advertisements));
  for (const s of sites) s.receiveShares(outbox.filter((m) => m.to === s.siteId));
  return { context, sites, advertisements };
}

/** Round 0 of `protocol` in clear: each site's update, and the method's aggregate of them. */
async function clearRound(protocol: ReturnType<typeof protocolFor>) {
  const method = trainingMethod(protocol);
  const state = method.initialState();
  const params = method.configure(state, siteIds);
  const results: MethodResult<UpdateView>[] = [];
  for (const s of siteIds) results.push({ siteId: s, update: (await method.siteStep(params[s], partitions.get(s)!)) as unknown as UpdateView });
  return { method, state, results, plain: method.aggregate(state, results, []) };
}

async function bothWays(strategy: 'exact-newton' | 'fedavg' | 'fedadam') {
  const protocol = protocolFor(model, { strategy, rounds: 3, secureAggregation: true });
  const { method, state, results, plain } = await clearRound(protocol);
  const { context, sites, advertisements } = keyedSites(protocol, scale);
  const masked = new Map(sites.map((s, i) => [s.siteId, s.maskedInput(secureSummand(strategy, results[i].update))]));
  // What the coordinator holds of one site is not that site's values.
  expect(Array.from(masked.get(siteIds[0])!.slice(0, 3))).not.toEqual(Array.from(secureSummand(strategy, results[0].update).slice(0, 3)).map((v) => Math.round(v * scale)));
  const responses = sites.map((s) => s.unmask(siteIds));
  const whole = unmaskSecureSum({ context, advertisements, exchanged: siteIds, masked, responses });
  // The counts rode masked at the end of the vector: the sum gives the pooled counts, to the ring's precision.
  const sampleCount = results.reduce((n, r) => n + r.update.sampleCount, 0);
  const eventCount = results.reduce((n, r) => n + r.update.eventCount!, 0);
  const sum = whole.subarray(0, whole.length - 2);
  const secure = method.aggregate(state, [{ siteId: siteIds.join('+'), update: updateFromSecureSum(strategy, results[0].update, sum, { sampleCount }) }], []);
  return { plain: plain.state.parameters[0].data, secure: secure.state.parameters[0].data, counts: Array.from(whole.subarray(whole.length - 2)), expectedCounts: [sampleCount, eventCount] };
}

describe('secure aggregation of summed strategies (Bonawitz et al. 2017 on a campaign round)', () => {
  it.each(['exact-newton', 'fedavg', 'fedadam'] as const)('%s: the aggregate of the unmasked sum equals the aggregate of the plain updates', async (strategy) => {
    const { plain, secure, counts, expectedCounts } = await bothWays(strategy);
    counts.forEach((c, i) => expect(Math.abs(c - expectedCounts[i])).toBeLessThan(1e-6));
    expect(secure.length).toBe(plain.length);
    for (let i = 0; i < plain.length; i++) expect(Math.abs(secure[i] - plain[i])).toBeLessThan(1e-6);
  });

  it('refuses the strategies that need each site update, and sums of fewer than three sites, naming why', () => {
    expect(secureAggregationRefusal(protocolFor(model, { strategy: 'median', rounds: 2, secureAggregation: true }))).toMatch(/each site's update/);
    expect(secureAggregationRefusal(protocolFor(model, { strategy: 'trimmed-mean', trimFraction: 0.2, rounds: 2, secureAggregation: true }))).toMatch(/each site's update/);
    expect(secureAggregationRefusal({ ...protocolFor(model, { secureAggregation: true }), trainingSites: ['site-a', 'site-b'] })).toMatch(/at least 3 training sites/);
    expect(secureAggregationRefusal(protocolFor(model, { strategy: 'fedavg', clipNorm: 1, secureAggregation: true }))).toMatch(/clipNorm/);
    expect(secureAggregationRefusal(protocolFor(model, { secureAggregation: true }))).toBeUndefined();
  });

  it('the threshold is n − floor(dropout · n), never below three', () => {
    const ten = (dropout?: number) => secureThreshold({ ...protocolFor(model, { secureAggregation: true, secureAggregationDropout: dropout }), trainingSites: Array.from({ length: 10 }, (_, i) => `s${i}`) });
    expect([ten(0), ten(0.1), ten(0.3), ten(), ten(0.49)]).toEqual([10, 9, 7, 7, 6]);
    expect(secureThreshold(protocolFor(model, { secureAggregation: true, secureAggregationDropout: 0.4 }))).toBe(3);
  });
});

describe('central DP with secure aggregation (McMahan et al. 2018 on the unmasked sum)', () => {
  // A clip norm that bites (the round-0 deltas are longer), σ = 1, a seed so both ways draw the same noise.
  const training = { strategy: 'fedavg' as const, rounds: 3, clipNorm: 0.05, differentialPrivacy: { noiseMultiplier: 1, delta: 1e-5, seed: 11 } };

  it('sites clip before masking, the coordinator noises the unmasked sum: equal to the non-secure DP round with the same seed', async () => {
    const plainProtocol = protocolFor(model, training);
    const secureProtocol = protocolFor(model, { ...training, secureAggregation: true });
    expect(secureAggregationRefusal(secureProtocol)).toBeUndefined();
    // The non-secure DP round: each site's update in clear, DP-FedAvg's noised mean at the coordinator.
    const { state, results: clear, plain } = await clearRound(plainProtocol);
    // The secure round: the same sites, their clipped deltas masked on the ring.
    const method = trainingMethod(secureProtocol);
    const params = method.configure(method.initialState(), siteIds);
    const { sites, advertisements } = keyedSites(secureProtocol, secureScale(secureProtocol));
    const masked: MethodResult<MaskedView>[] = [];
    for (const [i, s] of siteIds.entries()) {
      const update = (await method.siteStep(params[s], partitions.get(s)!)) as unknown as UpdateView;
      const summand = secureSummand('fedavg', update, { globalParameters: params[s].globalParameters as UpdateView['tensors'], clipNorm: training.clipNorm });
      // Each summand is that site's delta clipped to C (closed form: its norm is at most C, here exactly C).
      expect(Math.hypot(...summand.subarray(0, summand.length - 2))).toBeCloseTo(training.clipNorm, 12);
      masked.push({ siteId: s, update: maskedModelUpdate(update, sites[i].maskedInput(summand)) as unknown as MaskedView });
    }
    const responses = sites.map((s) => s.unmask(siteIds));
    const summed = secureRoundUpdate(secureProtocol, 0, { advertisements, exchanged: siteIds, masked, responses });
    const secure = method.aggregate(method.initialState(), [summed], []);
    const a = plain.state.parameters[0].data;
    const b = secure.state.parameters[0].data;
    expect(b.length).toBe(a.length);
    // The ring's precision: 3 sites × 2^-25 per value, divided by n; the noise (σC = 0.05 per coordinate) is far larger.
    for (let i = 0; i < a.length; i++) expect(Math.abs(b[i] - a[i])).toBeLessThan(1e-6);
    // …and the noise is there: without it the step would be the plain mean of the clipped deltas.
    const noiseless = trainingMethod(protocolFor(model, { strategy: 'fedavg', rounds: 3, clipNorm: training.clipNorm })).aggregate(state, clear, []).state.parameters[0].data;
    expect(Math.max(...a.map((v, i) => Math.abs(v - noiseless[i])))).toBeGreaterThan(1e-3);
  });

  it('refuses the combination only when the noise could not be drawn again by the sites (no seed)', () => {
    const { seed: _seed, ...unseeded } = training.differentialPrivacy;
    expect(secureAggregationRefusal(protocolFor(model, { ...training, differentialPrivacy: unseeded, secureAggregation: true }))).toMatch(/differentialPrivacy\.seed/);
    expect(() => trainingMethod(protocolFor(model, { ...training, secureAggregation: true }))).not.toThrow();
  });
});
