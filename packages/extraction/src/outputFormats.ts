import { formatCsvRow } from '@fedrad/protocol';
import type { ExtractOutcome } from './extractCase.js';

type Extracted = Extract<ExtractOutcome, { ok: true }>;
type Failed = Extract<ExtractOutcome, { ok: false }>;

/** Union of feature names in first-seen order. */
function featureNames(outcomes: readonly ExtractOutcome[]): string[] {
  const names = new Set<string>();
  for (const r of outcomes) if (r.ok) for (const k of Object.keys(r.features)) names.add(k);
  return [...names];
}

/** The features CSV every fedrad command reads: one row per successful case, id then one column per IBSI tag. */
export function toCsv(outcomes: readonly ExtractOutcome[]): string {
  const names = featureNames(outcomes);
  const rows = [formatCsvRow(['id', ...names])];
  for (const r of outcomes) {
    if (!r.ok) continue;
    rows.push(formatCsvRow([r.id, ...names.map((n) => (n in r.features ? String(r.features[n]) : ''))]));
  }
  return rows.join('\n') + '\n';
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** The cases with their features and diagnostics, and the failures with their codes (JSON has no NaN: null). */
export function toJson(outcomes: readonly ExtractOutcome[]): string {
  const cases = outcomes.filter((r): r is Extracted => r.ok).map((r) => ({
    id: r.id,
    features: Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, finiteOrNull(v)])),
    diagnostics: r.diagnostics,
  }));
  const failures = outcomes.filter((r): r is Failed => !r.ok).map(({ id, code, message }) => ({ id, code, message }));
  return JSON.stringify({ features: featureNames(outcomes), cases, failures }, null, 2) + '\n';
}

/**
 * Keyed by the IBSI tags of reference_values.csv (morph_volume, stat_mean, …) so a result
 * compares with the IBSI table directly; one case gives a flat object, a cohort {id: {…}}.
 */
export function toIbsiJson(outcomes: readonly ExtractOutcome[], single: boolean): string {
  const flat = (r: Extracted) => Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, finiteOrNull(v)]));
  const ok = outcomes.filter((r): r is Extracted => r.ok);
  const doc = single ? flat(ok[0]) : Object.fromEntries(ok.map((r) => [r.id, flat(r)]));
  return JSON.stringify(doc, null, 2) + '\n';
}
