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

/** Between a filter's label and an IBSI tag in a filtered feature's name (radiomics' FILTER_SEPARATOR). */
const FILTER_SEPARATOR = '__';

/**
 * The `--format ibsi` key of each feature name. A filtered feature `<filter>__<tag>` is keyed by its
 * bare IBSI tag when every feature comes from that one filter's response map (an IBSI 2 phase 2
 * config: reference_feature_values_phase2.csv lists the tags of one filter at a time); otherwise
 * its full name, so two response maps' features never share a key.
 */
export function ibsiKeys(names: readonly string[]): Map<string, string> {
  const labels = new Set(names.map((n) => (n.includes(FILTER_SEPARATOR) ? n.slice(0, n.indexOf(FILTER_SEPARATOR)) : '')));
  const bare = labels.size === 1 && !labels.has('');
  return new Map(names.map((n) => [n, bare ? n.slice(n.indexOf(FILTER_SEPARATOR) + FILTER_SEPARATOR.length) : n]));
}

/**
 * Keyed by the IBSI tags of reference_values.csv (morph_volume, stat_mean, …) so a result
 * compares with the IBSI table directly; one case gives a flat object, a cohort {id: {…}}.
 * Filtered features are keyed as ibsiKeys says.
 */
export function toIbsiJson(outcomes: readonly ExtractOutcome[], single: boolean): string {
  const keys = ibsiKeys(featureNames(outcomes));
  const flat = (r: Extracted) => Object.fromEntries(Object.entries(r.features).map(([k, v]) => [keys.get(k)!, finiteOrNull(v)]));
  const ok = outcomes.filter((r): r is Extracted => r.ok);
  const doc = single ? flat(ok[0]) : Object.fromEntries(ok.map((r) => [r.id, flat(r)]));
  return JSON.stringify(doc, null, 2) + '\n';
}
