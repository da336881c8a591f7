import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { CohortTooSmallError, ConstantFeatureError, ICC_FORMS, MismatchedIdsError, filterReproducible, icc, iccCombine, iccSiteSummary, kooLiBand, type FeatureRows, type IccSiteSummary } from '../src/index.js';

// psych::ICC (lmer = FALSE) on seeded readings by 2 and 3 readers: scripts/fixtures/harmonize/icc.R.
interface Fixture {
  site: string[];
  sets: Array<{ readers: number; features: Array<{ name: string; readers: number[][]; icc: Array<{ type: string; estimate: number; F: number; df1: number; df2: number; p: number; lower: number; upper: number }> }> }>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/icc.json', import.meta.url), 'utf8')) as Fixture;
const PSYCH_NAME: Record<string, string> = { ICC1: 'ICC(1,1)', ICC2: 'ICC(2,1)', ICC3: 'ICC(3,1)', ICC1k: 'ICC(1,k)', ICC2k: 'ICC(2,k)', ICC3k: 'ICC(3,k)' };

/** The fixture's set as k reader tables (one feature table per reader), optionally only some cases. */
function readerTables(set: Fixture['sets'][number], keep: (i: number) => boolean = () => true): FeatureRows[] {
  const n = set.features[0].readers.length;
  const cases = [...Array(n).keys()].filter(keep);
  return [...Array(set.readers).keys()].map((r) => ({
    ids: cases.map((i) => `case-${i + 1}`),
    featureNames: set.features.map((f) => f.name),
    values: Float64Array.from(cases.flatMap((i) => set.features.map((f) => f.readers[i][r]))),
    source: `reader${r + 1}.csv`,
  }));
}

const close = (a: number, b: number, tol: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe('ICC: every form and interval equals psych::ICC', () => {
  for (const set of fixture.sets) {
    it(`${set.readers} readers`, () => {
      const results = icc(readerTables(set));
      set.features.forEach((feature, f) => {
        expect(results[f].feature).toBe(feature.name);
        for (const row of feature.icc) {
          const ours = results[f].forms[PSYCH_NAME[row.type] as (typeof ICC_FORMS)[number]];
          close(ours.estimate, row.estimate, 1e-12);
          close(ours.F, row.F, 1e-10);
          expect([ours.df1, ours.df2]).toEqual([row.df1, row.df2]);
          close(ours.p, row.p, 1e-10);
          close(ours.lower, row.lower, 1e-10);
          close(ours.upper, row.upper, 1e-10);
        }
      });
    });
  }
});

describe('federated ICC', () => {
  const sites = [...new Set(fixture.site)];
  for (const set of fixture.sets) {
    it(`the sites' ANOVA sums give the pooled ICC exactly (${set.readers} readers)`, () => {
      const summaries = new Map<string, IccSiteSummary>();
      for (const siteId of sites) summaries.set(siteId, iccSiteSummary(readerTables(set, (i) => fixture.site[i] === siteId), { siteId, minCohortSize: 5 }));
      const federated = iccCombine(summaries);
      const pooled = icc(readerTables(set));
      federated.forEach((r, f) => {
        for (const form of ICC_FORMS) {
          for (const key of ['estimate', 'F', 'p', 'lower', 'upper'] as const) close(r.forms[form][key], pooled[f].forms[form][key], 1e-11);
        }
      });
    });
  }

  it('a site below the minimum cohort refuses before computing anything', () => {
    const few = readerTables(fixture.sets[0], (i) => i < 4);
    expect(() => iccSiteSummary(few, { siteId: 'site-a', minCohortSize: 5 })).toThrow(CohortTooSmallError);
  });

  // The attacker's view: what leaves is sums whose size does not grow with the cohort, and no
  // combination of them gives back a case's value.
  it('a summary holds features × readers sums, whatever the number of cases', () => {
    const set = fixture.sets[1];
    const small = iccSiteSummary(readerTables(set, (i) => i < 8), { siteId: 'x1' });
    const large = iccSiteSummary(readerTables(set), { siteId: 'x1' });
    const size = (s: IccSiteSummary) => JSON.stringify({ ...s, patientCount: 0 }).split(',').length;
    expect(size(small)).toBe(size(large));
    expect(Object.keys(large).sort()).toEqual(['betweenCases', 'featureNames', 'mean', 'patientCount', 'readerCount', 'readerDeviation', 'withinCases']);
    expect(large.readerDeviation).toHaveLength(set.features.length * set.readers);
  });
});

describe('ICC refusals', () => {
  const set = fixture.sets[0];
  it('a case one reader lacks is named with its file', () => {
    const [a, b] = readerTables(set);
    const short: FeatureRows = { ...b, ids: b.ids.slice(1), values: b.values.slice(set.features.length) };
    expect(() => icc([a, short])).toThrow(MismatchedIdsError);
    expect(() => icc([a, short])).toThrow(/reader2\.csv has no row for case "case-1"/);
  });
  it('a single reader is refused', () => {
    expect(() => icc(readerTables(set).slice(0, 1))).toThrow(/at least two measurements/);
  });
  it('a feature constant over every case and reader is refused by name', () => {
    const tables = readerTables(set).map((t) => ({ ...t, values: t.values.map((v, j) => (j % set.features.length === 0 ? 7 : v)) }));
    expect(() => icc(tables)).toThrow(ConstantFeatureError);
    expect(() => icc(tables)).toThrow(/"feature_1"/);
  });
});

describe('perfect agreement', () => {
  // Two identical readings: no within-case variance, so F is infinite, p is 0 and every ICC and limit is 1
  // (the limits of McGraw & Wong's formulas as F → ∞). A constant offset between readers keeps the
  // consistency forms at 1 and lowers absolute agreement: ICC(2,1) = MSB/(MSB + k·MSJ/n).
  const set = fixture.sets[0];
  it('identical readings', () => {
    const [a] = readerTables(set);
    for (const r of icc([a, { ...a, source: 'copy' }])) {
      for (const form of ICC_FORMS) {
        for (const v of [r.forms[form].estimate, r.forms[form].lower, r.forms[form].upper]) close(v, 1, 1e-12);
        expect(r.forms[form].p).toBe(0);
      }
    }
  });
  it('readings offset by a constant', () => {
    const [a] = readerTables(set);
    const shifted = { ...a, values: a.values.map((v) => v + 10) };
    for (const r of icc([a, shifted])) {
      const { n, k, betweenCases } = r.anova;
      const msb = betweenCases / (n - 1);
      const msj = (n * 2 * 5 ** 2) / (k - 1); // reader means at ±5 from the grand mean
      close(r.forms['ICC(3,1)'].estimate, 1, 1e-9);
      close(r.forms['ICC(3,1)'].lower, 1, 1e-6);
      expect(Math.abs(r.forms['ICC(2,1)'].estimate - msb / (msb + (k * msj) / n))).toBeLessThan(1e-9 * Math.max(1, msb));
      expect(Number.isFinite(r.forms['ICC(2,1)'].lower) && r.forms['ICC(2,1)'].lower < r.forms['ICC(2,1)'].estimate).toBe(true);
    }
  });
});

describe('Koo & Li bands and the reproducibility filter', () => {
  it('bands at the published cut-offs', () => {
    expect([0.49, 0.5, 0.74, 0.75, 0.89, 0.9].map(kooLiBand)).toEqual(['poor', 'moderate', 'moderate', 'good', 'good', 'excellent']);
  });
  it('the lower bound is stricter than the estimate', () => {
    const results = icc(readerTables(fixture.sets[0]));
    const onEstimate = filterReproducible(results, { form: 'ICC(2,1)', threshold: 0.75, on: 'estimate' });
    const onLower = filterReproducible(results, { form: 'ICC(2,1)', threshold: 0.75, on: 'lower' });
    onEstimate.forEach((d, f) => {
      expect(d.kept).toBe(results[f].forms['ICC(2,1)'].estimate >= 0.75);
      expect(onLower[f].kept).toBe(results[f].forms['ICC(2,1)'].lower >= 0.75);
      if (onLower[f].kept) expect(d.kept).toBe(true);
    });
  });
});
