import { caseRows, type CaseRow } from './caseRows.js';
import { finiteNumber, isMissing, zeroOne } from './cells.js';
import { readCsv } from './csv.js';
import { findColumn, readHeader } from './header.js';
import { LabelValueError, SurvivalValueError, TableFormatError } from './tableErrors.js';

/** Outcomes per case: a 0/1 label, or a follow-up time with an event indicator (and an optional stratum). */
export type OutcomeCsv = (
  | { kind: 'binary'; ids: string[]; label: Float64Array }
  | { kind: 'survival'; ids: string[]; time: Float64Array; event: Float64Array; stratum?: string[] }
) & { /** File name or label used in error messages. */ source?: string };

const EXPECTED = 'id,label or id,time,event';

/**
 * Reads an outcome CSV: `id,label` (0/1) or `id,time,event` (event 0/1, also named `status`),
 * optional `stratum`; columns in any order and letter case, extra columns ignored. A table with
 * time and event is a survival table even when it also has a label.
 */
export function readOutcomeTable(csvText: string, source = 'outcome CSV'): OutcomeCsv {
  const records = readCsv(csvText, source);
  const header = readHeader(records, source, 'id,label');
  const columns = header.names.join(',');
  const idColumn = findColumn(header, ['id'], source);
  if (idColumn < 0) throw new TableFormatError(`${source}: no "id" column in the header "${columns}"; expected columns ${EXPECTED}`, { source, row: header.row });
  const [labelColumn, timeColumn, eventColumn] = [['label'], ['time'], ['event', 'status']].map((names) => findColumn(header, names, source));
  const rows = caseRows(records, header, idColumn, source);
  const ids = rows.map((r) => r.id);
  if (timeColumn >= 0 && eventColumn >= 0) {
    const stratumColumn = findColumn(header, ['stratum'], source);
    return {
      kind: 'survival',
      ids,
      time: survivalValues(rows, timeColumn, 'time', (v) => v >= 0, header.names, source),
      event: survivalValues(rows, eventColumn, 'event', (v) => v === 0 || v === 1, header.names, source),
      ...(stratumColumn >= 0 ? { stratum: rows.map((r) => r.cells[stratumColumn]) } : {}),
      source,
    };
  }
  if (labelColumn >= 0 && timeColumn < 0) {
    const column = header.names[labelColumn];
    const label = Float64Array.from(rows, ({ row, id, cells }) => {
      const v = zeroOne(cells[labelColumn]);
      if (v === undefined) throw new LabelValueError({ source, row, column, caseId: id, value: cells[labelColumn] });
      return v;
    });
    return { kind: 'binary', ids, label, source };
  }
  throw new TableFormatError(`${source}: expected columns ${EXPECTED}; found ${columns}`, { source, row: header.row });
}

function survivalValues(rows: CaseRow[], j: number, field: 'time' | 'event', valid: (v: number) => boolean, names: string[], source: string): Float64Array {
  return Float64Array.from(rows, ({ row, id, cells }) => {
    const v = finiteNumber(cells[j]);
    if (v === undefined || !valid(v)) throw new SurvivalValueError({ source, row, column: names[j], caseId: id, value: cells[j] }, field, isMissing(cells[j]));
    return v;
  });
}
