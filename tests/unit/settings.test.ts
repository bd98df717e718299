/**
 * The trader's settings (issue 18, item 1): validation naming the field, the
 * loosen-while-exposed refusal, the next-session effect of a raised daily
 * loss limit, every change journaled, the round trip through a restart and
 * through `mia settings export/import`, and `mia backtest --settings` on the
 * real CSV with a per-trade risk of $300.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock';
import { main } from '../../engine/cli/mia';
import { createKernel, type Kernel } from '../../engine/kernel';
import { DEFAULT_RISK_CONFIG } from '../../engine/risk/sizing';
import { DEFAULT_METHOD_CONFIG } from '../../engine/method/config';
import { DEFAULT_TRADER_SETTINGS, checkChanges, managementOf, methodOf, parseTraderSettings, riskOf, settingChanges, type TraderSettings } from '../../engine/settings';
import { NO_MANAGEMENT } from '../../engine/execution/management';
import { eventually } from '../support/manual-clock';
import { REAL_CSV, SHARED_DATA } from '../support/paths';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mia-settings-'));
const kernelAt = (dir: string): Kernel => createKernel({ dataDir: dir, marketDataDir: SHARED_DATA, version: 'test' }, new LiveClock());
const withRisk = (over: Partial<TraderSettings['risk']>): TraderSettings => ({ ...DEFAULT_TRADER_SETTINGS, risk: { ...DEFAULT_TRADER_SETTINGS.risk, ...over } });

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('the settings document', () => {
  it("is section 12's numbers by default and maps onto the risk config", () => {
    expect(riskOf(DEFAULT_TRADER_SETTINGS)).toEqual(DEFAULT_RISK_CONFIG);
    // And sections 10 and 11's onto the method config: 09:35-15:45, no entries 09:30-09:40, PAPER 0.70 / 0.65.
    expect(methodOf(DEFAULT_TRADER_SETTINGS)).toEqual(DEFAULT_METHOD_CONFIG);
    expect(DEFAULT_TRADER_SETTINGS.method.window).toEqual({ start: '09:35', end: '15:45', noEntryStart: '09:30', noEntryEnd: '09:40' });
    expect(DEFAULT_TRADER_SETTINGS.approval).toEqual({ expirySeconds: 30, expiryTicks: 4 });
    expect(riskOf(withRisk({ maxDrawdownPct: 5, pauseMinutes: 10 }))).toMatchObject({ maxDrawdownShare: 0.05, pauseMs: 600_000 });
  });

  it('names the field of a bad value, an unknown field, and a version it cannot read', () => {
    expect(() => parseTraderSettings(withRisk({ maxRiskPerTradeUsd: -5 }), 'f.json')).toThrow(/^f\.json: risk\.maxRiskPerTradeUsd: .*/);
    expect(() => parseTraderSettings({ ...DEFAULT_TRADER_SETTINGS, sizing: { ...DEFAULT_TRADER_SETTINGS.sizing, baseContracts: 1.5 } })).toThrow(/sizing\.baseContracts/);
    expect(() => parseTraderSettings({ ...DEFAULT_TRADER_SETTINGS, risk: { ...DEFAULT_TRADER_SETTINGS.risk, maxRiskPerTrade: 3 } })).toThrow(/risk: Unrecognized key.*maxRiskPerTrade/);
    expect(() => parseTraderSettings({ ...DEFAULT_TRADER_SETTINGS, version: 3 })).toThrow(/version 3 is newer/);
    expect(() => parseTraderSettings({ ...DEFAULT_TRADER_SETTINGS, orders: { ...DEFAULT_TRADER_SETTINGS.orders, stopTicks: 0 } })).toThrow(/orders\.stopTicks/);
    expect(() => parseTraderSettings({ ...DEFAULT_TRADER_SETTINGS, management: { ...DEFAULT_TRADER_SETTINGS.management, flattenAt: '3:55pm' } })).toThrow(/management\.flattenAt: a time of day in New York, HH:MM/);
    const late = { ...DEFAULT_TRADER_SETTINGS, method: { ...DEFAULT_TRADER_SETTINGS.method, window: { ...DEFAULT_TRADER_SETTINGS.method.window, end: '25:00' } } };
    expect(() => parseTraderSettings(late)).toThrow(/method\.window\.end: a time of day in New York, HH:MM/);
    const grade = JSON.parse(JSON.stringify(DEFAULT_TRADER_SETTINGS)) as { method: { modes: { LIVE: { minGrade: string } } } };
    grade.method.modes.LIVE.minGrade = 'GREAT';
    expect(() => parseTraderSettings(grade)).toThrow(/method\.modes\.LIVE\.minGrade/);
  });

  it('reads a version 1 document (before orders and management) with their defaults: the ATM 8/16 ticks, every rule off', () => {
    const v1 = JSON.parse(JSON.stringify(DEFAULT_TRADER_SETTINGS)) as Record<string, unknown>;
    delete v1.orders;
    delete v1.management;
    v1.version = 1;
    (v1.risk as Record<string, number>).maxRiskPerTradeUsd = 250;
    const s = parseTraderSettings(v1);
    expect(s).toMatchObject({ version: 2, orders: { contracts: 1, stopTicks: 8, targetTicks: 16 }, risk: { maxRiskPerTradeUsd: 250 } });
    expect(managementOf(s)).toEqual(NO_MANAGEMENT);
    const on = { ...s, management: { ...s.management, trailTicks: 8, flattenAt: '15:55' } };
    expect(managementOf(parseTraderSettings(on))).toEqual({ ...NO_MANAGEMENT, trailTicks: 8, flattenAtMinuteEt: 15 * 60 + 55 });
  });

  it('tells a loosening change from a tightening one, and refuses loosening while exposed', () => {
    const c = settingChanges(DEFAULT_TRADER_SETTINGS, withRisk({ maxRiskPerTradeUsd: 300, pauseMinutes: 10, maxTradesPerDay: 5 }));
    expect(c.map((x) => [x.field, x.from, x.to, x.loosens])).toEqual([
      ['risk.maxRiskPerTradeUsd', 100, 300, true],
      ['risk.maxTradesPerDay', 10, 5, false],
      ['risk.pauseMinutes', 30, 10, true], // a shorter pause after a losing streak is more room
    ]);
    const costs = settingChanges(DEFAULT_TRADER_SETTINGS, { ...DEFAULT_TRADER_SETTINGS, paper: { commissionPerSideUsd: 1, slippageTicks: 2 } });
    expect(costs.every((x) => !x.loosens)).toBe(true);
    const paper = JSON.parse(JSON.stringify(DEFAULT_TRADER_SETTINGS)) as TraderSettings;
    paper.method.modes.PAPER.minConfluence = 0.45;
    expect(settingChanges(DEFAULT_TRADER_SETTINGS, paper)).toEqual([{ field: 'method.modes.PAPER.minConfluence', from: 0.65, to: 0.45, loosens: false }]);
    const flat = { positionQty: 0, workingOrders: 0, killSwitch: 'ACTIVE' as const };
    expect(() => checkChanges(c, flat)).not.toThrow();
    expect(() => checkChanges(c, { ...flat, positionQty: -2 })).toThrow(/risk\.maxRiskPerTradeUsd 100 -> 300 loosens a risk limit: refused while a position of -2 contract\(s\) is open/);
    expect(() => checkChanges(c, { ...flat, workingOrders: 1 })).toThrow(/1 order\(s\) are working/);
    expect(() => checkChanges(c, { ...flat, killSwitch: 'HALTED' })).toThrow(/the kill switch is HALTED/);
    // Tightening is always allowed.
    expect(() => checkChanges(settingChanges(DEFAULT_TRADER_SETTINGS, withRisk({ maxTradesPerDay: 3 })), { ...flat, positionQty: 1, killSwitch: 'HALTED' })).not.toThrow();
  });
});

