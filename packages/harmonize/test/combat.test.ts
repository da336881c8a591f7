import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  BatchTooSmallError, CohortTooSmallError, ConstantFeatureError, HarmonizeInputError, combat, combatBatchAdjustment, combatCovariateFit, combatSiteApply, combatEstimate,
  combatSiteMoments, combatSiteResiduals, runCombatTwin, type CombatOptions, type CombatRows, type CombatSiteMoments,
} from '../src/index.js';

// sva::ComBat 3.46 for each option on a seeded three-site table: scripts/fixtures/harmonize/combat.R.
interface Fixture {
  features: string[];
  site: string[];
  x: number[][];
  covariateNames: string[];
  covariates: number[][];
  cases: Array<{ name: string; covariates: boolean; meanOnly: boolean; nonParametric: boolean; reference: string | null; out: number[][] }>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/combat.json', import.meta.url), 'utf8')) as Fixture;
const ids = fixture.x.map((_, i) => `case-${i + 1}`);

function rowsOf(keep: (i: number) => boolean, withCovariates: boolean): CombatRows {
  const idx = ids.map((_, i) => i).filter(keep);
  return {
    ids: idx.map((i) => ids[i]),
    featureNames: fixture.features,
    values: Float64Array.from(idx.flatMap((i) => fixture.x[i])),
    ...(withCovariates ? { covariateNames: fixture.covariateNames, covariates: Float64Array.from(idx.flatMap((i) => fixture.covariates[i])) } : {}),
  };
}
const pooled = (withCovariates: boolean) => rowsOf(() => true, withCovariates);
const partitions = (withCovariates: boolean) => new Map([...new Set(fixture.site)].map((s) => [s, rowsOf((i) => fixture.site[i] === s, withCovariates)]));
const optionsOf = (c: Fixture['cases'][number]): CombatOptions => ({ meanOnly: c.meanOnly, nonParametric: c.nonParametric, ...(c.reference ? { referenceBatch: c.reference } : {}) });
const p = fixture.features.length;

function expectClose(actual: Float64Array, expected: number[][], rows: number[], tol: number) {
  rows.forEach((i, r) => {
    for (let f = 0; f < p; f++) {
      const e = expected[i][f];
      expect(Math.abs(actual[r * p + f] - e)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
    }
  });
}

describe('centralised ComBat equals sva::ComBat', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const result = combat(pooled(c.covariates), fixture.site, optionsOf(c));
      expectClose(result.values, c.out, ids.map((_, i) => i), 1e-9);
    });
  }
});

describe('federated ComBat (distributed, Chen et al. 2022) equals sva::ComBat and the centralised result', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const run = runCombatTwin(partitions(c.covariates), optionsOf(c), 5);
      const central = combat(pooled(c.covariates), fixture.site, optionsOf(c));
      for (const [site, values] of run.harmonised) {
        const rows = ids.map((_, i) => i).filter((i) => fixture.site[i] === site);
        expectClose(values, c.out, rows, 1e-9);
        rows.forEach((i, r) => {
          for (let f = 0; f < p; f++) expect(Math.abs(values[r * p + f] - central.values[i * p + f])).toBeLessThanOrEqual(1e-11 * Math.max(1, Math.abs(central.values[i * p + f])));
        });
      }
    });
  }
});

describe('a batch brought to a fixed standardisation (an independent test site)', () => {
  // With a reference batch and no covariates, sva's standardisation is the reference's own (its
  // mean and variance), whatever the other batches: so site-c harmonised as a batch that took no
  // part in the estimate (the campaign's test site) must equal sva::ComBat's output for site-c.
  it('site-c against the training sites site-a and site-b (reference site-b) equals sva::ComBat(ref.batch = site-b)', () => {
    const c = fixture.cases.find((k) => k.name === 'reference')!;
    const parts = partitions(false);
    const training = new Map([...parts].filter(([s]) => s !== 'site-c'));
    const run = runCombatTwin(training, optionsOf(c), 5);
    const { gammaStar: _g, deltaStar: _d, reference: _r, ...standardisation } = run.adjustments.get('site-a')!;
    const test = parts.get('site-c')!;
    const moments = combatSiteMoments(test, { siteId: 'site-c' });
    const residuals = combatSiteResiduals(test, combatCovariateFit(new Map([['site-c', moments]])), { siteId: 'site-c' });
    const adjustment = combatBatchAdjustment(standardisation, moments, residuals, optionsOf(c));
    expectClose(combatSiteApply(test, adjustment, 'site-c'), c.out, ids.map((_, i) => i).filter((i) => fixture.site[i] === 'site-c'), 1e-9);
  });
  it('refuses moments and residuals of another case count', () => {
    const run = runCombatTwin(partitions(false), {}, 5);
    const { gammaStar: _g, deltaStar: _d, reference: _r, ...standardisation } = run.adjustments.get('site-a')!;
    const m = combatSiteMoments(partitions(false).get('site-c')!, { siteId: 'site-c' });
    expect(() => combatBatchAdjustment(standardisation, m, { patientCount: m.patientCount - 1, residualSumSq: m.featureMean })).toThrow(HarmonizeInputError);
  });
});

