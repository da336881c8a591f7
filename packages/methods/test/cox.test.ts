import { describe, expect, it } from '@jest/globals';
import { coxPooledDerivatives, type CoxRoundParams } from '@fedrad/federation';
import { coxMethod, coxSiteStep, EgressRefusedError, runCoxTwin, runLocalTwin, type CoxMethodOptions } from '../src/index.js';
import { coxFeatures, coxFixture, coxPartitions, coxSiteIds } from './coxSites.js';

// Federated Cox through the local twin (the real site step at each site's rows, federation's
// aggregation), held to R's fits on the pooled rows (scripts/fixtures/methods/cox-sites.R).
const base = (o: Partial<CoxMethodOptions> = {}): Omit<CoxMethodOptions, 'timeEdges'> => ({
  variant: 'stratified',
  ties: 'breslow',
  model: { family: 'cox', standardize: true },
  features: coxFeatures,
  minCohortSize: 5,
  ...o,
});
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j])));

describe('federated Cox, stratified by site (exact Newton)', () => {
  for (const ties of ['breslow', 'efron'] as const) {
    const ref = ties === 'breslow' ? coxFixture.stratifiedBreslow : coxFixture.stratifiedEfron;
    it(`equals coxph(Surv(time, event) ~ x + strata(site), ties = "${ties}")`, async () => {
      const run = await runCoxTwin(base({ ties }), coxPartitions);
      expect(run.steps.at(-1)!.converged).toBe(true);
      expect(run.steps.length).toBeLessThan(15);
      expect(maxDiff(run.state.beta, ref.coef)).toBeLessThan(1e-7);
      // The last evaluated −ℓ is the pooled one at (within 1e-10 of) the optimum: R's log partial likelihood.
      expect(-run.steps.at(-1)!.loss!).toBeCloseTo(ref.loglik, 7);
      // Round 0 evaluates β = 0: R's loglik at the null model.
      expect(-run.steps[0].loss!).toBeCloseTo(ref.loglik0, 9);
    });
  }

  for (const net of coxFixture.stratifiedGlmnet) {
    it(`equals glmnet's stratified Cox (stratifySurv, alpha ${net.alpha}, lambda ${net.lambda}) by proximal Newton`, async () => {
      const run = await runCoxTwin(base({ model: { family: 'cox', alpha: net.alpha, lambda: net.lambda, standardize: true } }), coxPartitions);
      expect(run.steps.at(-1)!.converged).toBe(true);
      expect(maxDiff(run.state.beta, net.coef)).toBeLessThan(1e-6);
    });
  }
});

describe('federated Cox, pooled (one baseline hazard, risk-set sums per time bin)', () => {
  for (const ties of ['breslow', 'efron'] as const) {
    it(`with exact times (a minimum of 1 event per bin) equals coxph on the pooled rows, ties = "${ties}"`, async () => {
      const ref = ties === 'breslow' ? coxFixture.pooledBreslow : coxFixture.pooledEfron;
      const run = await runCoxTwin(base({ variant: 'pooled', ties, minEventsPerTimeBin: 1 }), coxPartitions);
      const all = coxSiteIds.flatMap((s) => coxFixture.sites[s].time.filter((_, i) => coxFixture.sites[s].event[i]));
      expect(run.timeEdges).toEqual([...new Set(all)].sort((a, b) => a - b));
      expect(maxDiff(run.state.beta, ref.coef)).toBeLessThan(1e-7);
      expect(-run.steps.at(-1)!.loss!).toBeCloseTo(ref.loglik, 7);
    });

    it(`in R's coarsened bins equals coxph on the coarsened times, ties = "${ties}"`, async () => {
      const c = coxFixture.coarsened;
      const run = await runLocalTwin(coxMethod({ ...base({ variant: 'pooled', ties, minEventsPerTimeBin: c.minEvents }), timeEdges: c.edges }), coxPartitions);
      expect(maxDiff(run.state.beta, c[ties].coef)).toBeLessThan(1e-7);
      expect(-run.steps.at(-1)!.loss!).toBeCloseTo(c[ties].loglik, 7);
    });
  }

  it('finds bins in which every site has 0 or at least m events and patients leaving, counted here independently', async () => {
    const m = 4;
    const run = await runCoxTwin(base({ variant: 'pooled', minEventsPerTimeBin: m }), coxPartitions);
    const edges = run.timeEdges!;
    expect(edges.length).toBeGreaterThan(2);
    for (const s of coxSiteIds) {
      const { time, event } = coxFixture.sites[s];
      edges.forEach((lo, k) => {
        const hi = edges[k + 1] ?? Infinity;
        const inBin = time.map((t, i) => ({ t, e: event[i] })).filter(({ t }) => t >= lo && t < hi);
        const events = inBin.filter(({ e }) => e === 1).length;
        expect(events === 0 || events >= m).toBe(true);
        expect(inBin.length === 0 || inBin.length >= m).toBe(true);
      });
    }
    expect(run.steps.at(-1)!.converged).toBe(true);
  });
});

describe('federated Cox: what a site refuses and what the coordinator refuses', () => {
  const rows = coxPartitions.get('site-a')!;
  const pooledParams = (timeEdges: number[], minEventsPerTimeBin: number): CoxRoundParams => ({
    kind: 'cox-round',
    round: 0,
    variant: 'pooled',
    ties: 'efron',
    model: { family: 'cox' },
    features: coxFeatures,
    beta: [0, 0, 0, 0],
    timeEdges,
    minEventsPerTimeBin,
    minCohortSize: 5,
  });

  it('a coordinator asking for risk sets at every event time under a minimum of 3 gets nothing (a bin would show 1 or 2 patients)', () => {
    const exact = [...new Set(Array.from(rows.time).filter((_, i) => rows.event[i]))].sort((a, b) => a - b);
    expect(() => coxSiteStep(pooledParams(exact, 3), rows)).toThrow(EgressRefusedError);
    // A bin that holds only censored patients leaving the risk set is refused as well.
    const censoredOnly = Array.from(rows.time).filter((_, i) => !rows.event[i]);
    const lone = censoredOnly.find((t) => Array.from(rows.time).filter((u) => u === t).length === 1)!;
    const next = Math.min(...Array.from(rows.time).filter((t) => t > lone));
    const edges = [Math.min(...exact), lone, next].filter((v, k, a) => k === 0 || v > a[k - 1]);
    expect(() => coxSiteStep(pooledParams(edges, 2), rows)).toThrow(/patient\(s\) leaving the risk set/);
  });

  it('a stratified update holds p + p² + 2p numbers and a loss, whatever the number of patients or times', () => {
    const params: CoxRoundParams = { ...pooledParams([], 1), variant: 'stratified', timeEdges: undefined };
    const update = coxSiteStep(params, rows);
    expect(update.tensors.map((t) => [t.name, t.data.length])).toEqual([
      ['gradient', 4],
      ['hessian', 16],
      ['feature-sum', 4],
      ['feature-sumsq', 4],
    ]);
  });

  it('the coordinator refuses an update carrying a tensor the layout does not hold', () => {
    const params: CoxRoundParams = { ...pooledParams([], 1), variant: 'stratified', timeEdges: undefined };
    const update = coxSiteStep(params, rows);
    const smuggled = { ...update, tensors: [...update.tensors, { name: 'times', shape: [80], data: Array.from(rows.time) }] };
    expect(() => coxPooledDerivatives(params, [{ siteId: 'site-a', update: smuggled }], 'cox')).toThrow(/"times"/);
  });
});
