/** Journal schema: numbered migrations and refusal of a newer schema. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDb, SCHEMA_VERSION, SchemaTooNewError } from '../../engine/store/db';

const tmpFile = (): string => join(mkdtempSync(join(tmpdir(), 'mia-db-')), 'nested', 'journal.sqlite');

describe('openDb', () => {
  it('creates folders, migrates to the current version, and reopens idempotently', () => {
    const file = tmpFile();
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(['bars', 'levels', 'rejections', 'runs', 'sessions', 'settings']);
    db.close();
    const again = openDb(file);
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('refuses a database written by a newer version, leaving it untouched', () => {
    const file = tmpFile();
    openDb(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDb(file)).toThrow(SchemaTooNewError);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
  });
});
