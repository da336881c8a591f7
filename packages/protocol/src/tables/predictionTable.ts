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
  /** A Cox model exported with horizons (`fedrad predict`'s `survival_<days>` columns): the horizons in column order and S(t | x) per case at each. */
  survival?: { horizonsDays: number[]; values: Float64Array[] };
}

/** `fedrad predict`'s column of S(t | x) at a horizon of t days. */
const SURVIVAL_COLUMN = /^survival_(\d+(?:\.\d+)?)$/i;

/** Names the score column may have: `fedrad predict` writes `score`; other tools write the rest. */
const SCORE_NAMES = ['score', 'prediction', 'probability', 'risk'];

/**
 * Reads `id,score` (columns in any order and letter case, extra columns ignored) and any
 * `survival_<days>` columns; every score must be a finite number, every survival one in [0, 1].
 */
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
  const survivalColumns = header.names.flatMap((name, j) => {
    const m = SURVIVAL_COLUMN.exec(name);
    return m ? [{ j, days: Number(m[1]) }] : [];
  });
  if (survivalColumns.length === 0) return { source, ids: rows.map((r) => r.id), scores };
  const values = survivalColumns.map(({ j }) =>
    Float64Array.from(rows, ({ row, id, cells }) => {
      const v = finiteNumber(cells[j]);
      if (v === undefined) throw new ScoreValueError({ source, row, column: header.names[j], caseId: id, value: cells[j] });
      if (v < 0 || v > 1) throw new TableFormatError(`${header.names[j]} in ${source} (line ${row}) of patient "${id}" is ${v}; a survival probability lies in [0, 1]`, { source, row });
      return v;
    }),
  );
  return { source, ids: rows.map((r) => r.id), scores, survival: { horizonsDays: survivalColumns.map((c) => c.days), values } };
}
