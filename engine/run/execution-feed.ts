/**
 * The execution panels' state for the windows, as changes (issue 15): each
 * `execution` event carries the head whole (small: queue, recent decisions,
 * working orders, position, limits, metrics) and only what changed of the
 * run's growing lists: new or changed trades, fills and closed-trade equity
 * points appended since the last event. A window merges them into its
 * ExecutionStateDTO (renderer/src/chart/model.ts); one that connects late
 * reads the whole state (getExecution), which says the last event it holds.
 * Before, every event rebuilt and sent every trade, fill and equity point.
 */
import type { ExecutionDeltaDTO, ExecutionStateDTO, TradeDTO } from '../contract.js';
import { closedEquityPoints, toExecutionHeadDTO, toFillDTO, toTradeDTO, type ExecutionSource } from '../dto.js';
import type { Trader } from '../execution/trader.js';
import type { TradeRecord } from '../execution/records.js';

/** What a window needs to know of a trade to redraw it: its DTO changes when this does. */
function tradeKey(t: TradeRecord): string {
  return `${t.entryTs}|${t.entryPrice}|${t.entryQty}|${t.exitQty}|${t.exitTs}|${t.exitPrice}|${t.pnlUsd}|${t.maeTicks}|${t.mfeTicks}|${t.cancelled}`;
}

/** Turns the execution state into deltas, one run after another. */
export class ExecutionFeed {
  private seq = 0;
  private run = 0;
  private trader: Trader | null | undefined = undefined;
  private sentFills = 0;
  private sentEquity = 0;
  private readonly sentTrades = new Map<string, string>();

  /** The change since the last call (the first of a run, or after none, carries the run's lists whole). */
  delta(k: ExecutionSource): ExecutionDeltaDTO {
    const t = k.trader;
    const reset = t !== this.trader;
    if (reset) {
      this.trader = t;
      this.run += 1;
      this.sentFills = 0;
      this.sentEquity = 0;
      this.sentTrades.clear();
    }
    const trades: TradeDTO[] = [];
    for (const tr of t?.trades ?? []) {
      const key = tradeKey(tr);
      if (this.sentTrades.get(tr.id) === key) continue;
      this.sentTrades.set(tr.id, key);
      trades.push(toTradeDTO(tr));
    }
    const fills = t === null ? [] : t.fills.slice(this.sentFills).map(toFillDTO);
    const fillsFrom = this.sentFills;
    this.sentFills += fills.length;
    const points = t === null ? [] : closedEquityPoints(t, k.risk.accountEquityUsd);
    const equityFrom = Math.min(this.sentEquity, points.length);
    const equity = points.slice(equityFrom);
    this.sentEquity = points.length;
    this.seq += 1;
    return { seq: this.seq, run: this.run, reset, head: toExecutionHeadDTO(k), trades, fillsFrom, fills, equityFrom, equity };
  }

  /** The whole state now, as of the last delta (for a window that connects, or asks). */
  full(k: ExecutionSource): ExecutionStateDTO {
    const t = k.trader;
    // A run that changed since the last delta is announced by the next one (reset); until then the whole state is of it.
    const run = t === this.trader ? this.run : this.run + 1;
    const points = t === null ? [] : closedEquityPoints(t, k.risk.accountEquityUsd);
    const head = toExecutionHeadDTO(k);
    return {
      ...head,
      trades: t === null ? [] : t.trades.map(toTradeDTO),
      fills: t === null ? [] : t.fills.map(toFillDTO),
      equityCurve: withNow(points, head),
      seq: this.seq,
      run,
    };
  }
}

/** The closed-trade equity points and "now" (market time, equity), as the performance panel draws them. */
function withNow(points: readonly (readonly [number, number])[], head: Pick<ExecutionStateDTO, 'marketTs' | 'position'>): [number, number][] {
  const out = points.map(([ts, eq]): [number, number] => [ts, eq]);
  if (head.marketTs !== null) out.push([head.marketTs, head.position.runEquityUsd]);
  return out;
}
