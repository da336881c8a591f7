import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  applySelection, crossValidationMethod, lassoPathSettings, lassoStep, MethodConfigError, MethodInputError, pathResult, pooledCorrelation, momentsStandardization,
  reproducibilityValues, runLocalTwin, selectionMethod, type FeatureStatistics, type TrainingRows,
} from '../src/index.js';

// The three sites of cv-sites.json and R's statistics on their pooled rows (scripts/fixtures/methods/selection.R):
// anova(..., test = "Rao") per feature, p.adjust(BH), cor(), population SDs and glmnet's lasso at λ = 0.05.
const sitesFixture = JSON.parse(readFileSync(new URL('./fixtures/cv-sites.json', import.meta.url), 'utf8')) as { sites: Record<string, { x: number[][]; y: number[] }> };
const ref = JSON.parse(readFileSync(new URL('./fixtures/selection.json', import.meta.url), 'utf8')) as {
  score: number[]; p: number[]; q: number[]; sd: number[]; correlation: number[][]; lasso: { alpha: number; lambda: number; coef: number[] };
};
const siteIds = Object.keys(sitesFixture.sites);
const features = ref.sd.map((_, j) => `f${j + 1}`);
/** Each site's rows; `extra` appends columns computed from a row. */
function partitions(extra: Array<{ name: string; of: (x: number[]) => number }> = []): Map<string, TrainingRows> {
  return new Map(siteIds.map((s) => {
    const d = sitesFixture.sites[s];
    return [s, { featureNames: [...features, ...extra.map((e) => e.name)], x: Float64Array.from(d.x.flatMap((x) => [...x, ...extra.map((e) => e.of(x))])), label: Float64Array.from(d.y) }];
  }));
}
const rel = (got: number, want: number, tol: number) => expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));

