import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the coordinator database in WAL mode with synchronous = FULL, so a
 * committed transaction survives kill -9 and power loss (SQLite docs, "Write-Ahead Logging").
 */
export function openStore(path: string, options: { readonly?: boolean } = {}): Db {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (options.readonly) return db;
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA_SQL);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  if (!row) db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
  else if (Number(row.value) !== SCHEMA_VERSION) {
    throw new StoreError(`Coordinator database has schema version ${row.value}; this coordinator needs ${SCHEMA_VERSION}`, path);
  }
  return db;
}
