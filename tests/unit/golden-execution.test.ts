/**
 * Golden replay (architecture.md, style 6): the real 11-session ES CSV
 * backtested through the whole path, AUTO in PAPER with the default
 * configuration. The expected statistics and the hash of the order list are
 * pinned; any drift in the method, the risk check, the venue or the
 * portfolio fails here.
 *
 * [Note: how the golden numbers were checked] Three trades were recomputed by
 * hand from the CSV rows:
 * - T1 LONG VWAP_DEVIATION: signal bar 2023-09-25 11:17 ET closes 4367.75;
 *   the market entry fills at the 11:18 open 4367.75 + 1 tick = 4368.00; stop
 *   8 ticks under the close = 4365.75, target 2.5 R = 4372.75. The 11:33 bar's
 *   low 4365.50 triggers the stop, filled at 4365.50 (1 tick of slippage):
 *   -10 ticks x 12.50 - 2 x 2.25 = -129.50 USD. MFE +15 ticks (11:24 high 4371.75).
 * - T3 SHORT VWAP_DEVIATION: 2023-09-29 11:36 closes 4348.75; entry at the
 *   11:37 open - 1 tick = 4348.50; stop 4350.75, target 4343.75. 11:37 goes
 *   up to 4349.25 first (MAE -3 ticks); 11:38's low 4343.00 reaches the
 *   target: 19 ticks x 12.50 - 4.50 = 233.00 USD.
 * - T4 SHORT: 11:41 closes 4347.75, entry 4347.50 - 0.25 = 4347.25; 11:42
 *   visits its high 4349.25 first (nearer), 2 ticks under the 4349.75 stop:
 *   MAE -8 ticks; the target 4342.75 fills later: 18 ticks = 220.50 USD.
 * The other 19 signals of 27 were refused by the $100 per-trade risk cap
 * (stops wider than 8 ticks) and one by the one-position limit.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../engine/run/drivers/backtest';
import { openDb } from '../../engine/store/db';
import { REAL_CSV } from '../support/paths';

describe('golden replay: the 11-session ES CSV, AUTO / PAPER, defaults', () => {
  it('keeps its statistics and its order list', async () => {
    const { execution: e, signals } = await runBacktest({ file: REAL_CSV });
    expect(signals.total).toBe(27);
    expect({ trades: e.metrics.trades, wins: e.metrics.wins, winRate: e.metrics.winRate, netPnlUsd: e.metrics.netPnlUsd, maxDrawdownUsd: e.maxDrawdownUsd }).toEqual({
      trades: 7,
      wins: 3,
      winRate: 3 / 7,
      netPnlUsd: 168.5,
      maxDrawdownUsd: 434,
    });
    expect(e.metrics.maxDrawdownUsd).toBe(271.5); // closed-trade equity curve
    expect(e.refused).toEqual({ 'risk-per-trade': 19, 'open-position': 1 });
    expect(e.orders).toBe(21);
    expect(e.ordersHash).toBe('12f99ff8f54051fb4d853750b244ac59f5b3db039de15ae86754e32359346c34');
    expect(e.finalEquityUsd).toBeCloseTo(25_000 + 168.5, 9);
    expect(e.openPosition).toBe(0);
    expect(e.killSwitchEvents).toEqual([]);
    const byHand = e.trades.filter((t) => ['T1', 'T3', 'T4'].includes(t.id)).map((t) => [t.entryPrice, t.exitPrice, t.exitReason, t.pnlUsd, t.maeTicks, t.mfeTicks]);
    expect(byHand).toEqual([
      [4368, 4365.5, 'stop', -129.5, -10, 15],
      [4348.5, 4343.75, 'target', 233, -3, 19],
      [4347.25, 4342.75, 'target', 220.5, -8, 18],
    ]);
  });

  it('journals every trade with its five snapshot kinds, its orders and fills', async () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'mia-golden-')), 'journal.sqlite'));
    const r = await runBacktest({ file: REAL_CSV, db });
    const q = <T>(sql: string) => db.prepare(sql).all(r.runId) as T[];
    expect(q<{ n: number }>('SELECT count(*) AS n FROM trades WHERE run_id = ?')[0]!.n).toBe(7);
    expect(q<{ n: number }>('SELECT count(*) AS n FROM orders WHERE run_id = ?')[0]!.n).toBe(21);
    expect(q<{ n: number }>('SELECT count(*) AS n FROM fills WHERE run_id = ?')[0]!.n).toBe(14);
    expect(q<{ status: string; n: number }>('SELECT status, count(*) AS n FROM approvals WHERE run_id = ? GROUP BY status ORDER BY status')).toEqual([
      { status: 'REFUSED', n: 20 },
      { status: 'SENT', n: 7 },
    ]);
    const kinds = q<{ trade_id: string; kinds: string }>(
      `SELECT trade_id, group_concat(kind, ' ') AS kinds FROM (SELECT trade_id, kind FROM trade_snapshots WHERE run_id = ? ORDER BY trade_id, seq) GROUP BY trade_id`,
    );
    expect(kinds).toHaveLength(7);
    for (const k of kinds) expect(k.kinds).toMatch(/^PRE_ANALYSIS DECISION EXECUTION( POSITION_UPDATE)* FINAL_RESULT$/);
    const pre = JSON.parse((db.prepare(`SELECT data FROM trade_snapshots WHERE run_id = ? AND trade_id = 'T1' AND kind = 'PRE_ANALYSIS'`).get(r.runId) as { data: string }).data) as Record<string, unknown>;
    expect(pre).toMatchObject({ sessionPhase: 'ny_am', price: 4367.75 });
    expect(pre['atr14Points']).toBeGreaterThan(0);
    const dec = JSON.parse((db.prepare(`SELECT data FROM trade_snapshots WHERE run_id = ? AND trade_id = 'T1' AND kind = 'DECISION'`).get(r.runId) as { data: string }).data) as { decision: { kind: string }; approval: { who: string } };
    expect(dec.decision.kind).toBe('DECISION');
    expect(dec.approval.who).toBe('auto');
    db.close();
  });
});
