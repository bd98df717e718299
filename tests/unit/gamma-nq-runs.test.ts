/**
 * Gamma levels over time and NQ in the app's runs (issue 17, items 9 and 10),
 * through the kernel as the window drives it: a folder of dated chains in the
 * Gamma panel applies each chain from its snapshot time through a replay of
 * the real ESM23 Sierra Chart file, the same chains a `--chains` backtest
 * applies; a chain older than the age limit, or taken after the bar, is said;
 * an NQ file opened beside the ES file feeds es_nq_correlation as the
 * backtest's `nqFile` does; live NQ trades build the closes a live run reads.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock';
import type { EngineEvent, GammaDTO } from '../../engine/contract';
import { readChains } from '../../engine/gamma/chain';
import { chainAge } from '../../engine/gamma/age';
import { gammaLevels } from '../../engine/gamma/gex';
import { createKernel, type Kernel } from '../../engine/kernel';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { LiveNqCloses } from '../../engine/feeds/nq';
import { eventually } from '../support/manual-clock';
import { SHARED_DATA } from '../support/paths';

const ESM23 = resolve(SHARED_DATA, 'es/sierra-5m/ESM23-CME.scid_BarData__5m.txt');
const CHAINS = resolve(SHARED_DATA, 'options/esm23');
const NT = (s: string): string => resolve(SHARED_DATA, `es/ninjatrader/${s}_Volumetric_1.csv`);

function kernel(opts: { gammaMaxAgeTradingDays?: number } = {}): { k: Kernel; events: EngineEvent[] } {
  const k = createKernel({ dataDir: mkdtempSync(join(tmpdir(), 'mia-gamma-')), marketDataDir: SHARED_DATA, version: 'test', ...opts }, new LiveClock());
  const events: EngineEvent[] = [];
  k.bus.subscribe((e) => events.push(e));
  return { k, events };
}

/** Plays the open replay to its end at max speed, in AUTO (MANUAL would pause at each signal for the trader). */
async function playToEnd(k: Kernel): Promise<void> {
  await k.api.setExecution('AUTO');
  await k.api.setSpeed('max');
  await k.api.play();
  await eventually(async () => expect((await k.api.getReplaySnapshot()).status.state).toBe('ended'), 60_000);
}

describe('a folder of dated SPX chains in the app (issue 17, item 9)', () => {
  it('applies each chain from its snapshot time through the ESM23 replay, bar for bar as the --chains backtest, and says a chain gone stale once', async () => {
    const { k, events } = kernel();
    // Loaded before any replay: nothing is in force yet; the replay opened next takes the folder.
    expect(await k.api.loadChain({ path: CHAINS, basisPoints: 40 })).toBeNull();
    expect(events.find((e) => e.type === 'alert' && e.message.includes('11 SPX chain(s) from esm23'))).toBeDefined();
    await k.api.openReplay({ path: ESM23, timeframe: '5m', timeZone: 'America/Chicago' });
    await playToEnd(k);
    const applied = events.filter((e): e is Extract<EngineEvent, { type: 'gamma' }> => e.type === 'gamma').map((e) => e.gamma?.source ?? null);
    // Every chain of the folder, in snapshot order, each once (the file runs from March to June 2023).
    const { chains } = await readChains(CHAINS);
    expect(applied.filter((s) => s !== null)).toEqual(chains.map((c) => c.source));
    // The same levels at each bar as the backtest of the same file and folder.
    const expected: (number | null)[] = [];
    const schedule = chains.map((c) => ({ levels: gammaLevels(c), basisPoints: 40 }));
    await runBacktest({ file: ESM23, timeframe: '5m', timeZone: 'America/Chicago', gammaSchedule: schedule, onDecision: (d) => expected.push(d.gamma?.callWall ?? null) });
    // The window's view: at each bar closed, the chain in force is the last gamma event before it.
    const shown: (number | null)[] = [];
    const sources = new Set<string>();
    let inForce: GammaDTO | null = null;
    for (const e of events) {
      if (e.type === 'gamma') inForce = e.gamma;
      else if (e.type === 'bar.closed') {
        shown.push(inForce?.es.callWall ?? null);
        if (inForce !== null) sources.add(inForce.source);
      }
    }
    expect(shown).toEqual(expected);
    expect(sources.size).toBe(chains.length); // every chain was in force at some bar
    // Between the 2023-04-17 chain and the 2023-05-06 one, 13 trading days: stale from the fourth day on, said once.
    const stale = events.filter((e) => e.type === 'alert' && e.message.includes('more than 3 trading days older'));
    expect(stale.length).toBeGreaterThanOrEqual(1);
    expect(stale.some((e) => e.type === 'alert' && e.message.includes('2023-04-17'))).toBe(true);
    expect(new Set(stale.map((e) => (e.type === 'alert' ? e.message.slice(0, 90) : ''))).size).toBe(stale.length);
    expect(events.some((e) => e.type === 'alert' && e.message.includes('look-ahead'))).toBe(false);
    await k.close();
  }, 120_000);

  it('loaded mid-replay, the folder puts the chain taken by the market time in force at once, and a chain loaded by hand replaces it', async () => {
    const { k, events } = kernel();
    await k.api.setExecution('AUTO'); // before the warm-up to the resume time: MANUAL would queue its signals for the trader
    await k.api.openReplay({ path: ESM23, timeframe: '5m', timeZone: 'America/Chicago', resumeAt: Date.UTC(2023, 3, 12, 15, 0) });
    const g = await k.api.loadChain({ path: CHAINS });
    // 2023-04-12: the 2023-04-10 chain (taken that evening) is the last one by then.
    expect(g?.date).toBe('2023-04-10');
    expect((await k.api.getReplaySnapshot()).gamma?.date).toBe('2023-04-10');
    const hand = await k.api.loadChain({ path: resolve(CHAINS, 'spx_quotedata_2023-04-05.csv') });
    expect(hand?.date).toBe('2023-04-05');
    await playToEnd(k);
    // The hand-loaded chain stays: no chain of the folder came in force after it.
    const after = events.slice(events.findIndex((e) => e.type === 'gamma' && e.gamma?.date === '2023-04-05'));
    expect(after.filter((e) => e.type === 'gamma').map((e) => (e.type === 'gamma' ? e.gamma?.date : null))).toEqual(['2023-04-05']);
    await k.close();
  }, 120_000);

  it('a single chain taken after the bars is said as look-ahead; the age limit is configurable', async () => {
    const { k, events } = kernel({ gammaMaxAgeTradingDays: 100 });
    const g = (await k.api.loadChain({ path: resolve(CHAINS, 'spx_quotedata_2023-06-09.csv') })) as GammaDTO;
    expect(g.date).toBe('2023-06-09');
    await k.api.openReplay({ path: ESM23, timeframe: '5m', timeZone: 'America/Chicago' });
    await playToEnd(k);
    const ahead = events.filter((e) => e.type === 'alert' && e.message.includes('look-ahead'));
    expect(ahead).toHaveLength(1);
    expect(ahead[0]?.type === 'alert' && ahead[0].message).toContain('taken 2023-06-09');
    // Within 100 trading days nothing is stale.
    expect(events.some((e) => e.type === 'alert' && e.message.includes('trading days older'))).toBe(false);
    await k.close();
  }, 120_000);

  it('the age is counted in trading days from the New York dates', () => {
    const ny = (iso: string): number => Date.parse(iso);
    // Friday 2023-04-14 20:00 EDT is Saturday in UTC: still Friday's chain. Monday to Wednesday: 3 trading days, fresh.
    expect(chainAge(ny('2023-04-15T00:00:00Z'), ny('2023-04-19T14:00:00Z'))).toBe('fresh');
    expect(chainAge(ny('2023-04-15T00:00:00Z'), ny('2023-04-20T14:00:00Z'))).toBe('stale');
    expect(chainAge(ny('2023-04-20T14:00:00Z'), ny('2023-04-20T13:55:00Z'))).toBe('ahead');
  });
});

