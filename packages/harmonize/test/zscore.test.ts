import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { CohortTooSmallError, ConstantFeatureError, applyStandardisation, zscoreCombine, zscorePooled, zscoreSite, zscoreSiteMoments, type FeatureRows } from '../src/index.js';

// R's scale() per site and pooled, on the ComBat fixture's table: scripts/fixtures/harmonize/combat.R.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/combat.json', import.meta.url), 'utf8')) as { features: string[]; site: string[]; x: number[][]; zscoreSite: number[][]; zscorePooled: number[][] };
const p = fixture.features.length;
const rowsOf = (idx: number[]): FeatureRows => ({ ids: idx.map((i) => `case-${i + 1}`), featureNames: fixture.features, values: Float64Array.from(idx.flatMap((i) => fixture.x[i])) });
const all = fixture.x.map((_, i) => i);
const sites = [...new Set(fixture.site)];
const ofSite = (s: string) => all.filter((i) => fixture.site[i] === s);

function expectClose(actual: Float64Array, expected: number[][], idx: number[]) {
  idx.forEach((i, r) => { for (let f = 0; f < p; f++) expect(Math.abs(actual[r * p + f] - expected[i][f])).toBeLessThan(1e-12); });
}

describe('z-scoring equals R scale()', () => {
  it('per site', () => {
    for (const s of sites) expectClose(zscoreSite(rowsOf(ofSite(s)), s), fixture.zscoreSite, ofSite(s));
  });
  it('pooled, centralised', () => expectClose(zscorePooled(rowsOf(all)), fixture.zscorePooled, all));
  it('pooled, federated: the sites\' counts, means and centred sums give the pooled standardisation', () => {
    const moments = new Map(sites.map((s) => [s, zscoreSiteMoments(rowsOf(ofSite(s)), { siteId: s })]));
    const standardisation = zscoreCombine(moments);
    for (const s of sites) expectClose(applyStandardisation(rowsOf(ofSite(s)), standardisation, s), fixture.zscorePooled, ofSite(s));
  });
});

describe('z-score refusals', () => {
  it('a site below the minimum cohort', () => {
    expect(() => zscoreSiteMoments(rowsOf([0, 1, 2]), { siteId: 'site-a', minCohortSize: 5 })).toThrow(CohortTooSmallError);
  });
  it('a feature constant at a site (per-site) or everywhere (pooled), by name', () => {
    const rows = rowsOf(ofSite('site-a'));
    rows.values.forEach((_, k) => { if (k % p === 4) rows.values[k] = 1; });
    expect(() => zscoreSite(rows, 'site-a')).toThrow(ConstantFeatureError);
    expect(() => zscoreSite(rows, 'site-a')).toThrow(/"f5" is constant/);
    const moments = new Map([['site-a', zscoreSiteMoments(rows, { siteId: 'site-a' })]]);
    expect(() => zscoreCombine(moments)).toThrow(/"f5" is constant over every site/);
  });
  it('a standardisation for other features', () => {
    const standardisation = zscoreCombine(new Map([['site-a', zscoreSiteMoments(rowsOf(ofSite('site-a')), { siteId: 'site-a' })]]));
    const other = { ...rowsOf(ofSite('site-b')), featureNames: fixture.features.map((f) => `${f}_x`) };
    expect(() => applyStandardisation(other, standardisation, 'site-b')).toThrow(/Site site-b's features are not the ones agreed/);
  });
});
