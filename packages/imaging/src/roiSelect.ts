import { UnknownRoiError } from './errors.js';

/**
 * Picks a named structure. Exact name first, then case-insensitive, then — because exports
 * often suffix the modality (IBSI/TCIA sarcoma: `GTV_Mass_CT`, `GTV_Mass_PET`) — the single
 * name that starts with the request followed by `_`, `-`, `.` or a space. Anything ambiguous or
 * absent is an UnknownRoiError listing every name the file holds, so the caller can fix the
 * manifest instead of silently getting a different structure.
 */
export function selectByName<T>(path: string, requested: string, entries: Array<{ name: string; value: T }>): { name: string; value: T } {
  const exact = entries.filter((e) => e.name === requested);
  if (exact.length === 1) return exact[0];
  const want = requested.trim().toLowerCase();
  const folded = entries.filter((e) => e.name.trim().toLowerCase() === want);
  if (folded.length === 1) return folded[0];
  const prefixed = entries.filter((e) => {
    const name = e.name.trim().toLowerCase();
    return name.startsWith(want) && /^[_\-. ]/.test(name.slice(want.length));
  });
  if (prefixed.length === 1 && exact.length === 0 && folded.length === 0) return prefixed[0];
  const names = entries.map((e) => e.name);
  const ambiguity = exact.length + folded.length + prefixed.length > 1 ? ` (ambiguous: ${Math.max(exact.length, folded.length, prefixed.length)} names match)` : '';
  throw new UnknownRoiError(path, `"${requested}"${ambiguity}`, names);
}