describe('what crosses the wire', () => {
  it('a site sends sums of a size fixed by features × covariates, whatever its number of cases', () => {
    const site = (count: number) => combatSiteMoments(rowsOf((i) => fixture.site[i] === 'site-c' && i < 31 + count, true), { siteId: 'site-c' });
    const size = (m: CombatSiteMoments) => [m.featureMean, m.covariateMean, m.covariateScatter, m.crossScatter].map((a) => a.length);
    expect(size(site(6))).toEqual(size(site(20)));
    expect(size(site(20))).toEqual([p, 2, 4, 2 * p]);
  });
  it('each site receives only its own batch effects; the pooled quantities are the same for all', () => {
    const run = runCombatTwin(partitions(true), {}, 5);
    const [a, b] = [run.adjustments.get('site-a')!, run.adjustments.get('site-b')!];
    expect(a.grandMean).toEqual(b.grandMean);
    expect(a.varPooled).toEqual(b.varPooled);
    expect(a.gammaStar).not.toEqual(b.gammaStar);
    expect(Object.keys(a).sort()).toEqual(['beta', 'covariateNames', 'deltaStar', 'featureNames', 'gammaStar', 'grandMean', 'reference', 'varPooled']);
    expect(a.gammaStar).toHaveLength(p);
  });
  it('a site below the minimum cohort refuses before computing anything', () => {
    expect(() => combatSiteMoments(rowsOf((i) => fixture.site[i] === 'site-a' && i < 4, false), { siteId: 'site-a', minCohortSize: 5 })).toThrow(CohortTooSmallError);
  });
  it('the coordinator refuses residuals that do not match a site\'s moments', () => {
    const parts = partitions(false);
    const moments = new Map([...parts].map(([s, r]) => [s, combatSiteMoments(r, { siteId: s })]));
    const fit = combatCovariateFit(moments);
    const residuals = new Map([...parts].map(([s, r]) => [s, combatSiteResiduals(r, fit, { siteId: s })]));
    residuals.set('site-b', { patientCount: 3, residualSumSq: residuals.get('site-b')!.residualSumSq });
    expect(() => combatEstimate(moments, residuals, fit)).toThrow(/Site site-b's residual sums are malformed/);
  });
});

describe('ComBat refusals', () => {
  it('a batch of one', () => {
    const batch = fixture.site.map((s, i) => (i === 0 ? 'site-z' : s));
    expect(() => combat(pooled(false), batch, {})).toThrow(BatchTooSmallError);
    expect(() => combatSiteMoments(rowsOf((i) => i === 0, false), { siteId: 'site-z', minCohortSize: 1 })).toThrow(BatchTooSmallError);
  });
  it('a feature constant within a site, by name and site', () => {
    const rows = pooled(false);
    fixture.site.forEach((s, i) => { if (s === 'site-b') rows.values[i * p + 2] = 0.25; });
    expect(() => combat(rows, fixture.site)).toThrow(ConstantFeatureError);
    expect(() => combat(rows, fixture.site)).toThrow(/"f3" is constant within site site-b/);
    const part = partitions(false).get('site-b')!;
    part.values.forEach((_, k) => { if (k % p === 2) part.values[k] = 0.25; });
    expect(() => combatSiteMoments(part, { siteId: 'site-b' })).toThrow(/"f3" is constant within site site-b/);
  });
  it('a covariate confounded with the sites', () => {
    const rows = pooled(false);
    const withSiteCovariate: CombatRows = { ...rows, covariateNames: ['is-site-a'], covariates: Float64Array.from(fixture.site, (s) => (s === 'site-a' ? 1 : 0)) };
    expect(() => combat(withSiteCovariate, fixture.site)).toThrow(/confounded/);
    const parts = new Map([...partitions(false)].map(([s, r]) => [s, { ...r, covariateNames: ['is-site-a'], covariates: new Float64Array(r.ids.length).fill(s === 'site-a' ? 1 : 0) }]));
    expect(() => runCombatTwin(parts)).toThrow(/confounded/);
  });
  it('an unknown reference batch', () => {
    expect(() => combat(pooled(false), fixture.site, { referenceBatch: 'site-q' })).toThrow(HarmonizeInputError);
    expect(() => runCombatTwin(partitions(false), { referenceBatch: 'site-q' })).toThrow(/reference batch "site-q"/);
  });
  it('a non-finite value, naming the case', () => {
    const rows = pooled(false);
    rows.values[5 * p + 1] = Number.NaN;
    expect(() => combat(rows, fixture.site)).toThrow(/case "case-6" has no finite value for "f2"/);
  });
});
