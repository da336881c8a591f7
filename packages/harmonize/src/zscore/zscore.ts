import { ConstantFeatureError, HarmonizeInputError } from '../errors.js';
import { columnMoments, isConstantColumn } from '../moments.js';
import { requireMinimumCohort, requireSameFeatures, requireWellFormed, type FeatureRows, type SiteStepContext } from '../siteRows.js';

/**
 * Standardisation to mean 0 and standard deviation 1 (sample sd, n − 1, as R's scale()), either
 * per site (each site with its own mean and sd: nothing leaves the site) or pooled (one mean and
 * sd over every site's rows, from the sites' counts, means and centred sums of squares).
 */

/** A feature's mean and sample standard deviation. */
export interface Standardisation {
  featureNames: string[];
  mean: number[];
  sd: number[];
}

/** What a site sends for pooled z-scoring: its count, means and centred sums of squares. */
export interface ZscoreSiteMoments {
  patientCount: number;
  featureNames: string[];
  mean: number[];
  sumSq: number[];
}

/** (x − mean)/sd with the given standardisation, after checking it is for these features. */
export function applyStandardisation(rows: FeatureRows, standardisation: Standardisation, siteId = 'this site'): Float64Array {
  requireWellFormed(rows, rows.source ?? `${siteId}'s features`);
  requireSameFeatures(standardisation.featureNames, rows.featureNames, siteId);
  const p = rows.featureNames.length;
  return rows.values.map((v, k) => (v - standardisation.mean[k % p]) / standardisation.sd[k % p]);
}

/** The standardisation of a table's own rows; a constant feature (sd 0) is refused by name. */
export function standardisationOf(rows: FeatureRows, where: string, siteId?: string): Standardisation {
  requireWellFormed(rows, rows.source ?? where);
  const n = rows.ids.length;
  if (n < 2) throw new HarmonizeInputError(`A standard deviation needs at least 2 cases; ${where} has ${n}.`, { siteId, expected: 'at least 2 cases', found: `${n}` });
  const { mean, sumSq } = columnMoments(rows.values, n, rows.featureNames.length);
  return fromMoments(rows.featureNames, mean, sumSq, n, where, siteId);
}

/** Per-site z-scoring: the site standardises with its own mean and sd. A purely local step. */
export function zscoreSite(rows: FeatureRows, siteId: string): Float64Array {
  return applyStandardisation(rows, standardisationOf(rows, `site ${siteId}`, siteId), siteId);
}

/** Centralised pooled z-scoring, R's scale(x). */
export function zscorePooled(rows: FeatureRows): Float64Array {
  return applyStandardisation(rows, standardisationOf(rows, 'the pooled rows'));
}

/** The site half of pooled z-scoring: refused below the minimum cohort. */
export function zscoreSiteMoments(rows: FeatureRows, context: SiteStepContext): ZscoreSiteMoments {
  requireWellFormed(rows, rows.source ?? `site ${context.siteId}'s features`);
  requireMinimumCohort(rows.ids.length, context);
  const { mean, sumSq } = columnMoments(rows.values, rows.ids.length, rows.featureNames.length);
  return { patientCount: rows.ids.length, featureNames: [...rows.featureNames], mean: [...mean], sumSq: [...sumSq] };
}

/**
 * The coordinator half: the pooled mean and sd by the pairwise update of Chan, Golub & LeVeque
 * (1979), M₂ = Σₛ M₂,ₛ + Σₛ nₛ(x̄ₛ − x̄)², which keeps its digits when means are large.
 */
export function zscoreCombine(moments: ReadonlyMap<string, ZscoreSiteMoments>): Standardisation {
  const sites = [...moments.keys()].sort();
  if (sites.length === 0) throw new HarmonizeInputError('No site moments to combine.', { field: 'moments' });
  const first = moments.get(sites[0])!;
  const p = first.featureNames.length;
  for (const s of sites) {
    const m = moments.get(s)!;
    requireSameFeatures(first.featureNames, m.featureNames, s);
    if (!(m.patientCount >= 1) || m.mean.length !== p || m.sumSq.length !== p || [...m.mean, ...m.sumSq].some((v) => !Number.isFinite(v))) {
      throw new HarmonizeInputError(`Site ${s}'s moments are malformed (a count below 1, not ${p} features, or a non-finite value).`, { siteId: s });
    }
  }
  const n = sites.reduce((a, s) => a + moments.get(s)!.patientCount, 0);
  if (n < 2) throw new HarmonizeInputError(`A standard deviation needs at least 2 cases; the sites hold ${n}.`, { expected: 'at least 2 cases', found: `${n}` });
  const mean = new Float64Array(p);
  const sumSq = new Float64Array(p);
  for (const s of sites) {
    const m = moments.get(s)!;
    for (let f = 0; f < p; f++) mean[f] += (m.patientCount / n) * m.mean[f];
  }
  for (const s of sites) {
    const m = moments.get(s)!;
    for (let f = 0; f < p; f++) sumSq[f] += m.sumSq[f] + m.patientCount * (m.mean[f] - mean[f]) ** 2;
  }
  return fromMoments(first.featureNames, mean, sumSq, n, 'over every site');
}

function fromMoments(featureNames: readonly string[], mean: Float64Array, sumSq: Float64Array, n: number, where: string, siteId?: string): Standardisation {
  featureNames.forEach((name, f) => {
    if (isConstantColumn(mean[f], sumSq[f], n)) throw new ConstantFeatureError(name, where, siteId);
  });
  return { featureNames: [...featureNames], mean: [...mean], sd: Array.from(sumSq, (ss) => Math.sqrt(ss / (n - 1))) };
}
