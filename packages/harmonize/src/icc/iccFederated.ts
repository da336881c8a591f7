import { HarmonizeInputError } from '../errors.js';
import { requireMinimumCohort, requireSameFeatures, type FeatureRows, type SiteStepContext } from '../siteRows.js';
import { formsOf, type IccFeatureResult, type IccOptions } from './icc.js';
import { alignReaders } from './readerTable.js';

/**
 * What a site sends for a federated ICC: per feature, sums over its cases only, centred on its
 * own mean so that no digits are lost (Chan, Golub & LeVeque 1979, pairwise combination). Its
 * size is fixed by features × readers, whatever the number of cases.
 */
export interface IccSiteSummary {
  patientCount: number;
  readerCount: number;
  featureNames: string[];
  /** m_f: the site's mean of feature f over its cases and readers. */
  mean: number[];
  /** Σᵢ (xᵢᵣ − m_f) per feature and reader, at f·k + r. */
  readerDeviation: number[];
  /** k Σᵢ (x̄ᵢ. − m_f)² per feature. */
  betweenCases: number[];
  /** Σᵢᵣ (xᵢᵣ − x̄ᵢ.)² per feature. */
  withinCases: number[];
}

/** The site half: the ANOVA sums of its own cases, refused below the campaign's minimum cohort. */
export function iccSiteSummary(readers: readonly FeatureRows[], context: SiteStepContext): IccSiteSummary {
  const table = alignReaders(readers);
  const n = table.ids.length;
  requireMinimumCohort(n, context);
  const k = table.readerCount;
  const p = table.featureNames.length;
  const at = (i: number, r: number, f: number) => table.values[(i * k + r) * p + f];
  const summary: IccSiteSummary = {
    patientCount: n, readerCount: k, featureNames: [...table.featureNames],
    mean: [], readerDeviation: new Array(p * k).fill(0), betweenCases: [], withinCases: [],
  };
  for (let f = 0; f < p; f++) {
    let m = 0;
    for (let i = 0; i < n; i++) for (let r = 0; r < k; r++) m += at(i, r, f);
    m /= n * k;
    let between = 0;
    let within = 0;
    for (let i = 0; i < n; i++) {
      let caseMean = 0;
      for (let r = 0; r < k; r++) caseMean += at(i, r, f) / k;
      between += k * (caseMean - m) ** 2;
      for (let r = 0; r < k; r++) {
        within += (at(i, r, f) - caseMean) ** 2;
        summary.readerDeviation[f * k + r] += at(i, r, f) - m;
      }
    }
    summary.mean.push(m);
    summary.betweenCases.push(between);
    summary.withinCases.push(within);
  }
  return summary;
}

/**
 * The coordinator half: the pooled ANOVA from the sites' sums, then every form. With N cases and
 * grand mean ḡ = Σ nₛmₛ/N: between cases Σₛ[Bₛ + nₛk(mₛ − ḡ)²]; within cases ΣₛWₛ; reader r's
 * mean minus ḡ is ΣₛDₛᵣ/N, so between readers is N Σᵣ(ΣₛDₛᵣ/N)². Equal to `icc` on the pooled
 * cells up to rounding.
 */
export function iccCombine(summaries: ReadonlyMap<string, IccSiteSummary>, options: IccOptions = {}): IccFeatureResult[] {
  const sites = [...summaries.keys()].sort();
  if (sites.length === 0) throw new HarmonizeInputError('No site summaries to combine.', { field: 'summaries' });
  const first = summaries.get(sites[0])!;
  const k = first.readerCount;
  const p = first.featureNames.length;
  for (const siteId of sites) {
    const s = summaries.get(siteId)!;
    requireSameFeatures(first.featureNames, s.featureNames, siteId);
    if (s.readerCount !== k) throw new HarmonizeInputError(`Site ${siteId} measured each case ${s.readerCount} times, the first site ${k}; every site must use the same readers.`, { siteId, field: 'readerCount', expected: `${k}`, found: `${s.readerCount}` });
    const sizes = [s.mean.length, s.betweenCases.length, s.withinCases.length, s.readerDeviation.length / k];
    if (!(s.patientCount >= 1) || sizes.some((size) => size !== p) || [...s.mean, ...s.betweenCases, ...s.withinCases, ...s.readerDeviation].some((x) => !Number.isFinite(x))) {
      throw new HarmonizeInputError(`Site ${siteId}'s ICC summary is malformed (a count below 1, a vector not of ${p} features × ${k} readers, or a non-finite sum).`, { siteId });
    }
  }
  const n = sites.reduce((a, s) => a + summaries.get(s)!.patientCount, 0);
  if (n < 2) throw new HarmonizeInputError(`An ICC needs at least 2 cases; the sites hold ${n}.`, { expected: 'at least 2 cases', found: `${n}` });
  return first.featureNames.map((feature, f) => {
    let grand = 0;
    for (const s of sites) grand += summaries.get(s)!.patientCount * summaries.get(s)!.mean[f];
    grand /= n;
    let betweenCases = 0;
    let withinCases = 0;
    const readerOffset = new Float64Array(k);
    for (const siteId of sites) {
      const s = summaries.get(siteId)!;
      betweenCases += s.betweenCases[f] + s.patientCount * k * (s.mean[f] - grand) ** 2;
      withinCases += s.withinCases[f];
      for (let r = 0; r < k; r++) readerOffset[r] += s.readerDeviation[f * k + r] / n;
    }
    let betweenReaders = 0;
    for (let r = 0; r < k; r++) betweenReaders += n * readerOffset[r] ** 2;
    const anova = { n, k, betweenCases, betweenReaders, withinCases };
    return { feature, anova, forms: formsOf(feature, anova, options) };
  });
}
