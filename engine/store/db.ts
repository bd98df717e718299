/**
 * The journal database: better-sqlite3, WAL mode, one writer (the engine),
 * schema versioned by numbered migrations kept in `PRAGMA user_version`
 * (architecture.md, "Storage").
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

/** An open journal database. */
export type Db = Database.Database;

/** Thrown when the database was written by a newer version of the app. */
export class SchemaTooNewError extends Error {
  constructor(file: string, found: number, known: number) {
    super(`${file}: schema version ${found} is newer than this app's ${known}; update MIA Workstation to open it`);
    this.name = 'SchemaTooNewError';
  }
}

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating folders and file as needed) and migrates the journal.
 * Each migration runs in its own transaction with its version bump, so a
 * failure leaves the database at the last good version.
 * @throws SchemaTooNewError when the file's schema is newer than this build's.
 */
export function openDb(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new SchemaTooNewError(file, version, SCHEMA_VERSION);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
