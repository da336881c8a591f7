import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { coxCrossValidationMethod, coxCrossValidationResult, coxCvSiteStep, foldAssignment, MethodConfigError, MethodInputError, pooledRepeats, runLocalTwin, type CoxCrossValidationSettings, type CoxCvStepParams, type CoxTuningRows, type SurvivalRows } from '../src/index.js';

// Three sites' survival rows and glmnet::cv.glmnet(family = "cox", foldid = site) on them, each site a
// stratum (scripts/fixtures/methods/cox-cv-sites.R): the federated leave-one-site-out tuning, run by the
// local twin over the sites, must equal the pooled one, fold by fold. `kfold`: the same sites with three
// folds drawn within each site and cv.glmnet(family = "cox", foldid, type.measure = "deviance").
type Curve = { alpha: number; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number; foldValues: number[][]; coefficients: number[][] };
const fixture = JSON.parse(readFileSync(new URL('./fixtures/cox-cv-sites.json', import.meta.url), 'utf8')) as {
  nlambda: number;
  lambdaMinRatio: number;
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  cv: Array<Curve & { measure: 'C' | 'deviance'; nonzero: number[] }>;
  kfold: { folds: number; fold: Record<string, number[]>; cv: Array<Curve & { foldEvents: number[] }> };
};
const siteIds = Object.keys(fixture.sites);
const features = fixture.sites[siteIds[0]].x[0].map((_, j) => `f${j + 1}`);
const rowsOf = (s: string): SurvivalRows => ({ featureNames: features, x: Float64Array.from(fixture.sites[s].x.flat()), time: Float64Array.from(fixture.sites[s].time), event: Float64Array.from(fixture.sites[s].event) });
const partitions = new Map(siteIds.map((s) => [s, rowsOf(s)]));

async function tune(settings: CoxCrossValidationSettings) {
  const run = await runLocalTwin(coxCrossValidationMethod(settings), partitions, { patientCount: (r) => r.time.length });
  return coxCrossValidationResult(run.state, settings);
}

const close = (got: number[], want: number[], tol: number) => {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(tol * Math.max(1, Math.abs(want[i]))));
};

/** glmnet's grid and path on every site, each fold's held-out value (R's by-hand refits), and cv.glmnet's curve and choices. */
function expectCurve(result: Awaited<ReturnType<typeof tune>>, ref: Curve) {
  close(result.lambda, ref.lambda, 1e-10);
  result.coefficients.forEach((c, l) => close(c, ref.coefficients[l], 1e-6));
  result.foldValues.forEach((v, k) => close(v, ref.foldValues[k], 1e-8));
  close(result.cvm, ref.cvm, 1e-8);
  close(result.cvsd, ref.cvsd, 1e-7);
  expect(result.lambdaMin).toBeCloseTo(ref.lambdaMin, 12);
  expect(result.lambda1se).toBeCloseTo(ref.lambda1se, 12);
}

describe('federated Cox tuning (local twin) equals glmnet::cv.glmnet(family = "cox", foldid = site)', () => {
  for (const ref of fixture.cv) {
    it(`${ref.measure}, alpha ${ref.alpha}`, async () => {
      const result = await tune({ features, alpha: ref.alpha, nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, measure: ref.measure, minCohortSize: 5 });
      // glmnet's grid from the sites' scores at β = 0, and its path on every site.
      expectCurve(result, ref);
      expect(result.nonzero).toEqual(ref.nonzero);
      expect(result.folds.sizes).toEqual(siteIds.map((s) => (ref.measure === 'C' ? fixture.sites[s].time.length : fixture.sites[s].event.reduce((a, e) => a + e, 0))));
    });
  }

  it('a given λ grid is used as given (sorted decreasing)', async () => {
    const ref = fixture.cv[0];
    const result = await tune({ features, alpha: ref.alpha, lambdas: [...ref.lambda].reverse(), measure: 'C', minCohortSize: 5 });
    close(result.cvm, ref.cvm, 1e-8);
    expect(result.lambdaMin).toBeCloseTo(ref.lambdaMin, 12);
  });

  it('refuses settings it cannot carry out', () => {
    expect(() => coxCrossValidationMethod({ features, alpha: 1, measure: 'auc' as never, minCohortSize: 5 })).toThrow(MethodConfigError);
    expect(() => coxCrossValidationMethod({ features: [], alpha: 1, measure: 'C', minCohortSize: 5 })).toThrow(MethodConfigError);
  });
});