describe('settings through the engine', () => {
  it('saves, journals who, when, old, new and why, survives a restart, and reaches runs opened later', async () => {
    const dir = tmp();
    const k1 = kernelAt(dir);
    expect(await k1.api.getSettings()).toMatchObject({ saved: false, settings: DEFAULT_TRADER_SETTINGS, changes: [] });
    await expect(k1.api.setSettings({ settings: withRisk({ maxRiskPerTradeUsd: 300 }), reason: ' ' })).rejects.toMatchObject({ kind: 'bad-request', message: expect.stringMatching(/reason/) });
    await expect(k1.api.setSettings({ settings: withRisk({ dailyLossLimitUsd: 0 }), reason: 'x' })).rejects.toMatchObject({ kind: 'bad-request', message: expect.stringMatching(/risk\.dailyLossLimitUsd/) });
    const after = await k1.api.setSettings({ settings: withRisk({ maxRiskPerTradeUsd: 300 }), reason: 'base retests need a wider stop' });
    expect(after).toMatchObject({ saved: true, settings: { risk: { maxRiskPerTradeUsd: 300 } }, dailyLossLimitInForceUsd: null });
    expect(after.changes).toEqual([{ ts: expect.any(Number), who: 'trader', field: 'risk.maxRiskPerTradeUsd', from: 100, to: 300, reason: 'base retests need a wider stop' }]);
    await k1.close();
    const k2 = kernelAt(dir);
    expect((await k2.api.getSettings()).settings.risk.maxRiskPerTradeUsd).toBe(300);
    // A replay opened now trades with it: the run's journaled config holds the values in force.
    await k2.api.openReplay({ path: REAL_CSV });
    const config = JSON.parse((k2.db!.prepare('SELECT config FROM runs ORDER BY id DESC LIMIT 1').get() as { config: string }).config) as { risk: { maxRiskPerTradeUsd: number } };
    expect(config.risk.maxRiskPerTradeUsd).toBe(300);
    await k2.close();
  });

  it('refuses loosening while the kill switch is HALTED, allows tightening; a raised daily loss limit waits for the next session', async () => {
    const k = kernelAt(tmp());
    await k.api.killSwitch('test');
    await expect(k.api.setSettings({ settings: withRisk({ maxTradesPerDay: 20 }), reason: 'more' })).rejects.toMatchObject({ kind: 'bad-request', message: expect.stringMatching(/risk\.maxTradesPerDay 10 -> 20 loosens a risk limit: refused while the kill switch is HALTED/) });
    expect((await k.api.setSettings({ settings: withRisk({ maxTradesPerDay: 4 }), reason: 'fewer' })).settings.risk.maxTradesPerDay).toBe(4);
    await k.api.resetKillSwitch('checked');
    // A replay open in AUTO: the raised limit stands aside until the replay's next session.
    await k.api.setExecution('AUTO');
    await k.api.openReplay({ path: REAL_CSV });
    await k.api.step();
    const raised = await k.api.setSettings({ settings: withRisk({ maxTradesPerDay: 4, dailyLossLimitUsd: 800 }), reason: 'a bigger account' });
    expect(raised.dailyLossLimitInForceUsd).toBe(500);
    await k.api.setSpeed('max');
    await k.api.play();
    await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 60_000);
    expect((await k.api.getSettings()).dailyLossLimitInForceUsd).toBeNull(); // the replay's next session came
    await k.close();
  }, 90_000);
});

