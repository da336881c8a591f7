import { caseRows } from './caseRows.js';
import { readCsv } from './csv.js';
import { findColumn, readHeader } from './header.js';
import { TableFormatError } from './tableErrors.js';

/** Which site each case belongs to: the partitions a local twin runs a federated method over. */
export interface SiteCsv {
  source: string;
  ids: string[];
  /** The site id of each case, in `ids` order. */
  sites: string[];
}

/** Reads `id,site` (columns in any order and letter case, extra columns ignored); every case names one site. */
export function readSiteTable(csvText: string, source = 'sites CSV'): SiteCsv {
  const records = readCsv(csvText, source);
  const header = readHeader(records, source, 'id,site');
  const idColumn = findColumn(header, ['id'], source);
  if (idColumn < 0) throw new TableFormatError(`${source}: no "id" column in the header "${header.names.join(',')}"; expected columns id,site`, { source, row: header.row });
  const siteColumn = findColumn(header, ['site'], source);
  if (siteColumn < 0) throw new TableFormatError(`${source}: no "site" column in the header "${header.names.join(',')}"; expected columns id,site`, { source, row: header.row });
  const rows = caseRows(records, header, idColumn, source);
  const column = header.names[siteColumn];
  const sites = rows.map(({ row, id, cells }) => {
    if (!cells[siteColumn]) throw new TableFormatError(`${source} line ${row}: case "${id}" has no ${column}; every case belongs to one site`, { source, row, column, caseId: id });
    return cells[siteColumn];
  });
  return { source, ids: rows.map((r) => r.id), sites };
}
