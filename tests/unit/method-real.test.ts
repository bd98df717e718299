/**
 * The whole method on the real ES data of ../shared/data: golden signal counts
 * for the 11-session CSV (drift fails the test), section 10's rules checked on
 * every signal, the order-flow terms exercised by the bid/ask JSONL, the
 * DECISION snapshots in the journal, and no look-ahead (fast-check).
 */
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { BacktestClock } from '../../engine/clock';
import { decisionLine } from '../../engine/cli/mia';
import { ES, type Bar } from '../../engine/domain';
import { readChain } from '../../engine/gamma/chain';
import { gammaLevels } from '../../engine/gamma/gex';
import { inWindow, MethodAnalyzer } from '../../engine/method/analyzer';
import { type Decision } from '../../engine/method/decision';
import { DEFAULT_METHOD_CONFIG, methodConfig } from '../../engine/method/config';
import { MarketPipeline } from '../../engine/pipeline';
import { openDb } from '../../engine/store/db';
import { SessionCalendar } from '../../engine/time/sessions';
import { REAL_CSV, REAL_JSONL, SHARED_DATA } from '../support/paths';

async function decisions(file: string, mode: 'PAPER' | 'DATA_COLLECTION' = 'PAPER'): Promise<Decision[]> {
  const out: Decision[] = [];
  await runBacktest({ file, method: methodConfig({ mode }), onDecision: (d) => out.push(d) });
  return out;
}

describe('the method on the 11-session ES CSV', () => {
  it('emits the golden signal counts, several setups on both sides (PAPER)', async () => {
    const r = await runBacktest({ file: REAL_CSV });
    expect(r.signals).toEqual({
      total: 27,
      bySetup: { BN_BASE_RETEST: 16, VWAP_DEVIATION: 11 },
      bySide: { LONG: 13, SHORT: 14 },
      byGrade: { WEAK: 26, STRONG: 1 },
    });
  });

  it('every signal obeys section 10 and the mode thresholds', async () => {
    const th = DEFAULT_METHOD_CONFIG.modes.PAPER;
    const ds = await decisions(REAL_CSV);
    const signals = ds.filter((d) => d.tradingSignal !== null);
    expect(signals.length).toBe(27);
    for (const d of signals) {
      const s = d.tradingSignal!;
      const dir = s.side === 'LONG' ? 1 : -1;
      expect(s.entry).toBe(d.bar.close);
      expect(dir * (s.entry - s.stop)).toBeGreaterThan(0);
      expect(dir * (s.target - s.entry)).toBeGreaterThan(0);
      expect(s.rewardRisk).toBeGreaterThanOrEqual(1.5);
      expect(s.confidence).toBeGreaterThanOrEqual(th.minConfidence);
      expect(s.confluence).toBeGreaterThanOrEqual(th.minConfluence);
      expect(s.confidence).toBeCloseTo(0.5 * s.battle.confidence + 0.5 * s.confluence, 12);
      const g = s.battle.governingBase;
      const blocked = s.battle.goldenRuleViolated && g !== null && ((s.side === 'LONG' && g.type === 'GREEN') || (s.side === 'SHORT' && g.type === 'RED'));
      expect(blocked).toBe(false);
      // inside 09:40-15:45 ET by the bar's close
      const et = new Date(s.tsEvent - 4 * 3_600_000); // EDT in Sep-Oct 2023
      expect(inWindow(et.getUTCHours() * 60 + et.getUTCMinutes(), DEFAULT_METHOD_CONFIG.window)).toBe(true);
      if (s.kind !== 'range') expect(s.side).toBe(d.signal.candidate);
      expect(s.missingInputs).toEqual(expect.arrayContaining(['gamma', 'nq', 'orderFlow']));
    }
  });

  it('produces bases, violations and every regime', async () => {
    const ds = await decisions(REAL_CSV);
    expect(ds.filter((d) => d.bases.confirmed !== null).length).toBe(1049);
    expect(ds.filter((d) => d.bases.violatedNow).length).toBe(297);
    expect(new Set(ds.map((d) => d.regime.regime))).toEqual(new Set(['TREND_BULL', 'TREND_BEAR', 'RANGE', 'TRANSITION']));
  });

  it('uses gamma levels when a chain is loaded', async () => {
    const chain = gammaLevels(await readChain(resolve(SHARED_DATA, 'options/spx_quotedata_2023-08-20.csv')));
    const out: Decision[] = [];
    const r = await runBacktest({ file: REAL_CSV, method: methodConfig({ mode: 'DATA_COLLECTION' }), gamma: { levels: chain, basisPoints: 40 }, onDecision: (d) => out.push(d) });
    expect(r.signals.total).toBeGreaterThan(0);
    const s = out.find((d) => d.tradingSignal !== null)!.tradingSignal!;
    expect(s.levels).toMatchObject({ callWall: 4540, putWall: 4440, netGex: chain.netGex });
    expect(s.levels.zeroGamma).toBeCloseTo(chain.zeroGamma! + 40, 9);
    expect(s.missingInputs).not.toContain('gamma');
    expect(s.missingInputs).not.toContain('optionsFlow');
  });
});