describe("the site's half of Cox tuning (attacker's view)", () => {
  const rows = rowsOf(siteIds[0]);
  const n = rows.time.length;
  const base: CoxCvStepParams = { kind: 'cox-cv-step', phase: 'path', features, ties: 'breslow', folds: { scheme: 'leave-one-site-out', count: 3, fold: 0 }, measure: 'C', minCohortSize: 5, beta: [0, 1, 2, 3].map(() => [0.1, -0.2, 0.01, 0.3, 0]), train: [true, true, true, true], heldOut: true };

  it('sends only whole-site sums and its own concordance counts, which equal the pair counts taken by hand', () => {
    const u = coxCvSiteStep(base, rows, { siteId: 'site-a' });
    expect(u.tensors.map((t) => t.name).filter((nm) => nm.startsWith('fold-0/'))).toEqual(['fold-0/held-out']);
    expect(u.tensors.every((t) => t.data.length <= features.length ** 2)).toBe(true);
    const eta = Array.from({ length: n }, (_, i) => features.reduce((a, _f, j) => a + rows.x[i * features.length + j] * base.beta![0][j], 0));
    let conc = 0;
    let disc = 0;
    let tied = 0;
    // Harrell's pairs: i an event, j later (or censored at i's time).
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (!rows.event[i] || !(rows.time[j] > rows.time[i] || (rows.time[j] === rows.time[i] && !rows.event[j]))) continue;
        if (eta[i] > eta[j]) conc++;
        else if (eta[i] < eta[j]) disc++;
        else tied++;
      }
    expect(u.tensors.find((t) => t.name === 'fold-0/held-out')!.data).toEqual([conc + disc + tied, conc, disc, tied]);
  });

  it('refuses foreign ties, a cohort under the minimum, a fold it is not, and malformed coefficients', () => {
    expect(() => coxCvSiteStep({ ...base, ties: 'efron' as never }, rows, { siteId: 'site-a' })).toThrow(/Breslow/);
    expect(() => coxCvSiteStep({ ...base, minCohortSize: n + 1 }, rows, { siteId: 'site-a' })).toThrow(MethodInputError);
    expect(() => coxCvSiteStep({ ...base, folds: { scheme: 'leave-one-site-out', count: 3, fold: 3 } }, rows, { siteId: 'site-a' })).toThrow(/fold 4 of 3/);
    expect(() => coxCvSiteStep({ ...base, beta: base.beta!.slice(1) }, rows, { siteId: 'site-a' })).toThrow(/beta/);
    expect(() => coxCvSiteStep({ ...base, features: [...features].reverse() }, rows, { siteId: 'site-a' })).toThrow(MethodInputError);
  });
});

// The federated K-fold Cox tuning, each site splitting its own rows and its own stratum, must equal the pooled one.
const kfoldFixture = fixture.kfold;
const withFolds = (s: string): CoxTuningRows => ({ ...rowsOf(s), fold: Int32Array.from(kfoldFixture.fold[s], (f) => f - 1) });

