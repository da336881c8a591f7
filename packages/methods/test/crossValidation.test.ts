import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { crossValidationMethod, crossValidationResult, CrossValidationError, MethodConfigError, MethodInputError, pooledRepeats, runLocalTwin, type CrossValidationSettings, type TuningRows } from '../src/index.js';

// Three sites' rows and glmnet::cv.glmnet's curves on them (scripts/fixtures/methods/cv-sites.R):
// the federated cross-validation, run by the local twin over the sites, must equal the pooled one.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/cv-sites.json', import.meta.url), 'utf8')) as {
  nlambda: number;
  lambdaMinRatio: number;
  sites: Record<string, { x: number[][]; y: number[]; fold: number[] }>;
  cv: Array<{ scheme: string; alpha: number; measure: 'deviance' | 'auc'; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number; nonzero: number[] }>;
};
const siteIds = Object.keys(fixture.sites);
const features = fixture.sites[siteIds[0]].x[0].map((_, j) => `f${j + 1}`);
const rowsOf = (s: string, withFolds: boolean): TuningRows => ({
  featureNames: features,
  x: Float64Array.from(fixture.sites[s].x.flat()),
  label: Float64Array.from(fixture.sites[s].y),
  ...(withFolds ? { fold: Int32Array.from(fixture.sites[s].fold, (f) => f - 1) } : {}),
});
const partitions = (withFolds: boolean) => new Map(siteIds.map((s) => [s, rowsOf(s, withFolds)]));

async function crossValidate(settings: CrossValidationSettings, withFolds = false) {
  const run = await runLocalTwin(crossValidationMethod(settings), partitions(withFolds), { patientCount: (r) => r.label.length });
  return { run, result: crossValidationResult(run.state, settings) };
}

const close = (got: number[], want: number[], tol: number) => {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(tol * Math.max(1, Math.abs(want[i]))));
};

describe('federated cross-validation (local twin) equals glmnet::cv.glmnet with foldid', () => {
  for (const ref of fixture.cv) {
    it(`${ref.scheme}, ${ref.measure}, alpha ${ref.alpha}`, async () => {
      const folds = ref.scheme === 'leave-one-site-out' ? ({ scheme: 'leave-one-site-out' } as const) : ({ scheme: 'kfold', count: 3, seed: 1 } as const);
      const settings: CrossValidationSettings = { features, alpha: ref.alpha, nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, folds, measure: ref.measure, minCohortSize: 5 };
      const { result } = await crossValidate(settings, ref.scheme !== 'leave-one-site-out');
      // The grid is glmnet's, generated from the pooled moments the sites sent.
      close(result.lambda, ref.lambda, 1e-10);
      expect(result.nonzero).toEqual(ref.nonzero);
      expect(result.folds.sizes.reduce((a, b) => a + b, 0)).toBe(240);
      if (ref.measure === 'auc') {
        // At λ_max every fold's model is intercept-only: tied scores, where glmnet's AUC breaks ties at random. Compare where every fold ranks.
        const ranked = ref.nonzero.map((c, l) => (c > 0 && l > 0 ? l : -1)).filter((l) => l >= 0);
        close(ranked.map((l) => result.cvm[l]), ranked.map((l) => ref.cvm[l]), 1e-8);
        close(ranked.map((l) => result.cvsd[l]), ranked.map((l) => ref.cvsd[l]), 1e-8);
      } else {
        close(result.cvm, ref.cvm, 1e-8);
        close(result.cvsd, ref.cvsd, 1e-7);
      }
      expect(result.lambdaMin).toBeCloseTo(ref.lambdaMin, 12);
      expect(result.lambda1se).toBeCloseTo(ref.lambda1se, 12);
    });
  }

  it('a given λ grid is used as given (sorted decreasing, as glmnet sorts it)', async () => {
    const ref = fixture.cv[0];
    const lambdas = [...ref.lambda].reverse();
    const { result } = await crossValidate({ features, alpha: ref.alpha, lambdas, folds: { scheme: 'leave-one-site-out' }, measure: 'deviance', minCohortSize: 5 });
    expect(result.lambda).toEqual(ref.lambda);
    close(result.cvm, ref.cvm, 1e-8);
  });
});

