/**
 * The market tape (issue 19, engine/run/tape.ts): a dataset through the
 * market pipeline once, then played into backtests with other settings.
 * A backtest of the tape must equal a backtest of the data, record for
 * record: the real CSV (bars, 11 sessions), a series of three real Sierra
 * Chart contracts with their changes (as they are and back-adjusted), a
 * date range, and trades (the real trades-with-depth sample).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ES } from '../../engine/domain';
import { methodConfig } from '../../engine/method/config';
import { runBacktest, type BacktestOptions, type BacktestResult } from '../../engine/run/drivers/backtest';
import { buildTape, tapeClosedBar, tapeRecord } from '../../engine/run/tape';
import { DEFAULT_TRADER_SETTINGS, managementOf, methodOf, riskOf } from '../../engine/settings';
import { REAL_CSV, REAL_DEPTH_TXT, SHARED_DATA } from '../support/paths';

const DIR = join(SHARED_DATA, 'es/sierra-5m');
const THREE = ['ESH15', 'ESM15', 'ESU15'].map((c) => join(DIR, `${c}-CME.scid_BarData__5m.txt`));

/** What two backtests must share to be the same run. */
const essence = (r: BacktestResult) => ({
  file: r.file,
  contracts: r.contracts,
  overlapDropped: r.overlapDropped,
  format: r.format,
  sessions: r.sessions,
  bars: r.bars,
  records: r.records,
  rejected: r.rejected,
  rejectedByReason: r.rejectedByReason,
  signals: r.signals,
  execution: r.execution,
  research: r.research,
});

/** A configuration far from the defaults: PAPER thresholds, wider risk, breakeven and trailing, so the trades differ from the golden run's. */
function paperSettings(): Partial<BacktestOptions> {
  const s = structuredClone(DEFAULT_TRADER_SETTINGS) as unknown as { risk: Record<string, number>; management: Record<string, number | null> };
  s.risk.maxRiskPerTradeUsd = 300;
  s.risk.dailyLossLimitUsd = 1000;
  s.management.breakevenAfterTicks = 6;
  s.management.trailTicks = 10;
  const t = s as unknown as typeof DEFAULT_TRADER_SETTINGS;
  return { method: methodOf(t, methodConfig({ mode: 'PAPER' })), risk: riskOf(t), management: managementOf(t) };
}

async function bothWays(data: { file: string | string[]; timeZone?: string; timeframe?: '1m' | '5m'; fromTs?: number; toTs?: number; adjusted?: boolean }, settings: Partial<BacktestOptions> = {}) {
  const tape = await buildTape({ instrument: ES, timeframe: data.timeframe ?? '1m', timeZone: data.timeZone ?? ES.timeZone, sessionKind: 'globex', ...data });
  const fromFile = await runBacktest({ ...data, ...settings });
  const fromTape = await runBacktest({ tape, ...settings });
  return { tape, fromFile, fromTape };
}

describe('a backtest of a market tape equals a backtest of its data', () => {
  it('the real CSV: with the defaults (the golden run) and with PAPER settings, bar for bar', async () => {
    const bars: unknown[] = [];
    const tapeBars: unknown[] = [];
    const tape = await buildTape({ file: REAL_CSV, instrument: ES, timeframe: '1m', timeZone: ES.timeZone, sessionKind: 'globex' });
    const fromFile = await runBacktest({ file: REAL_CSV, onBar: (c) => bars.push(c) });
    const fromTape = await runBacktest({ tape, onBar: (c) => tapeBars.push(c) });
    expect(essence(fromTape)).toEqual(essence(fromFile));
    // The golden run: 7 trades, net 168.50 USD.
    expect(fromTape.execution.metrics).toMatchObject({ trades: 7, netPnlUsd: 168.5 });
    expect(tapeBars).toEqual(bars);
    expect(tape.records).toBe(fromFile.records);
    expect(tape.closedBars).toBe(fromFile.bars);
    expect(tapeRecord(tape, 0)).toEqual((bars[0] as { bar: unknown }).bar);
    expect(tapeClosedBar(tape, 500)).toEqual(bars[500]);
    const paper = await bothWays({ file: REAL_CSV }, paperSettings());
    expect(essence(paper.fromTape)).toEqual(essence(paper.fromFile));
    expect(paper.fromTape.execution.ordersHash).not.toBe(fromTape.execution.ordersHash);
  }, 30_000);

  it('three real contracts as a series: the changes of contract where the data makes them, as they are and back-adjusted', async () => {
    const raw = await bothWays({ file: THREE, timeZone: 'America/Chicago', timeframe: '5m' }, paperSettings());
    expect(essence(raw.fromTape)).toEqual(essence(raw.fromFile));
    expect(raw.tape.rolls.map((r) => `${r.from}>${r.to}`)).toEqual(['ESH15>ESM15', 'ESM15>ESU15']);
    expect(raw.fromTape.execution.metrics.trades).toBeGreaterThan(0);
    const adjusted = await bothWays({ file: THREE, timeZone: 'America/Chicago', timeframe: '5m', adjusted: true }, paperSettings());
    expect(essence(adjusted.fromTape)).toEqual(essence(adjusted.fromFile));
    expect(adjusted.tape.rolls.every((r) => r.gapPoints !== null)).toBe(true);
  }, 60_000);

  it('a date range of the series', async () => {
    const fromTs = Date.UTC(2015, 4, 1);
    const toTs = Date.UTC(2015, 6, 1);
    const cut = await bothWays({ file: THREE, timeZone: 'America/Chicago', timeframe: '5m', fromTs, toTs }, paperSettings());
    expect(essence(cut.fromTape)).toEqual(essence(cut.fromFile));
    expect(cut.tape.records).toBeGreaterThan(0);
    expect(tapeRecord(cut.tape, 0).kind === 'bar' && (tapeRecord(cut.tape, 0) as { ts: number }).ts >= fromTs).toBe(true);
  }, 30_000);

  it('trades: the real trades-with-depth sample builds bars from 2,026 trades the same way', async () => {
    const ticks = await bothWays({ file: REAL_DEPTH_TXT }, paperSettings());
    expect(ticks.tape.ticks).toBe(true);
    expect(ticks.tape.records).toBe(2026);
    expect(essence(ticks.fromTape)).toEqual(essence(ticks.fromFile));
    expect(ticks.fromTape.bars).toBe(ticks.tape.closedBars);
    expect(ticks.tape.closedBars).toBeGreaterThan(0);
  });
});
