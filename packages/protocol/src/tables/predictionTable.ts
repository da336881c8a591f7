import { caseRows } from './caseRows.js';
import { finiteNumber } from './cells.js';
import { readCsv } from './csv.js';
import { findColumn, readHeader } from './header.js';
import { ScoreValueError, TableFormatError } from './tableErrors.js';

/** A model's score per case, as `fedrad predict` writes it. */
export interface PredictionCsv {
  source: string;
  ids: string[];
  scores: Float64Array;
}

/** Names the score column may have: `fedrad predict` writes `score`; other tools write the rest. */
const SCORE_NAMES = ['score', 'prediction', 'probability', 'risk'];

/** Reads `id,score` (columns in any order and letter case, extra columns ignored); every score must be a finite number. */
export function readPredictionTable(csvText: string, source = 'predictions CSV'): PredictionCsv {
  const records = readCsv(csvText, source);
  const header = readHeader(records, source, 'id,score');
  const idColumn = findColumn(header, ['id'], source);
  if (idColumn < 0) throw new TableFormatError(`${source}: no "id" column in the header "${header.names.join(',')}"; expected columns id,score`, { source, row: header.row });
  const scoreColumn = findColumn(header, SCORE_NAMES, source);
  if (scoreColumn < 0) throw new TableFormatError(`${source}: no "score" column in the header "${header.names.join(',')}"; expected columns id,score`, { source, row: header.row });
  const rows = caseRows(records, header, idColumn, source);
  const column = header.names[scoreColumn];
  const scores = Float64Array.from(rows, ({ row, id, cells }) => {
    const v = finiteNumber(cells[scoreColumn]);
    if (v === undefined) throw new ScoreValueError({ source, row, column, caseId: id, value: cells[scoreColumn] });
    return v;
  });
  return { source, ids: rows.map((r) => r.id), scores };
}
