import { describe, expect, it } from '@jest/globals';
import type { CampaignProtocol, ModelSpec } from '@fedrad/protocol';
import { coxMethod, EgressRefusedError, MethodConfigError, runLocalTwin, trainingMethod, type TrainingRows } from '../src/index.js';
import { coxFeatures, coxFixture, coxPartitions, coxSiteIds } from './coxSites.js';

// A campaign's Cox model (trainingMethod: what the coordinator and the site node run), through
// the local twin, held to R's coxph(... + strata(site), ties = "breslow") and basehaz on the pooled
// rows (scripts/fixtures/methods/cox-sites.R).
const baseline = (coxFixture as unknown as { stratifiedBreslowBaseline: { horizon: number; hazard: Record<string, number> } }).stratifiedBreslowBaseline;
const partitions = new Map<string, TrainingRows>([...coxPartitions].map(([s, r]) => [s, { featureNames: r.featureNames, x: r.x, label: new Float64Array(0), time: r.time, event: r.event }]));

function protocol(model: ModelSpec = { family: 'cox' }, o: { horizonDays?: number | number[]; strategy?: CampaignProtocol['training']['strategy']; binary?: boolean; minCohortSize?: number } = {}): CampaignProtocol {
  return {
    type: 'campaign-protocol',
    campaignId: 'cox-twin',
    title: 'Cox twin',
    version: 1,
    outcome: o.binary ? { type: 'binary', label: 'y' } : { type: 'survival', time: 'time', event: 'event', ...(o.horizonDays !== undefined ? { horizonDays: o.horizonDays } : {}) },
    features: coxFeatures,
    model,
    trainingSites: coxSiteIds,
    testSites: [],
    minCohortSize: o.minCohortSize ?? 5,
    training: { strategy: o.strategy ?? 'exact-newton', rounds: 30 },
  };
}

describe('a Cox campaign (stratified by site) through the training method', () => {
  it("converges to coxph(... + strata(site)); the locked parameters carry the sites' Breslow H0 at the horizon, weighted by patients", async () => {
    const method = trainingMethod(protocol({ family: 'cox', ties: 'breslow' }, { horizonDays: baseline.horizon }));
    const params = method.configure(method.initialState(), coxSiteIds)['site-a'];
    expect(params.horizonDays).toEqual([baseline.horizon]);
    expect(method.layout(params)).toEqual({ gradient: [4], hessian: [4, 4], 'feature-sum': [4], 'feature-sumsq': [4], 'baseline-hazard': [1] });
    const run = await runLocalTwin(method, partitions);
    expect(run.steps.at(-1)!.converged).toBe(true);
    const coef = run.state.parameters.find((t) => t.name === 'coef')!.data;
    coef.forEach((b, j) => expect(Math.abs(b - coxFixture.stratifiedBreslow.coef[j])).toBeLessThan(1e-7));
    const n = coxSiteIds.map((s) => coxFixture.sites[s].time.length);
    const expected = coxSiteIds.reduce((a, s, i) => a + (baseline.hazard[s] * n[i]) / n.reduce((x, y) => x + y, 0), 0);
    expect(run.state.parameters.find((t) => t.name === 'baseline-hazard')!.data[0]).toBeCloseTo(expected, 8);
  });

  it('several horizons (outcome.horizonDays a list): H0 at each, in the protocol\'s order, R\'s basehaz at the fixture horizon', async () => {
    const later = baseline.horizon * 1.5;
    const method = trainingMethod(protocol({ family: 'cox', ties: 'breslow' }, { horizonDays: [later, baseline.horizon] }));
    const params = method.configure(method.initialState(), coxSiteIds)['site-a'];
    expect(params.horizonDays).toEqual([later, baseline.horizon]);
    expect(method.layout(params)['baseline-hazard']).toEqual([2]);
    const hazard = (await runLocalTwin(method, partitions)).state.parameters.find((t) => t.name === 'baseline-hazard')!.data;
    const n = coxSiteIds.map((s) => coxFixture.sites[s].time.length);
    const expected = coxSiteIds.reduce((a, s, i) => a + (baseline.hazard[s] * n[i]) / n.reduce((x, y) => x + y, 0), 0);
    expect(hazard[1]).toBeCloseTo(expected, 8);
    // The later horizon's H0 is the one a campaign with that horizon alone locks.
    const alone = (await runLocalTwin(trainingMethod(protocol({ family: 'cox', ties: 'breslow' }, { horizonDays: later })), partitions)).state.parameters.find((t) => t.name === 'baseline-hazard')!.data;
    expect(hazard[0]).toBe(alone[0]);
    expect(hazard[0]).toBeGreaterThan(hazard[1]);
  });

  it('Efron ties through the campaign path equal coxph(..., ties = "efron")', async () => {
    const run = await runLocalTwin(trainingMethod(protocol({ family: 'cox', ties: 'efron' })), partitions);
    run.state.parameters[0].data.forEach((b, j) => expect(Math.abs(b - coxFixture.stratifiedEfron.coef[j])).toBeLessThan(1e-7));
  });

  it('a site refuses to send its baseline hazard at a horizon with fewer events before it than the minimum cohort', async () => {
    const method = trainingMethod(protocol({ family: 'cox' }, { horizonDays: 1 }));
    const params = method.configure(method.initialState(), coxSiteIds)['site-a'];
    await expect(method.siteStep(params, partitions.get('site-a')!)).rejects.toThrow(EgressRefusedError);
  });

  it('refuses what it would not carry out: another strategy, a binary outcome, ties on a logistic model', () => {
    expect(() => trainingMethod(protocol({ family: 'cox' }, { strategy: 'fedavg' }))).toThrow(expect.objectContaining({ context: expect.objectContaining({ field: 'training.strategy' }) }));
    expect(() => trainingMethod(protocol({ family: 'cox' }, { binary: true }))).toThrow(MethodConfigError);
    expect(() => trainingMethod({ ...protocol({ family: 'logistic', ties: 'efron' }, { binary: true }) })).toThrow(/model.ties: applies to the cox family only/);
  });
});

