import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION, type AddColumn } from './schema.js';

export type Db = Database.Database;

/**
 * Memoises db.prepare by SQL text: the core prepares the same few dozen statements on every
 * message, and compiling them again each time was a third of the per-result cost.
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  (db as { prepare: (sql: string) => Database.Statement }).prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = prepare(sql)));
    return statement;
  };
}

/**
 * Opens (creating if needed) the coordinator database in WAL mode with synchronous = FULL, so a
 * committed transaction survives kill -9 and power loss (SQLite docs, "Write-Ahead Logging").
 */
export function openStore(path: string, options: { readonly?: boolean } = {}): Db {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  if (options.readonly) return db;
  cacheStatements(db);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // A round writes a megabyte or more of results, jobs and audit rows and reads much of it back
  // (round close, replay checks): with SQLite's default 2 MB page cache those pages were read
  // again from the file. A 64 MB cache and memory-mapped reads took a fifth off the round
  // overhead at 100 sites (BENCHMARKS.md). Durability is unchanged: writes still go through the WAL.
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 268435456');
  db.pragma('temp_store = MEMORY');
  db.exec(SCHEMA_SQL);
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  if (!row) db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
  else if (Number(row.value) !== SCHEMA_VERSION) {
    const from = Number(row.value);
    if (!(from < SCHEMA_VERSION) || !Array.from({ length: SCHEMA_VERSION - from }, (_, i) => MIGRATIONS[from + i]).every(Boolean)) {
      throw new StoreError(`Coordinator database has schema version ${row.value}; this coordinator needs ${SCHEMA_VERSION}`, path);
    }
    db.transaction(() => {
      for (let v = from; v < SCHEMA_VERSION; v++) migrate(db, MIGRATIONS[v]);
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION));
    })();
  }
  return db;
}

function migrate(db: Db, step: string | AddColumn[]): void {
  if (typeof step === 'string') return void db.exec(step);
  for (const { table, column, definition } of step) {
    const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
    if (!columns.includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
}