describe('federated selection (local twin) equals the pooled statistics of R', () => {
  it('pooled SDs, correlation matrix, score tests and BH q-values', async () => {
    const run = await runLocalTwin(selectionMethod({ features, minCohortSize: 5 }), partitions(), { patientCount: (r) => r.label.length });
    const { moments, statistics } = run.state;
    const std = momentsStandardization(moments!);
    features.forEach((f, j) => {
      rel(statistics![f].sd, ref.sd[j], 1e-12);
      // anova()'s Rao statistic is itself an IRLS fit (of the working residuals), good to ~1e-8 relative.
      rel(statistics![f].score!, ref.score[j], 1e-8);
      rel(statistics![f].p!, ref.p[j], 1e-8);
      rel(statistics![f].q!, ref.q[j], 1e-8);
      features.forEach((_, k) => rel(pooledCorrelation(moments!, std, j, k), ref.correlation[j][k], 1e-12));
    });
  });

  it('each step keeps and removes what its rule says, with the reason; a correlated copy goes to the feature it copies', async () => {
    const fdr = 0.05;
    const extra = [{ name: 'f1copy', of: (x: number[]) => 2 * x[0] + 3 }, { name: 'flat', of: () => 7 }];
    const run = await runLocalTwin(selectionMethod({ features: [...features, 'f1copy', 'flat'], minCohortSize: 5, univariate: { fdr }, correlation: { threshold: 0.9, prefer: 'association' } }), partitions(extra));
    const [nzv, univariate, correlation] = run.state.steps!;
    expect(nzv.removed).toEqual([{ feature: 'flat', reason: 'constant over every site' }]);
    const significant = features.filter((_, j) => ref.q[j] <= fdr);
    expect(univariate.kept).toEqual([...significant, 'f1copy']);
    expect(univariate.removed.map((r) => r.feature)).toEqual(features.filter((_, j) => ref.q[j] > fdr));
    // R's correlations among the features are all below 0.9 in absolute value: only the copy (r = 1) goes.
    expect(Math.max(...ref.correlation.flatMap((row, j) => row.filter((_, k) => k !== j).map(Math.abs)))).toBeLessThan(0.9);
    expect(correlation.removed).toHaveLength(1);
    expect(correlation.removed[0].feature).toMatch(/^f1(copy)?$/);
    expect(correlation.removed[0].reason).toMatch(/^\|r\| = 1\.000 > 0\.9 with "f1(copy)?", more associated/);
    expect(run.state.kept).toHaveLength(significant.length);
  });

  it("the LASSO step on the path fitted at the sites keeps glmnet's non-zero coefficients at λ", async () => {
    const path = await runLocalTwin(crossValidationMethod({ features, alpha: 1, lambdas: [ref.lasso.lambda], folds: { scheme: 'none' }, measure: 'deviance', minCohortSize: 5 }), partitions());
    const statistics: Record<string, FeatureStatistics> = Object.fromEntries(features.map((f) => [f, { sd: 1 }]));
    const { kept, step } = lassoStep(pathResult(path.state), features, { alpha: 1, lambda: ref.lasso.lambda }, statistics);
    expect(kept).toEqual(features.filter((_, j) => ref.lasso.coef[j + 1] !== 0));
    features.forEach((f, j) => expect(Math.abs(statistics[f].coefficient! - ref.lasso.coef[j + 1])).toBeLessThan(1e-6));
    expect(step.removed.map((r) => r.feature)).toEqual(features.filter((_, j) => ref.lasso.coef[j + 1] === 0));
  });

  it("the campaign's path (lassoPathSettings: at most 25 Newton steps per λ by default) reaches glmnet's fit, and stops as not converged within fewer steps than it needs", async () => {
    const settings = lassoPathSettings(features, { alpha: 1, lambda: ref.lasso.lambda }, 5);
    expect(settings.maxIterations).toBe(25);
    const path = await runLocalTwin(crossValidationMethod(settings), partitions());
    features.forEach((_, j) => expect(Math.abs(path.state.path[0][j + 1] - ref.lasso.coef[j + 1])).toBeLessThan(1e-6));
    await expect(runLocalTwin(crossValidationMethod(lassoPathSettings(features, { alpha: 1, lambda: ref.lasso.lambda, maxIterations: 2 }, 5)), partitions())).rejects.toThrow(/did not converge in 2 Newton steps/);
  });

  it('the site applies the selection to its own rows', () => {
    const rows = partitions().get('site-a')!;
    const applied = applySelection(['f3', 'f1'], rows);
    expect(applied.featureNames).toEqual(['f3', 'f1']);
    expect(Array.from(applied.x.subarray(0, 2))).toEqual([rows.x[2], rows.x[0]]);
  });

  it('reads the reproducibility report of fedrad reproducibility and filters on it', async () => {
    const report = { type: 'fedrad-reproducibility', features: features.map((f, j) => ({ feature: f, 'ICC(2,1)': { estimate: 0.95 - j * 0.1, lower: 0.9 - j * 0.1, upper: 0.99 } })) };
    const values = reproducibilityValues(report, { form: 'ICC(2,1)', on: 'lower' }, 'icc.json');
    const run = await runLocalTwin(selectionMethod({ features, minCohortSize: 5, icc: { values, form: 'ICC(2,1)', on: 'lower' }, reproducibility: { threshold: 0.75 } }), partitions());
    expect(run.state.steps![1].kept).toEqual(['f1', 'f2']);
    expect(run.state.steps![1].removed[0]).toEqual({ feature: 'f3', reason: 'ICC(2,1) lower 0.700 < 0.75' });
    expect(() => reproducibilityValues({ features: [] }, { form: 'ICC(2,1)', on: 'lower' }, 'x.json')).toThrow(MethodConfigError);
    const partial = reproducibilityValues({ ...report, features: report.features.slice(1) }, { form: 'ICC(2,1)', on: 'lower' }, 'icc.json');
    await expect(runLocalTwin(selectionMethod({ features, minCohortSize: 5, icc: { values: partial, form: 'ICC(2,1)', on: 'lower' }, reproducibility: { threshold: 0.75 } }), partitions())).rejects.toThrow('The reproducibility report has no ICC for "f1"');
  });

  it('refuses a site under the minimum cohort and a site with other features, naming them', async () => {
    await expect(runLocalTwin(selectionMethod({ features, minCohortSize: 70 }), partitions())).rejects.toThrow('Site site-a has 60 patients; the campaign requires at least 70');
    const parts = partitions();
    parts.set('site-c', { ...parts.get('site-c')!, featureNames: features.map((f) => (f === 'f4' ? 'f4b' : f)) });
    await expect(runLocalTwin(selectionMethod({ features, minCohortSize: 5 }), parts)).rejects.toThrow(MethodInputError);
    await expect(runLocalTwin(selectionMethod({ features, minCohortSize: 5 }), parts)).rejects.toThrow('Site site-c has no feature "f4"');
  });

  it('the attacker: the summary has fixed shapes (no dimension counts patients) and holds no patient value', async () => {
    const method = selectionMethod({ features, minCohortSize: 5 });
    const params = method.configure(method.initialState(), siteIds)['site-a'];
    const rows = partitions().get('site-a')!;
    const update = await method.siteStep(params, rows, { siteId: 'site-a' });
    const layout = method.layout(params);
    for (const t of update.tensors) expect(t.shape).toEqual(layout[t.name]);
    const sent = new Set(update.tensors.flatMap((t) => Array.from(t.data)));
    expect(Array.from(rows.x).filter((v) => sent.has(v))).toEqual([]);
  });
});