describe('the method on the bid/ask JSONL', () => {
  it('exercises the order-flow terms: delta ratio, aggressor share, base flow, volume confirmation, traps', async () => {
    const ds = await decisions(REAL_JSONL, 'DATA_COLLECTION');
    expect(ds.length).toBe(1000);
    const withFlow = ds.filter((d) => d.balance.deltaRatio !== null);
    expect(withFlow.length).toBeGreaterThan(990);
    expect(ds.some((d) => d.balance.aggressorShare !== null && (d.balance.aggressorShare > 0.6 || d.balance.aggressorShare < 0.4))).toBe(true);
    expect(ds.some((d) => d.bases.confirmed !== null && d.bases.confirmed.askVolume !== null)).toBe(true);
    expect(ds.every((d) => !d.confluence.missing.includes('orderFlow') || !d.bar.hasOrderFlow || d.bar.askVolume + d.bar.bidVolume === 0)).toBe(true);
    expect(ds.filter((d) => d.proposals.some((p) => p.proposal.setup === 'TRAP')).length).toBeGreaterThan(0);
  });

  it('journals each signal with its DECISION snapshot', async () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'mia-method-')), 'journal.sqlite'));
    try {
      const r = await runBacktest({ file: REAL_JSONL, db, method: methodConfig({ mode: 'DATA_COLLECTION' }) });
      expect(r.signals.total).toBeGreaterThan(0);
      const rows = db.prepare('SELECT id, side, setup, grade, mode, snapshot FROM signals WHERE run_id = ? ORDER BY ts').all(r.runId) as { id: string; side: string; setup: string; mode: string; snapshot: string }[];
      expect(rows.length).toBe(r.signals.total);
      const snap = JSON.parse(rows[0]!.snapshot);
      expect(snap).toMatchObject({ kind: 'DECISION', version: 1, mode: 'DATA_COLLECTION', thresholds: DEFAULT_METHOD_CONFIG.modes.DATA_COLLECTION });
      expect(snap.signal.id).toBe(rows[0]!.id);
      expect(Object.keys(snap.features)).toHaveLength(10);
      expect(snap.battle.balance.deltaRatio).not.toBeNull();
      expect(snap.missingInputs).toEqual(expect.arrayContaining(['gamma', 'nq']));
      expect(snap.config.weights.vwap_trend_signal).toBe(0.18);
      expect(snap.proposals.some((p: { outcome: string }) => p.outcome === 'signal')).toBe(true);
      expect(snap.regime.regime).toBe(snap.signal.regime);
    } finally {
      db.close();
    }
  });
});

/** Decision lines (the --bars-out format) of `bars` run through the pipeline and the method. */
function decide(list: readonly Bar[]): string[] {
  const analyzer = new MethodAnalyzer({ instrument: ES, config: methodConfig({ mode: 'DATA_COLLECTION' }) });
  const lines: string[] = [];
  const p = new MarketPipeline({
    instrument: ES,
    calendar: new SessionCalendar('globex', ES.timeZone),
    timeframe: '1m',
    clock: new BacktestClock(),
    sink: { barClosed: (c) => lines.push(decisionLine(analyzer.onBar(c))), sessionClosed: () => undefined },
  });
  for (const b of list) p.onRecord(b);
  p.end();
  return lines;
}

const START = Date.UTC(2023, 8, 26, 13, 0); // 09:00 EDT: the series crosses the 09:40 window open

const barSeries = fc
  .array(fc.record({ move: fc.integer({ min: -8, max: 8 }), up: fc.nat(6), down: fc.nat(6), volume: fc.integer({ min: 1, max: 3000 }), buy: fc.double({ min: 0, max: 1, noNaN: true }), flow: fc.boolean() }), { minLength: 30, maxLength: 160 })
  .map((steps) => {
    let close = 4300;
    return steps.map((s, i): Bar => {
      const open = close;
      close = open + s.move * 0.25;
      const ask = s.flow ? Math.round(s.volume * s.buy) : 0;
      const bid = s.flow ? s.volume - ask : 0;
      return {
        kind: 'bar', tf: '1m', ts: START + i * 60_000, open, close,
        high: Math.max(open, close) + s.up * 0.25, low: Math.min(open, close) - s.down * 0.25,
        volume: s.volume, askVolume: ask, bidVolume: bid, delta: ask - bid, trades: 0, hasOrderFlow: s.flow,
      };
    });
  });

describe('no look-ahead', () => {
  it('the decision for bar N is the same whether the input stops at N or goes on', () => {
    fc.assert(
      fc.property(barSeries, fc.double({ min: 0, max: 1, noNaN: true }), (list, cut) => {
        const n = 1 + Math.floor(cut * (list.length - 1));
        const full = decide(list);
        const prefix = decide(list.slice(0, n));
        expect(prefix).toEqual(full.slice(0, n));
      }),
      { numRuns: 60 },
    );
  });
});
