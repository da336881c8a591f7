import { CaseMismatchError, MissingValueError, TableFormatError } from '../errors.js';
import { caseIds, parseCsv, parseNumber, readHeader } from './csv.js';
import type { FeatureTable } from './featureTable.js';

export type OutcomeTable = (
  | { kind: 'binary'; ids: string[]; label: Float64Array }
  | { kind: 'survival'; ids: string[]; time: Float64Array; event: Float64Array; stratum?: string[] }
) & { /** File name or label used in error messages. */ source?: string };

/**
 * Reads an outcome CSV: `id,label` (0/1) or `id,time,event` (event 0/1, also named `status`),
 * optional `stratum`; columns in any order and letter case, the rules fedrad evaluate's reader
 * (@fedrad/stats parseOutcomeCsv) applies to the same file.
 */
export function readOutcomeTable(csvText: string, source = 'outcome CSV'): OutcomeTable {
  const rows = parseCsv(csvText, source);
  const head = readHeader(rows, source, false);
  const lower = head.map((h) => h.toLowerCase());
  const col = (...names: string[]) => lower.findIndex((h) => names.includes(h));
  const ids = caseIds(rows, head.length, source, col('id'));
  const numbers = (j: number, check: (v: number) => boolean, expected: string) => {
    const name = head[j];
    return Float64Array.from(ids, (id, r) => {
      const v = parseNumber(rows[r + 1][j], source, r + 2, name);
      if (v === undefined) throw new MissingValueError(source, id, name, r + 2);
      if (!check(v)) throw new TableFormatError(`${source}: case "${id}" (line ${r + 2}) has ${name} = ${v}; expected ${expected}`, source, r + 2, name);
      return v;
    });
  };
  const binary = (v: number) => v === 0 || v === 1;
  const [label, time, event] = [col('label'), col('time'), col('event', 'status')];
  if (label >= 0 && time < 0) return { kind: 'binary', ids, label: numbers(label, binary, '0 or 1'), source };
  if (time >= 0 && event >= 0) {
    const s = col('stratum');
    return {
      kind: 'survival',
      ids,
      time: numbers(time, (v) => v >= 0, 'a non-negative follow-up time'),
      event: numbers(event, binary, '0 (censored) or 1 (event)'),
      ...(s >= 0 ? { stratum: ids.map((_, r) => rows[r + 1][s].trim()) } : {}),
      source,
    };
  }
  throw new TableFormatError(`${source}: expected columns id,label or id,time,event; found ${head.join(',')}`, source, 1);
}

/** Rows of the outcome table in the order of the feature table (joined on id). */
export function alignOutcome(features: FeatureTable, outcome: OutcomeTable, source = outcome.source ?? 'outcome CSV'): OutcomeTable {
  const index = new Map(outcome.ids.map((id, i) => [id, i]));
  const missing = features.ids.filter((id) => !index.has(id));
  if (missing.length) throw new CaseMismatchError(missing, source);
  const order = features.ids.map((id) => index.get(id)!);
  const pick = (a: Float64Array) => Float64Array.from(order, (i) => a[i]);
  if (outcome.kind === 'binary') return { kind: 'binary', ids: features.ids, label: pick(outcome.label) };
  return {
    kind: 'survival',
    ids: features.ids,
    time: pick(outcome.time),
    event: pick(outcome.event),
    ...(outcome.stratum ? { stratum: order.map((i) => outcome.stratum![i]) } : {}),
  };
}
