import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { coxCrossValidationMethod, coxCrossValidationResult, coxCvSiteStep, MethodConfigError, MethodInputError, runLocalTwin, type CoxCrossValidationSettings, type CoxCvStepParams, type SurvivalRows } from '../src/index.js';

// Three sites' survival rows and glmnet::cv.glmnet(family = "cox", foldid = site) on them, each site a
// stratum (scripts/fixtures/methods/cox-cv-sites.R): the federated leave-one-site-out tuning, run by the
// local twin over the sites, must equal the pooled one, fold by fold.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/cox-cv-sites.json', import.meta.url), 'utf8')) as {
  nlambda: number;
  lambdaMinRatio: number;
  sites: Record<string, { x: number[][]; time: number[]; event: number[] }>;
  cv: Array<{ alpha: number; measure: 'C' | 'deviance'; lambda: number[]; cvm: number[]; cvsd: number[]; lambdaMin: number; lambda1se: number; foldValues: number[][]; nonzero: number[]; coefficients: number[][] }>;
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

describe('federated Cox tuning (local twin) equals glmnet::cv.glmnet(family = "cox", foldid = site)', () => {
  for (const ref of fixture.cv) {
    it(`${ref.measure}, alpha ${ref.alpha}`, async () => {
      const result = await tune({ features, alpha: ref.alpha, nlambda: fixture.nlambda, lambdaMinRatio: fixture.lambdaMinRatio, measure: ref.measure, minCohortSize: 5 });
      // glmnet's grid from the sites' scores at β = 0, and its path on every site.
      close(result.lambda, ref.lambda, 1e-10);
      expect(result.nonzero).toEqual(ref.nonzero);
      result.coefficients.forEach((c, l) => close(c, ref.coefficients[l], 1e-6));
      result.foldValues.forEach((v, k) => close(v, ref.foldValues[k], 1e-8));
      close(result.cvm, ref.cvm, 1e-8);
      close(result.cvsd, ref.cvsd, 1e-7);
      expect(result.lambdaMin).toBeCloseTo(ref.lambdaMin, 12);
      expect(result.lambda1se).toBeCloseTo(ref.lambda1se, 12);
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
