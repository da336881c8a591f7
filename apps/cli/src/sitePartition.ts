import type { SiteCsv } from '@fedrad/protocol';
import { CliUsageError } from './errors.js';

/** A site id as a site node's certificate carries it (common.schema.json SiteId). */
const SITE_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * The rows of each site for a local twin (`--sites S.csv`): every case of the table in exactly one
 * site, every case of S.csv in the table, every site a valid id. Row indices in table order, sites
 * sorted. Errors name both files and the case.
 */
export function partitionBySite(ids: readonly string[], sites: SiteCsv, files: { table: string; sites: string }): Map<string, number[]> {
  const siteOf = new Map(sites.ids.map((id, i) => [id, sites.sites[i]]));
  const missing = ids.find((id) => !siteOf.has(id));
  if (missing !== undefined) throw new CliUsageError(`${files.sites} names no site for case "${missing}" of ${files.table}; every case needs its site`);
  const known = new Set(ids);
  const extra = sites.ids.find((id) => !known.has(id));
  if (extra !== undefined) throw new CliUsageError(`${files.sites} lists case "${extra}", which ${files.table} does not have`);
  const bad = sites.sites.find((s) => !SITE_ID.test(s));
  if (bad !== undefined) throw new CliUsageError(`${files.sites}: site "${bad}" is not a site id (lower-case letters, digits and hyphens, 2 to 63 characters, as a site node's certificate names it)`);
  const rowsOf = new Map<string, number[]>();
  ids.forEach((id, i) => {
    const s = siteOf.get(id)!;
    if (!rowsOf.has(s)) rowsOf.set(s, []);
    rowsOf.get(s)!.push(i);
  });
  return new Map([...rowsOf.keys()].sort().map((s) => [s, rowsOf.get(s)!]));
}

/** The rows `rows` of a row-major table with `width` columns. */
export function selectRows(values: Float64Array, width: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((i, r) => out.set(values.subarray(i * width, (i + 1) * width), r * width));
  return out;
}