describe('the method and approval settings in runs', () => {
  it("PAPER's thresholds lowered to DATA_COLLECTION's give more signals on the real CSV; an approval expires after the seconds set", async () => {
    const dir = tmp();
    const file = join(dir, 'lower.json');
    const lower = JSON.parse(JSON.stringify(DEFAULT_TRADER_SETTINGS)) as TraderSettings;
    lower.method.modes.PAPER = { ...lower.method.modes.DATA_COLLECTION };
    writeFileSync(file, JSON.stringify(lower));
    const count = async (args: string[]): Promise<number> => (JSON.parse((await cli(['backtest', '--data', REAL_CSV, '--no-journal', '--json', ...args])).out) as { signals: { total: number } }).signals.total;
    const base = await count([]);
    expect(await count(['--settings', file])).toBeGreaterThan(base);
    expect(await count(['--mode', 'DATA_COLLECTION'])).toBe(await count(['--settings', file]));
    // MANUAL, with approvals that expire after 12 s: the queued card says so.
    const k = kernelAt(dir);
    const quick = JSON.parse(JSON.stringify(DEFAULT_TRADER_SETTINGS)) as TraderSettings;
    quick.approval.expirySeconds = 12;
    await k.api.setSettings({ settings: quick, reason: 'quicker answers' });
    await k.api.openReplay({ path: REAL_CSV });
    await k.api.setSpeed('max');
    await k.api.play();
    await eventually(async () => expect((await k.api.getExecution()).queue.length).toBeGreaterThan(0), 30_000);
    const a = (await k.api.getExecution()).queue[0]!;
    expect(a.expiresAt - a.queuedAt).toBe(12_000);
    await k.close();
  }, 60_000);
});

