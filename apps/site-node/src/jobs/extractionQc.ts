import { createHash } from 'node:crypto';
import type { CaseAcquisition, ExtractOutcome } from '@fedrad/extraction';
import type { ExtractResult } from '@fedrad/protocol';

/**
 * The aggregate quality report of an extraction: what the coordinator may see of a site's
 * images. Counts and means only — no case is named, no minimum or maximum (each is one
 * patient's exact value), and a value seen in fewer cases than the campaign minimum is merged
 * into "other", so a rare scanner cannot single a patient out.
 */
type Extracted = Extract<ExtractOutcome, { ok: true }>;
type ValueCounts = Array<{ value: string; count: number }>;
type Acquisition = NonNullable<ExtractResult['acquisition']>;

const NOT_STATED = 'not stated';

/** Per-feature n, mean and 1/(n−1) SD over the cases' finite values; features with fewer than `minimum` values are suppressed. */
export function featureSummaries(featureNames: readonly string[], rows: readonly Record<string, number>[], minimum: number): { summaries: ExtractResult['summaries']; suppressed: number } {
  const summaries: ExtractResult['summaries'] = [];
  let suppressed = 0;
  for (const name of featureNames) {
    const values = rows.map((r) => r[name]).filter((v) => Number.isFinite(v));
    if (values.length < minimum || values.length === 0) {
      suppressed++;
      continue;
    }
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
    summaries.push({ name, n, mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, missing: rows.length - n });
  }
  return { summaries, suppressed };
}

/** Failed cases counted by error code, most frequent first. */
export function failureCounts(outcomes: readonly ExtractOutcome[]): NonNullable<ExtractResult['failures']> {
  const counts = new Map<string, number>();
  for (const o of outcomes) if (!o.ok) counts.set(o.code, (counts.get(o.code) ?? 0) + 1);
  return [...counts].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/** A millimetre or kV value as the counts show it: at most three decimals, no float noise (3.26999999 → 3.27). */
function shown(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

/** The longest value extract-result's ValueCounts holds (protocols/extract-result.schema.json). */
const MAX_VALUE_LENGTH = 200;

/**
 * A DICOM header string as the counts show it: a value longer than the schema allows (a vendor's
 * long model string) is cut and marked with a hash of the whole, so two long values that share a
 * beginning still count apart, and the result is never refused by the coordinator's schema check.
 */
function bounded(value: string): string {
  if (value.length <= MAX_VALUE_LENGTH) return value;
  const mark = `… #${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
  return value.slice(0, MAX_VALUE_LENGTH - mark.length) + mark;
}

const PARAMETERS: Record<keyof Acquisition, (a: CaseAcquisition) => string> = {
  modality: (a) => a.modality ?? NOT_STATED,
  manufacturer: (a) => a.manufacturer ?? NOT_STATED,
  model: (a) => a.model ?? NOT_STATED,
  sliceThickness: (a) => (a.sliceThickness !== undefined ? shown(a.sliceThickness) : NOT_STATED),
  kvp: (a) => (a.kvp !== undefined ? shown(a.kvp) : NOT_STATED),
  fieldStrength: (a) => (a.fieldStrength !== undefined ? shown(a.fieldStrength) : NOT_STATED),
  pixelSpacing: (a) => `${shown(a.pixelSpacing[0])} × ${shown(a.pixelSpacing[1])}`,
  sliceSpacing: (a) => shown(a.sliceSpacing),
};

/** Counts of each acquisition parameter's values over the extracted cases; rare values merged into "other". */
export function acquisitionCounts(cases: readonly Extracted[], minimum: number): Acquisition {
  const out: Acquisition = {};
  for (const [parameter, valueOf] of Object.entries(PARAMETERS) as Array<[keyof Acquisition, (a: CaseAcquisition) => string]>) {
    const counts = new Map<string, number>();
    for (const c of cases) {
      if (!c.provenance) continue;
      const value = bounded(valueOf(c.provenance.acquisition));
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    let other = 0;
    const kept: ValueCounts = [];
    for (const [value, count] of counts) {
      if (count < minimum) other += count;
      else kept.push({ value, count });
    }
    kept.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    if (other > 0) kept.push({ value: 'other', count: other });
    if (kept.length > 0) out[parameter] = kept;
  }
  return out;
}
