/** Journal schema: numbered migrations and refusal of a newer schema. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDb, SCHEMA_VERSION, SchemaTooNewError } from '../../engine/store/db';
import { MIGRATIONS } from '../../engine/store/migrations';

const tmpFile = (): string => join(mkdtempSync(join(tmpdir(), 'mia-db-')), 'nested', 'journal.sqlite');

describe('openDb', () => {
  it('creates folders, migrates to the current version, and reopens idempotently', () => {
    const file = tmpFile();
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual([
      'approvals', 'bars', 'fills', 'gamma_chains', 'kill_switch', 'kill_switch_events', 'levels', 'orders', 'rejections',
      'run_events', 'runs', 'sessions', 'settings', 'signals', 'sqlite_sequence', 'trade_snapshots', 'trades',
    ]);
    db.close();
    const again = openDb(file);
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('migrates a version 1 journal to the current schema without losing its runs', () => {
    const file = tmpFile();
    openDb(file).close(); // creates the folders
    rmSync(file);
    const raw = new Database(file);
    raw.exec(MIGRATIONS[0]!);
    raw.pragma('user_version = 1');
    raw.prepare(`INSERT INTO runs (kind, source, symbol, timeframe, session_kind, time_zone, started_at) VALUES ('backtest', 'x.csv', 'ES', '1m', 'globex', 'UTC', 1)`).run();
    raw.close();
    expect(MIGRATIONS).toHaveLength(4);
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT source, config FROM runs').all()).toEqual([{ source: 'x.csv', config: null }]);
    expect(db.prepare('SELECT count(*) AS n FROM signals').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM trades').get()).toEqual({ n: 0 });
    db.close();
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