describe('mia settings and mia backtest --settings', () => {
  it('sets, gets, exports and imports through the engine, each change journaled with who', async () => {
    const dir = tmp();
    expect((await cli(['settings', 'set', 'risk.maxRiskPerTradeUsd', '300', '--data-dir', dir])).code).toBe(2); // no reason
    const set = await cli(['settings', 'set', 'risk.maxRiskPerTradeUsd', '300', '--reason', 'wider stops', '--data-dir', dir]);
    expect(set).toMatchObject({ code: 0, out: 'risk.maxRiskPerTradeUsd: 100 -> 300\n' });
    expect((await cli(['settings', 'get', 'risk.maxRiskPerTradeUsd', '--data-dir', dir])).out).toBe('300\n');
    const bad = await cli(['settings', 'set', 'risk.maxTradesPerDay', '0', '--reason', 'x', '--data-dir', dir]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/risk\.maxTradesPerDay/);
    // Fields deeper than group.key, a time, a grade, and a rule turned on and off again.
    const deepDir = tmp();
    const deep = async (field: string, value: string) => cli(['settings', 'set', field, value, '--reason', 'test', '--data-dir', deepDir]);
    expect((await deep('method.modes.PAPER.minConfidence', '0.6')).out).toBe('method.modes.PAPER.minConfidence: 0.7 -> 0.6\n');
    expect((await deep('method.modes.LIVE.minGrade', 'PREMIUM')).out).toBe('method.modes.LIVE.minGrade: "STRONG" -> "PREMIUM"\n');
    expect((await deep('management.flattenAt', '15:55')).out).toBe('management.flattenAt: null -> "15:55"\n');
    expect((await deep('management.trailTicks', '8')).out).toBe('management.trailTicks: null -> 8\n');
    expect((await deep('management.trailTicks', 'null')).out).toBe('management.trailTicks: 8 -> null\n');
    expect((await deep('management.flattenAt', '25:00')).err).toMatch(/management\.flattenAt: a time of day in New York, HH:MM/);
    expect((await deep('orders.stopTicks', 'ten')).err).toMatch(/orders\.stopTicks: "ten" is not a number/);
    const file = join(dir, 'exported.json');
    expect((await cli(['settings', 'export', file, '--data-dir', dir])).code).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as TraderSettings;
    expect(doc.risk.maxRiskPerTradeUsd).toBe(300);
    // Into another data folder: the same settings.
    const other = tmp();
    doc.sizing.baseContracts = 2;
    writeFileSync(file, JSON.stringify(doc));
    expect((await cli(['settings', 'import', file, '--reason', 'from the desk', '--data-dir', other])).out).toBe('risk.maxRiskPerTradeUsd: 100 -> 300\nsizing.baseContracts: 1 -> 2\n');
    const db = new Database(join(other, 'journal.sqlite'), { readonly: true });
    expect(db.prepare('SELECT who, field, old_value, new_value, reason FROM settings_changes ORDER BY id').all()).toEqual([
      { who: 'import', field: 'risk.maxRiskPerTradeUsd', old_value: '100', new_value: '300', reason: 'from the desk' },
      { who: 'import', field: 'sizing.baseContracts', old_value: '1', new_value: '2', reason: 'from the desk' },
    ]);
    db.close();
  });

  it('a per-trade risk of $300 (and a daily loss limit to carry it) on the real CSV takes more trades than the defaults, and the run journals the values in force', async () => {
    const dir = tmp();
    const file = join(dir, 'wide.json');
    // $300 alone moves the refusals to the daily budget (30% of what is left of a $500 day is $150): the day must carry it.
    writeFileSync(file, JSON.stringify(withRisk({ maxRiskPerTradeUsd: 300, dailyLossLimitUsd: 1000 })));
    const base = JSON.parse((await cli(['backtest', '--data', REAL_CSV, '--no-journal', '--json'])).out) as { execution: { trades: unknown[] } };
    const wide = await cli(['backtest', '--data', REAL_CSV, '--json', '--settings', file, '--data-dir', dir]);
    expect(wide.code).toBe(0);
    const j = JSON.parse(wide.out) as { execution: { trades: unknown[] } };
    expect(base.execution.trades).toHaveLength(7);
    expect(j.execution.trades.length).toBe(16); // measured: 16 trades, 4 signals still over $300 of risk
    const db = new Database(join(dir, 'journal.sqlite'), { readonly: true });
    const config = JSON.parse((db.prepare('SELECT config FROM runs').get() as { config: string }).config) as { risk: { maxRiskPerTradeUsd: number } };
    db.close();
    expect(config.risk.maxRiskPerTradeUsd).toBe(300);
    writeFileSync(file, JSON.stringify(withRisk({ maxOpenPositions: 0 })));
    const refused = await cli(['backtest', '--data', REAL_CSV, '--no-journal', '--settings', file]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/wide\.json: risk\.maxOpenPositions/);
  }, 60_000);
});
