import { UnknownRoiError } from './errors.js';

/**
 * Picks a named structure: the exact name, else the one name equal to the request ignoring case
 * and surrounding spaces. Nothing looser: a request that is only part of a name (`GTV` for
 * `GTV_Mass_CT`) would silently take a different structure than the one meant, so it is an
 * UnknownRoiError listing every name the file holds, for the caller to copy the right one.
 */
export function selectByName<T>(path: string, requested: string, entries: Array<{ name: string; value: T }>): { name: string; value: T } {
  const exact = entries.filter((e) => e.name === requested);
  if (exact.length === 1) return exact[0];
  const want = requested.trim().toLowerCase();
  const folded = entries.filter((e) => e.name.trim().toLowerCase() === want);
  if (folded.length === 1 && exact.length === 0) return folded[0];
  const names = entries.map((e) => e.name);
  const matches = Math.max(exact.length, folded.length);
  const why = matches > 1 ? ` (ambiguous: ${matches} structures have that name)` : ' (names must match exactly, letter case aside)';
  throw new UnknownRoiError(path, `"${requested}"${why}`, names);
}
