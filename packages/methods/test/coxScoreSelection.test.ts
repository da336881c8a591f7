import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { MethodInputError, runLocalTwin, selectionMethod, type TrainingRows } from '../src/index.js';

// A survival cohort over three sites with tied event times, and R's score test of each univariate Cox model
// stratified by site, Breslow's and Efron's ties, with BH q (scripts/fixtures/methods/cox-score.R).
const ref = JSON.parse(readFileSync(new URL('./fixtures/cox-score.json', import.meta.url), 'utf8')) as {
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  breslow: { score: number[]; p: number[]; q: number[] };
  efron: { score: number[]; p: number[]; q: number[] };
};
const features = ref.sites['site-a'].x[0].map((_, j) => `f${j + 1}`);
const partitions = new Map<string, TrainingRows>(
  Object.entries(ref.sites).map(([s, d]) => [s, { featureNames: features, x: Float64Array.from(d.x.flat()), label: new Float64Array(0), time: Float64Array.from(d.time), event: Float64Array.from(d.event) }]),
);
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('the Cox score test in selection (survival outcomes)', () => {
  for (const ties of ['breslow', 'efron'] as const) {
    it(`equals R's summary(coxph(Surv(time, event) ~ x + strata(site), ties = "${ties}"))$sctest per feature, and BH q (1e-9 relative)`, async () => {
      const run = await runLocalTwin(selectionMethod({ features, minCohortSize: 5, survival: { ties }, univariate: { fdr: 0.05 } }), partitions, { patientCount: (r) => r.time!.length });
      const statistics = run.state.statistics!;
      features.forEach((f, j) => {
        expect(relative(statistics[f].score!, ref[ties].score[j])).toBeLessThan(1e-9);
        expect(relative(statistics[f].p!, ref[ties].p[j])).toBeLessThan(1e-9);
        expect(relative(statistics[f].q!, ref[ties].q[j])).toBeLessThan(1e-9);
      });
      expect(run.state.kept).toEqual(features.filter((_, j) => ref[ties].q[j] <= 0.05));
      expect(run.state.steps!.find((s) => s.step === 'univariate')!.settings.test).toBe(`Cox score, stratified by site (${ties} ties)`);
    });
  }

  it('the ties matter here: Breslow and Efron differ, so the test tells them apart', () => {
    expect(Math.abs(ref.breslow.score[0] - ref.efron.score[0])).toBeGreaterThan(1);
  });

  it('the attacker: a site refuses Cox sums resting on fewer events than the minimum cohort, and a survival job over rows without times', async () => {
    const method = selectionMethod({ features, minCohortSize: 5, survival: { ties: 'breslow' } });
    const rows = partitions.get('site-a')!;
    const events = rows.event!.reduce((a, e) => a + e, 0);
    const params = method.configure({}, ['site-a'])['site-a'];
    expect(params.survival).toEqual({ ties: 'breslow' });
    const few = { ...rows, event: Float64Array.from(rows.event!, (e, i) => (i < 4 ? e : 0)) };
    await expect(method.siteStep(params, few, { siteId: 'site-a' })).rejects.toThrow(MethodInputError);
    await expect(method.siteStep({ ...params, minCohortSize: events + 1 }, rows, { siteId: 'site-a' })).rejects.toThrow(`${events} events`);
    await expect(method.siteStep(params, { ...rows, time: undefined, event: undefined }, { siteId: 'site-a' })).rejects.toThrow('no follow-up time');
  });
});
