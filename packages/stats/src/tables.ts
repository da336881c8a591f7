import { CsvFormatError, IdMismatchError, MissingSurvivalFieldError, NonFiniteValueError, InvalidLabelError, OneClassError } from './errors.js';

/**
 * The evaluation tables, parsed from CSV text (the caller reads the file): predictions
 * `id,score` as `fedrad predict` writes them, and outcomes `id,label` or `id,time,event`.
 * Columns are found by header name (any order, case-insensitive); extra columns are ignored.
 */
export interface PredictionTable {
  source: string;
  ids: string[];
  scores: Float64Array;
}

export type OutcomeTable =
  | { kind: 'binary'; source: string; ids: string[]; labels: Uint8Array }
  | { kind: 'survival'; source: string; ids: string[]; time: Float64Array; event: Uint8Array };

/** Splits one CSV line (RFC 4180 quoting: "a,b" and "" inside quotes). */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field.trim());
      field = '';
    } else field += ch;
  }
  out.push(field.trim());
  return out;
}

interface Rows {
  header: string[];
  rows: { line: number; cells: string[] }[];
}

function readRows(text: string, source: string): Rows {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let headerLine = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '') {
      headerLine = i;
      break;
    }
  }
  if (headerLine < 0) throw new CsvFormatError(source, 1, 'the file is empty; expected a header line such as "id,score"');
  const header = splitLine(lines[headerLine]).map((h) => h.toLowerCase());
  const rows: Rows['rows'] = [];
  for (let i = headerLine + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    rows.push({ line: i + 1, cells: splitLine(lines[i]) });
  }
  if (rows.length === 0) throw new CsvFormatError(source, headerLine + 2, 'no data rows after the header');
  return { header, rows };
}

function column(header: string[], names: string[], source: string, expected: string): number {
  const k = header.findIndex((h) => names.includes(h));
  if (k < 0) throw new CsvFormatError(source, 1, `no "${names[0]}" column in the header "${header.join(',')}"; expected ${expected}`);
  return k;
}

function checkUniqueId(seen: Set<string>, id: string, source: string, line: number): void {
  if (id === '') throw new CsvFormatError(source, line, 'empty id');
  if (seen.has(id)) throw new CsvFormatError(source, line, `patient "${id}" appears twice; each id must have one row`);
  seen.add(id);
}

/** A 0/1 cell read as a number ("1", "1.0", "0"), as `fedrad train` reads labels and events; else undefined. */
function zeroOneCell(cell: string | undefined): 0 | 1 | undefined {
  const v = numberCell(cell);
  return v === 0 || v === 1 ? v : undefined;
}

/** Parses a number cell; '', 'NA', 'NaN' and the like become NaN for the caller to refuse. */
function numberCell(cell: string | undefined): number {
  if (cell === undefined || cell === '') return NaN;
  const v = Number(cell);
  return v;
}

/** `id,score` (the column may also be named `prediction`, `probability` or `risk`). */
export function parsePredictionsCsv(text: string, source = 'predictions'): PredictionTable {
  const { header, rows } = readRows(text, source);
  const idCol = column(header, ['id'], source, 'columns id,score');
  const scoreCol = column(header, ['score', 'prediction', 'probability', 'risk'], source, 'columns id,score');
  const ids: string[] = [];
  const scores = new Float64Array(rows.length);
  const seen = new Set<string>();
  rows.forEach(({ line, cells }, i) => {
    const id = cells[idCol] ?? '';
    checkUniqueId(seen, id, source, line);
    const v = numberCell(cells[scoreCol]);
    if (!Number.isFinite(v)) throw new NonFiniteValueError(`score in ${source} (line ${line})`, i, cells[scoreCol] ?? '(missing)', id);
    ids.push(id);
    scores[i] = v;
  });
  return { source, ids, scores };
}

