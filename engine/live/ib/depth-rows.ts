/**
 * IB's market depth as the book of prices (issue 18, item 4). TWS sends the
 * book by row, not by price (EWrapper updateMktDepth / updateMktDepthL2,
 * ibapi wrapper.py): `position` is the row of one side (0 the best), and
 * `operation` 0 inserts a row there (the rows below move down), 1 updates
 * it, 2 deletes it (the rows below move up); `side` 0 is the ask, 1 the bid.
 * This keeps the rows of each side and answers each message with the
 * changes of the book by price it makes (DepthUpdate), which the ladder and
 * the recording speak.
 */
import type { DepthUpdate } from '../../domain.js';

interface Row {
  readonly price: number;
  readonly size: number;
}

/** Both sides' rows of one depth subscription. */
export class IbDepthRows {
  private readonly rows: { ask: Row[]; bid: Row[] } = { ask: [], bid: [] };

  /** Forgets every row (a new subscription): the book by price is cleared. */
  reset(): DepthUpdate[] {
    this.rows.ask = [];
    this.rows.bid = [];
    return [{ side: 'clear', price: 0, size: 0 }];
  }

  /**
   * One row message; returns the price levels it changed (size 0: the level
   * is gone). A position beyond the rows held is taken as the end of the side
   * (TWS does not send one; a message out of step costs one level, never a throw).
   */
  apply(position: number, operation: number, side: number, price: number, size: number): DepthUpdate[] {
    const s = side === 1 ? 'bid' : 'ask';
    const rows = this.rows[s];
    const before = priceMap(rows);
    const at = Math.max(0, Math.min(position, rows.length));
    const row = { price, size: Number(size) };
    if (operation === 0) rows.splice(at, 0, row);
    else if (operation === 1) {
      if (at < rows.length) rows[at] = row;
      else rows.push(row);
    } else if (operation === 2) {
      if (at < rows.length) rows.splice(at, 1);
    } else return [];
    const after = priceMap(rows);
    const out: DepthUpdate[] = [];
    for (const p of before.keys()) if (!after.has(p)) out.push({ side: s, price: p, size: 0 });
    for (const [p, q] of after) if (before.get(p) !== q) out.push({ side: s, price: p, size: q });
    return out;
  }
}

/** Size by price of one side's rows (a price on two rows counts once, the nearer). */
function priceMap(rows: readonly Row[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of rows) if (!m.has(r.price)) m.set(r.price, r.size);
  return m;
}