describe('a pooled Cox campaign (model.strata "none", one baseline hazard in the protocol\'s time bins)', () => {
  const c = coxFixture.coarsened;
  const coarseBaseline = (coxFixture as unknown as { coarsenedBreslowBaseline: { horizons: number[]; hazard: number[] } }).coarsenedBreslowBaseline;
  // The fixture's bins hold 0 or at least 3 events and patients leaving at every site: the campaign minimum is 3.
  const pooled = (ties: 'breslow' | 'efron', grid = c.edges) => protocol({ family: 'cox', ties, strata: 'none', timeGridDays: grid }, { horizonDays: coarseBaseline.horizons, minCohortSize: c.minEvents });

  for (const ties of ['breslow', 'efron'] as const) {
    it(`equals coxph on the pooled rows with the times coarsened to the protocol's bins, and the local twin in the same bins, ties = "${ties}"`, async () => {
      const method = trainingMethod(pooled(ties));
      const params = method.configure(method.initialState(), coxSiteIds)['site-a'];
      // The sites are asked for risk-set sums in the K protocol bins and no baseline hazard of their own.
      expect(params.horizonDays).toBeUndefined();
      const K = c.edges.length;
      expect(method.layout(params)).toEqual({
        'risk-s0': [K], 'risk-s1': [K, 4], 'risk-s2': [K, 4, 4], 'event-count': [K],
        ...(ties === 'efron' ? { 'event-s0': [K], 'event-s1': [K, 4], 'event-s2': [K, 4, 4] } : {}),
        'event-x-sum': [4], 'feature-sum': [4], 'feature-sumsq': [4],
      });
      const update = await method.siteStep(params, partitions.get('site-a')!);
      expect(update.contents).toBe('risk-set-sums');
      expect(update.tensors.map((t) => [t.name, t.shape])).toEqual(Object.entries(method.layout(params)));
      const run = await runLocalTwin(method, partitions);
      expect(run.steps.at(-1)!.converged).toBe(true);
      const coef = run.state.parameters.find((t) => t.name === 'coef')!.data;
      coef.forEach((b, j) => expect(Math.abs(b - c[ties].coef[j])).toBeLessThan(1e-7));
      expect(-run.steps.at(-1)!.loss!).toBeCloseTo(c[ties].loglik, 7);
      // The local twin's pooled Cox method (fedrad train --sites --time-grid) in the same bins.
      const twin = await runLocalTwin(coxMethod({ variant: 'pooled', ties, model: { family: 'cox', ties, strata: 'none', timeGridDays: c.edges }, features: coxFeatures, minCohortSize: c.minEvents, timeEdges: c.edges }), coxPartitions);
      coef.forEach((b, j) => expect(Math.abs(b - twin.state.beta[j])).toBeLessThan(1e-9));
    });
  }

  it("locks R's Breslow baseline hazard of the coarsened fit at each horizon (basehaz on the pooled coarsened rows)", async () => {
    const run = await runLocalTwin(trainingMethod(pooled('breslow')), partitions);
    const hazard = run.state.parameters.find((t) => t.name === 'baseline-hazard')!.data;
    expect(hazard).toHaveLength(2);
    hazard.forEach((h, k) => expect(h).toBeCloseTo(coarseBaseline.hazard[k], 7));
  });

  it('a site refuses a bin holding 1 … minimum − 1 of its events and sends nothing; the protocol must give ascending bins', async () => {
    // The fixture's grid with a bin of its own at an event time only one of site-a's patients has.
    const method = trainingMethod(pooled('breslow', c.loneEventGrid));
    const params = method.configure(method.initialState(), coxSiteIds)['site-a'];
    await expect(method.siteStep(params, partitions.get('site-a')!)).rejects.toThrow(EgressRefusedError);
    await expect(method.siteStep(params, partitions.get('site-a')!)).rejects.toThrow(/holds 1 event\(s\) at this site/);
    expect(() => trainingMethod(protocol({ family: 'cox', strata: 'none' }))).toThrow(/model.strata: .*model.timeGridDays/);
    expect(() => trainingMethod(protocol({ family: 'cox', strata: 'none', timeGridDays: [1, 8, 4] }))).toThrow(/model.timeGridDays: the lower edges must ascend; 4 follows 8/);
    expect(() => trainingMethod(protocol({ family: 'cox', timeGridDays: [1, 8] }))).toThrow(/model.timeGridDays: the time grid coarsens/);
  });
});
