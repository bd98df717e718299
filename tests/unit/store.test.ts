/** Journal schema: numbered migrations and refusal of a newer schema; fills journaled per execution. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDb, SCHEMA_VERSION, SchemaTooNewError } from '../../engine/store/db';
import { MIGRATIONS } from '../../engine/store/migrations';
import { RunJournal } from '../../engine/store/journal';
import { DEFAULT_METHOD_CONFIG } from '../../engine/method/config';
import { DEFAULT_RISK_CONFIG } from '../../engine/risk/sizing';
import type { Fill } from '../../engine/venue/orders';

const tmpFile = (): string => join(mkdtempSync(join(tmpdir(), 'mia-db-')), 'nested', 'journal.sqlite');

describe('openDb', () => {
  it('creates folders, migrates to the current version, and reopens idempotently', () => {
    const file = tmpFile();
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual([
      'approvals', 'bars', 'fills', 'gamma_chains', 'kill_switch', 'kill_switch_events', 'levels', 'orders', 'rejections',
      'run_events', 'runs', 'sessions', 'settings', 'settings_changes', 'signals', 'sqlite_sequence', 'trade_snapshots', 'trades',
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
    expect(MIGRATIONS).toHaveLength(7);
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT source, config FROM runs').all()).toEqual([{ source: 'x.csv', config: null }]);
    expect(db.prepare('SELECT count(*) AS n FROM signals').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM trades').get()).toEqual({ n: 0 });
    db.close();
  });

  it('migrates a version 4 journal to one fill per execution, keeping every fill in time order', () => {
    const file = tmpFile();
    openDb(file).close();
    rmSync(file);
    const raw = new Database(file);
    for (const m of MIGRATIONS.slice(0, 4)) raw.exec(m);
    raw.pragma('user_version = 4');
    raw.prepare(`INSERT INTO runs (id, kind, source, symbol, timeframe, session_kind, time_zone, started_at) VALUES (7, 'live', 'ib', 'ES', '1m', 'globex', 'UTC', 1)`).run();
    const fill = raw.prepare(`INSERT INTO fills (run_id, order_id, ts, role, side, qty, price, slippage_ticks, commission_usd) VALUES (7, ?, ?, ?, ?, 1, ?, 0, 2.25)`);
    fill.run('R1-3', 300, 'target', 'SELL', 4410.5);
    fill.run('R1-1', 100, 'entry', 'BUY', 4400.25);
    raw.close();
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT id, order_id AS orderId, exec_id AS execId, ts, price FROM fills ORDER BY id').all()).toEqual([
      { id: 1, orderId: 'R1-1', execId: null, ts: 100, price: 4400.25 },
      { id: 2, orderId: 'R1-3', execId: null, ts: 300, price: 4410.5 },
    ]);
    db.close();
  });

  it('migrates a version 5 journal: its trades are the method\'s, and a source outside the vocabulary is refused (issue 16)', () => {
    const file = tmpFile();
    openDb(file).close();
    rmSync(file);
    const raw = new Database(file);
    for (const m of MIGRATIONS.slice(0, 5)) raw.exec(m);
    raw.pragma('user_version = 5');
    raw.prepare(`INSERT INTO runs (id, kind, source, symbol, timeframe, session_kind, time_zone, started_at) VALUES (3, 'live', 'dtc', 'ES', '1m', 'globex', 'UTC', 1)`).run();
    raw.prepare(`INSERT INTO trades (run_id, id, signal_id, kind, side, setup, qty) VALUES (3, 'T1', 'ES-1-BN_BASE_RETEST-LONG', 'paper', 'LONG', 'BN_BASE_RETEST', 1)`).run();
    raw.close();
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT id, source FROM trades').all()).toEqual([{ id: 'T1', source: 'method' }]);
    expect(() => db.prepare(`INSERT INTO trades (run_id, id, signal_id, kind, side, setup, qty, source) VALUES (3, 'T2', 'x', 'paper', 'LONG', 'x', 1, 'robot')`).run()).toThrow(/CHECK constraint failed/);
    db.close();
  });

  it('migrates a version 6 journal: its settings stay, and the change log starts empty (issue 18)', () => {
    const file = tmpFile();
    openDb(file).close();
    rmSync(file);
    const raw = new Database(file);
    for (const m of MIGRATIONS.slice(0, 6)) raw.exec(m);
    raw.pragma('user_version = 6');
    raw.prepare(`INSERT INTO settings (key, value) VALUES ('execution', '{"mode":"PAPER","execution":"AUTO"}')`).run();
    raw.close();
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    expect(db.prepare('SELECT key, value FROM settings').all()).toEqual([{ key: 'execution', value: '{"mode":"PAPER","execution":"AUTO"}' }]);
    expect(db.prepare('SELECT count(*) AS n FROM settings_changes').get()).toEqual({ n: 0 });
    expect(() => db.prepare(`INSERT INTO settings_changes (ts, who, field, old_value, new_value, reason) VALUES (1, 'trader', 'risk.x', '1', 'not json', 'r')`).run()).toThrow(/CHECK constraint failed/);
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

describe('RunJournal fills', () => {
  it('keeps every part of an order filled in parts, and a broker execution reported twice once', () => {
    const db = openDb(':memory:');
    const journal = new RunJournal(db, {
      kind: 'live', source: 'ib', format: null, symbol: 'ES', timeframe: '1m', sessionKind: 'globex', timeZone: 'America/New_York', startedAt: 1,
      config: { method: DEFAULT_METHOD_CONFIG, risk: DEFAULT_RISK_CONFIG, execution: 'AUTO', resetKillSwitchDaily: false },
    });
    const part = (execId: string, price: number, ts: number): Fill => ({ orderId: 'R1-1', role: 'entry', side: 'BUY', qty: 1, price, ts, slippageTicks: 0, commissionUsd: 2.25, execId });
    journal.fill(part('0001f4e8.01', 4400.25, 100));
    journal.fill(part('0001f4e8.02', 4400.5, 101));
    journal.flush();
    journal.fill(part('0001f4e8.02', 4400.5, 101)); // the same execution again, as after a reconnect
    journal.fill({ orderId: 'R1-3', role: 'target', side: 'SELL', qty: 2, price: 4410, ts: 300, slippageTicks: 0, commissionUsd: 4.5 }); // simulated: no execution id
    journal.flush();
    expect(db.prepare('SELECT order_id AS orderId, exec_id AS execId, qty, price FROM fills WHERE run_id = ? ORDER BY id').all(journal.runId)).toEqual([
      { orderId: 'R1-1', execId: '0001f4e8.01', qty: 1, price: 4400.25 },
      { orderId: 'R1-1', execId: '0001f4e8.02', qty: 1, price: 4400.5 },
      { orderId: 'R1-3', execId: null, qty: 2, price: 4410 },
    ]);
    db.close();
  });
});