describe('federated cross-validation refuses what it cannot do, naming it', () => {
  const base: CrossValidationSettings = { features, alpha: 1, nlambda: 5, lambdaMinRatio: 0.1, folds: { scheme: 'kfold', count: 3, seed: 7 }, measure: 'deviance', minCohortSize: 5 };
  it('AUC over folds spread across sites', () => {
    expect(() => crossValidationMethod({ ...base, measure: 'auc' })).toThrow(MethodConfigError);
  });
  it('a fold whose held-out part at a site is under the minimum cohort (no sum over fewer patients leaves)', async () => {
    await expect(crossValidate({ ...base, folds: { scheme: 'kfold', count: 10, seed: 7 }, minCohortSize: 7 })).rejects.toThrow(MethodInputError);
    await expect(crossValidate({ ...base, folds: { scheme: 'kfold', count: 10, seed: 7 }, minCohortSize: 7 })).rejects.toThrow(/Site site-a has 6 patients in the held-out part of fold 1; a sum over fewer than 7 may not leave the site/);
  });
  it('a constant feature, by name', async () => {
    const parts = partitions(false);
    for (const rows of parts.values()) for (let i = 0; i < rows.label.length; i++) rows.x[i * features.length + 2] = 4;
    await expect(runLocalTwin(crossValidationMethod(base), parts)).rejects.toThrow(CrossValidationError);
    await expect(runLocalTwin(crossValidationMethod(base), parts)).rejects.toThrow('Feature "f3" is constant on all rows');
  });
  it('features other than the job asks for', async () => {
    const parts = partitions(false);
    parts.set('site-b', { ...parts.get('site-b')!, featureNames: [...features].reverse() });
    await expect(runLocalTwin(crossValidationMethod(base), parts)).rejects.toThrow(/Site site-b holds features f8, .*; the job needs f1/);
  });
  it('a site that did not answer', async () => {
    await expect(runLocalTwin(crossValidationMethod(base), partitions(false), { dropAfterStep: (step, s) => step === 2 && s === 'site-c' })).rejects.toMatchObject({ code: 'CV_SITE_FAILED', context: { siteId: 'site-c' } });
  });
  it('the attacker: what leaves a site is sums over at least the minimum cohort, never a row', async () => {
    const method = crossValidationMethod({ ...base, lambdas: [0.05] });
    const rows = rowsOf('site-a', false);
    let state = method.initialState();
    for (let step = 0; step < 3; step++) {
      const params = method.configure(state, siteIds);
      const update = await method.siteStep(params['site-a'], rows, { siteId: 'site-a' });
      // Every tensor has the layout's fixed shape (no dimension counts patients) …
      const layout = method.layout(params['site-a']);
      for (const t of update.tensors) expect(t.shape).toEqual(layout[t.name]);
      // … and no patient's feature value appears among them.
      const sent = new Set(update.tensors.flatMap((t) => Array.from(t.data)));
      expect(Array.from(rows.x).filter((v) => sent.has(v))).toEqual([]);
      const results = await Promise.all(siteIds.map(async (s) => ({ siteId: s, update: await method.siteStep(params[s], rowsOf(s, false), { siteId: s }) })));
      state = method.aggregate(state, results, []).state;
    }
  });
});

describe('repeated K-fold', () => {
  it('pools the R·K folds: a repeat of the same folds keeps cvm and shrinks cvsd by √((K − 1)/(2K − 1))', async () => {
    const ref = fixture.cv.find((c) => c.scheme === 'kfold-within-sites' && c.alpha === 1)!;
    const { result } = await crossValidate({ features, alpha: 1, lambdas: ref.lambda, folds: { scheme: 'kfold', count: 3, seed: 1 }, measure: 'deviance', minCohortSize: 5 }, true);
    const twice = pooledRepeats([result, result], 'deviance');
    expect(twice.folds.count).toBe(6);
    close(twice.cvm, ref.cvm, 1e-8);
    close(twice.cvsd, ref.cvsd.map((s) => s * Math.sqrt(2 / 5)), 1e-7);
  });
});

describe('resampling inside cross-validation', () => {
  it('rebalances each fold’s training rows at each site and never its held-out rows', async () => {
    const ref = fixture.cv.find((c) => c.scheme === 'kfold-within-sites' && c.alpha === 1)!;
    const base: CrossValidationSettings = { features, alpha: 1, lambdas: ref.lambda.slice(0, 4), folds: { scheme: 'kfold', count: 3, seed: 1 }, measure: 'deviance', minCohortSize: 5 };
    const method = crossValidationMethod({ ...base, resampling: { method: 'oversample', seed: 9 } });
    const sent: Array<{ site: string; name: string; rows: number }> = [];
    const recording: typeof method = {
      ...method,
      aggregate: (state, results, failures) => {
        for (const r of results) for (const t of r.update.tensors) if (/\/(count|held-out)$/.test(t.name)) sent.push({ site: r.siteId, name: t.name, rows: t.data[0] });
        return method.aggregate(state, results, failures);
      },
    };
    const run = await runLocalTwin(recording, partitions(true));
    // What each site's rows give, counted here from the fixture: fold k's training rows oversampled to
    // twice the larger class; its held-out rows as they are.
    for (const s of siteIds) {
      const { fold, y } = fixture.sites[s];
      for (let k = 0; k < 3; k++) {
        const train = y.filter((_, i) => fold[i] - 1 !== k);
        const positives = train.filter((v) => v === 1).length;
        const expectedTrain = 2 * Math.max(positives, train.length - positives);
        const heldOut = fold.filter((f) => f - 1 === k).length;
        const counts = sent.filter((e) => e.site === s && e.name === `fold-${k}/count`).map((e) => e.rows);
        const held = sent.filter((e) => e.site === s && e.name === `fold-${k}/held-out`).map((e) => e.rows);
        expect(counts.length).toBeGreaterThan(0);
        expect(new Set(counts)).toEqual(new Set([expectedTrain]));
        expect(new Set(held)).toEqual(new Set([heldOut]));
      }
    }
    const result = crossValidationResult(run.state, base);
    const plain = (await crossValidate(base, true)).result;
    expect(result.folds.sizes).toEqual(plain.folds.sizes);
    expect(result.cvm.some((v, l) => Math.abs(v - plain.cvm[l]) > 1e-6)).toBe(true);
  });
});