/** `id,label` (binary) or `id,time,event` (survival), told apart by the header. */
export function parseOutcomeCsv(text: string, source = 'outcome'): OutcomeTable {
  const { header, rows } = readRows(text, source);
  const idCol = column(header, ['id'], source, 'columns id,label or id,time,event');
  const seen = new Set<string>();
  const ids: string[] = [];
  if (header.includes('label') && !header.includes('time')) {
    const labelCol = header.indexOf('label');
    const labels = new Uint8Array(rows.length);
    rows.forEach(({ line, cells }, i) => {
      const id = cells[idCol] ?? '';
      checkUniqueId(seen, id, source, line);
      const cell = cells[labelCol] ?? '';
      const label = zeroOneCell(cell);
      if (label === undefined) throw new InvalidLabelError(i, cell === '' ? '(empty)' : cell, id, `${source} line ${line}`);
      ids.push(id);
      labels[i] = label;
    });
    return { kind: 'binary', source, ids, labels };
  }
  const timeCol = column(header, ['time'], source, 'columns id,label or id,time,event');
  const eventCol = column(header, ['event', 'status'], source, 'columns id,time,event');
  const time = new Float64Array(rows.length);
  const event = new Uint8Array(rows.length);
  rows.forEach(({ line, cells }, i) => {
    const id = cells[idCol] ?? '';
    checkUniqueId(seen, id, source, line);
    const t = numberCell(cells[timeCol]);
    if (!(Number.isFinite(t) && t >= 0)) throw new MissingSurvivalFieldError(`${source} line ${line}`, id, 'time', cells[timeCol] ?? '');
    const e = cells[eventCol] ?? '';
    const ev = zeroOneCell(e);
    if (ev === undefined) throw new MissingSurvivalFieldError(`${source} line ${line}`, id, 'event', e);
    ids.push(id);
    time[i] = t;
    event[i] = ev;
  });
  return { kind: 'survival', source, ids, time, event };
}

/** Reorders `table` to the id order of `reference`; both must list exactly the same ids. */
function align(referenceIds: readonly string[], referenceName: string, ids: readonly string[], name: string): Int32Array {
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  const missing = referenceIds.filter((id) => !index.has(id));
  const refSet = new Set(referenceIds);
  const extra = ids.filter((id) => !refSet.has(id));
  if (missing.length || extra.length) throw new IdMismatchError(referenceName, name, missing, extra);
  return Int32Array.from(referenceIds, (id) => index.get(id)!);
}

export interface JoinedBinary {
  kind: 'binary';
  ids: string[];
  scores: Float64Array;
  baselineScores?: Float64Array;
  labels: Uint8Array;
}

export interface JoinedSurvival {
  kind: 'survival';
  ids: string[];
  scores: Float64Array;
  baselineScores?: Float64Array;
  time: Float64Array;
  event: Uint8Array;
}

/**
 * Joins predictions (and an optional baseline) with outcomes on `id`, in the outcome table's
 * order. Every table must hold the same patients: a patient without a prediction, or a
 * baseline that scored other patients, is an error rather than a silent drop. A binary outcome
 * with one class only is refused, naming the outcome file.
 */
export function joinTables(predictions: PredictionTable, outcome: OutcomeTable, baseline?: PredictionTable): JoinedBinary | JoinedSurvival {
  const ids = outcome.ids;
  const p = align(ids, outcome.source, predictions.ids, predictions.source);
  const scores = Float64Array.from(p, (k) => predictions.scores[k]);
  let baselineScores: Float64Array | undefined;
  if (baseline) {
    // Compare baseline with predictions first: that is the pairing the added-value test needs.
    align(predictions.ids, predictions.source, baseline.ids, baseline.source);
    const b = align(ids, outcome.source, baseline.ids, baseline.source);
    baselineScores = Float64Array.from(b, (k) => baseline.scores[k]);
  }
  if (outcome.kind === 'binary') {
    // Refused here, where the file is known, rather than deep inside the AUC.
    const positives = outcome.labels.reduce((a, y) => a + y, 0);
    if (positives === 0 || positives === ids.length) throw new OneClassError(outcome.source, positives, ids.length - positives);
    return { kind: 'binary', ids: [...ids], scores, baselineScores, labels: outcome.labels };
  }
  return { kind: 'survival', ids: [...ids], scores, baselineScores, time: outcome.time, event: outcome.event };
}