describe('federated K-fold Cox tuning within sites (local twin) equals glmnet::cv.glmnet(family = "cox", foldid, type.measure = "deviance")', () => {
  const kfold = { scheme: 'kfold', count: kfoldFixture.folds, seed: 1 } as const;
  for (const ref of kfoldFixture.cv) {
    it(`alpha ${ref.alpha}`, async () => {
      const settings: CoxCrossValidationSettings = { features, alpha: ref.alpha, nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, folds: kfold, measure: 'deviance', minCohortSize: 5 };
      const run = await runLocalTwin(coxCrossValidationMethod(settings), new Map(siteIds.map((s) => [s, withFolds(s)])), { patientCount: (r) => r.time.length });
      // Fold by fold against the by-hand refits (glmnet on each fold's training rows, coxnet.deviance difference).
      expectCurve(coxCrossValidationResult(run.state, settings), ref);
      expect(coxCrossValidationResult(run.state, settings).folds).toMatchObject({ scheme: 'kfold', count: 3, sizes: ref.foldEvents });
    });
  }

  it('splits each site from the seed when its rows carry no folds (as the logistic tuning), and pools repeats', async () => {
    const ref = kfoldFixture.cv[0];
    const seeded = (seed: number) => ({ features, alpha: 1, lambdas: ref.lambda.slice(0, 5), folds: { scheme: 'kfold', count: 3, seed } as const, measure: 'deviance' as const, minCohortSize: 5 });
    const drawn = await tune(seeded(4));
    // The same folds handed to the sites as rows' folds (foldAssignment on each site's rows, as a logistic site draws them).
    const given = new Map(siteIds.map((s) => [s, { ...rowsOf(s), fold: foldAssignment(rowsOf(s), { scheme: 'kfold', count: 3, seed: 4 }) }]));
    const settings = seeded(99);
    const fixed = coxCrossValidationResult((await runLocalTwin(coxCrossValidationMethod(settings), given, { patientCount: (r) => r.time.length })).state, settings);
    expect(drawn.foldValues).toEqual(fixed.foldValues);
    expect(drawn.folds.sizes.reduce((a, b) => a + b, 0)).toBe(siteIds.reduce((a, s) => a + fixture.sites[s].event.reduce((x, e) => x + e, 0), 0));
    const twice = pooledRepeats([drawn, drawn], 'deviance');
    close(twice.cvm, drawn.cvm, 1e-12);
    expect(twice.folds.count).toBe(6);
  });

  it('refuses the C-index with K folds (cv.glmnet ranks pairs across sites) and fewer than 2 folds', () => {
    expect(() => coxCrossValidationMethod({ features, alpha: 1, folds: { scheme: 'kfold', count: 3, seed: 1 }, measure: 'C', minCohortSize: 5 })).toThrow(/pairs across sites/);
    expect(() => coxCrossValidationMethod({ features, alpha: 1, folds: { scheme: 'kfold', count: 1, seed: 1 }, measure: 'deviance', minCohortSize: 5 })).toThrow(MethodConfigError);
  });
});

describe("the site's half of K-fold Cox tuning (attacker's view)", () => {
  const rows = withFolds(siteIds[0]);
  const n = rows.time.length;
  const beta = [0, 1, 2, 3].map(() => [0.1, -0.2, 0.01, 0.3, 0]);
  const base: CoxCvStepParams = { kind: 'cox-cv-step', phase: 'path', features, ties: 'breslow', folds: { scheme: 'kfold', count: 3, seed: 1 }, measure: 'deviance', minCohortSize: 5, beta, train: [true, true, true, true], heldOut: true };

  it("sends per fold its training rows' sums and its held-out events with the stratum's deviance difference, no per-patient value", () => {
    const u = coxCvSiteStep(base, rows, { siteId: 'site-a' });
    const fold = Array.from(rows.fold!);
    for (let k = 0; k < 3; k++) {
      expect(u.tensors.find((t) => t.name === `fold-${k}/count`)!.data).toEqual([fold.filter((f) => f !== k).length]);
      const held = u.tensors.find((t) => t.name === `fold-${k}/held-out`)!.data;
      expect(held[0]).toBe(fold.reduce((a, f, i) => a + (f === k ? rows.event[i] : 0), 0));
    }
    expect(u.tensors.find((t) => t.name === 'fold-3/count')!.data).toEqual([n]);
    expect(u.tensors.every((t) => t.data.length <= features.length ** 2)).toBe(true);
  });

  it('refuses a fold whose held-out or training part is under the minimum cohort, a C-index, and folds outside the job', () => {
    // Ten folds of 70 rows: held-out parts of 7.
    expect(() => coxCvSiteStep({ ...base, folds: { scheme: 'kfold', count: 10, seed: 1 }, beta: Array.from({ length: 11 }, () => beta[0]), train: new Array(11).fill(false), minCohortSize: 8 }, rowsOf(siteIds[0]), { siteId: 'site-a' })).toThrow(/Site site-a has 7 patients in the held-out part of fold 1; a sum over fewer than 8 may not leave the site/);
    // A foldid table that leaves 3 rows outside fold 1: its training part may not leave.
    const lopsided = { ...rows, fold: Int32Array.from(rows.fold!, (_, i) => (i < 3 ? 1 : 0)) };
    expect(() => coxCvSiteStep({ ...base, heldOut: false }, lopsided, { siteId: 'site-a' })).toThrow(/3 patients in the training part of fold 1/);
    expect(() => coxCvSiteStep({ ...base, measure: 'C' }, rows, { siteId: 'site-a' })).toThrow(/deviance only/);
    expect(() => coxCvSiteStep({ ...base, folds: { scheme: 'kfold', count: 2, seed: 1 }, beta: beta.slice(1) }, rows, { siteId: 'site-a' })).toThrow(/Row \d+ is given fold 3; the job has folds 1 to 2/);
  });
});