describe('NQ in the app (issue 17, item 10)', () => {
  it('an NQ file opened beside the ES file feeds es_nq_correlation bar for bar as the backtest with nqFile', async () => {
    const { k, events } = kernel();
    await k.api.openReplay({ path: NT('ES'), nqPath: NT('NQ') });
    await playToEnd(k);
    const app = events.filter((e): e is Extract<EngineEvent, { type: 'bar.closed' }> => e.type === 'bar.closed').map((e) => e.analysis?.features.es_nq_correlation);
    const expected: number[] = [];
    await runBacktest({ file: NT('ES'), nqFile: NT('NQ'), onDecision: (d) => expected.push(d.confluence.features.es_nq_correlation) });
    expect(app).toEqual(expected);
    expect(new Set(app.map((x) => x?.toFixed(3))).size).toBeGreaterThan(100);
    await k.close();
  }, 120_000);

  it('an NQ file that is not there, or holds ticks, is refused by name and nothing opens', async () => {
    const { k } = kernel();
    await expect(k.api.openReplay({ path: NT('ES'), nqPath: NT('XX') })).rejects.toMatchObject({ kind: 'not-found' });
    await expect(k.api.openReplay({ path: NT('ES'), nqPath: resolve(SHARED_DATA, 'sierra/ESM23_10ticks.scid') })).rejects.toMatchObject({ kind: 'bad-file', message: expect.stringContaining('NQ file:') });
    expect((await k.api.getReplaySnapshot()).status.state).toBe('idle');
    await k.close();
  });

  it('live NQ trades build 1-minute closes: the last trade of each minute, carried at most 5 minutes', () => {
    const nq = new LiveNqCloses('1m');
    const t0 = Date.UTC(2023, 8, 25, 14, 0);
    nq.onTrade(t0 + 1_000, 15_000);
    nq.onTrade(t0 + 59_000, 15_002.5);
    nq.onTrade(t0 + 61_000, 15_004);
    nq.onTrade(t0 + 30_000, 15_003); // late: counts in the last minute
    expect(nq.closeAt(t0)).toBe(15_002.5);
    expect(nq.closeAt(t0 + 60_000)).toBe(15_003);
    expect(nq.closeAt(t0 + 6 * 60_000)).toBe(15_003);
    expect(nq.closeAt(t0 + 7 * 60_000)).toBeUndefined();
    expect(nq.closeAt(t0 - 60_000)).toBeUndefined();
  });
});
