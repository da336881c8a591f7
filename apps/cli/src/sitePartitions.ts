import type { FeatureCsv, SiteCsv } from '@fedrad/protocol';
import { CliUsageError } from './errors.js';

/** A site id as a site node's certificate carries it (common.schema.json SiteId). */
const SITE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * The rows (indices into the feature table) of each site S.csv names, sites in id order: what a
 * local twin (`--sites S.csv`) runs a federated method over. Every case in exactly one site, every
 * case of S.csv in the feature table, every site a valid site id — or a usage error naming it.
 */
export function siteRowIndices(features: FeatureCsv, sites: SiteCsv, files: { features: string; sites: string }): Map<string, number[]> {
  const siteOf = new Map(sites.ids.map((id, i) => [id, sites.sites[i]]));
  const missing = features.ids.find((id) => !siteOf.has(id));
  if (missing !== undefined) throw new CliUsageError(`${files.sites} names no site for case "${missing}" of ${files.features}; every case needs its site`);
  const known = new Set(features.ids);
  const extra = sites.ids.find((id) => !known.has(id));
  if (extra !== undefined) throw new CliUsageError(`${files.sites} lists case "${extra}", which ${files.features} does not have`);
  const bad = sites.sites.find((s) => !SITE_ID.test(s));
  if (bad !== undefined) throw new CliUsageError(`${files.sites}: site "${bad}" is not a site id (lower-case letters, digits and hyphens, 2 to 63 characters, as a site node's certificate names it)`);
  const rowsOf = new Map<string, number[]>();
  features.ids.forEach((id, i) => {
    const s = siteOf.get(id)!;
    if (!rowsOf.has(s)) rowsOf.set(s, []);
    rowsOf.get(s)!.push(i);
  });
  return new Map([...rowsOf.keys()].sort().map((s) => [s, rowsOf.get(s)!]));
}

/** The feature values of `rows` (row-major, the table's column order). */
export function featureRows(features: FeatureCsv, rows: readonly number[]): Float64Array {
  const q = features.featureNames.length;
  const x = new Float64Array(rows.length * q);
  rows.forEach((i, r) => x.set(features.values.subarray(i * q, (i + 1) * q), r * q));
  return x;
}
