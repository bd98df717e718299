/**
 * Position management (issue 18, item 3): the rules that move a trade's stop
 * or close it while it is open, the same for the method's trades, the
 * trader's own (the ATM bracket) and an adopted position. Off by default
 * (NO_MANAGEMENT), so that the golden replays do not move. Pure: the Trader
 * (engine/execution/trader.ts) applies the answers at the venue, after the
 * venue matched the record, so a moved stop works from the next record on,
 * under the venue's own fill rules (a simulated one's or the broker's).
 */

/** The rules; a null number turns its rule off. Ticks, bars, minutes of the New York day. */
export interface PositionManagement {
  /** Move the stop to the entry (plus `breakevenOffsetTicks` the trade's way) once price has gone this many ticks its way. */
  readonly breakevenAfterTicks: number | null;
  readonly breakevenOffsetTicks: number;
  /** Trail the stop this many ticks behind the best price since the entry. */
  readonly trailTicks: number | null;
  /** Trail the stop this multiple of ATR(14) (of the run's completed bars, points) behind the best price since the entry. */
  readonly trailAtrMultiple: number | null;
  /** Close at market once the trade has been open this many completed bars. */
  readonly timeExitBars: number | null;
  /**
   * Flatten everything at this minute of the New York day (15:55 ET = 955)
   * and refuse new entries from then until the next session opens at 18:00 ET.
   */
  readonly flattenAtMinuteEt: number | null;
}

/** Every rule off. */
export const NO_MANAGEMENT: PositionManagement = Object.freeze({
  breakevenAfterTicks: null,
  breakevenOffsetTicks: 0,
  trailTicks: null,
  trailAtrMultiple: null,
  timeExitBars: null,
  flattenAtMinuteEt: null,
});

/** An open trade as the stop rules read it: points, ticks. */
export interface ManagedTrade {
  readonly side: 'LONG' | 'SHORT';
  /** The entry's average fill price, points. */
  readonly entryPrice: number;
  /** The stop in force, points. */
  readonly stop: number;
  /** The best excursion since the entry, ticks (>= 0). */
  readonly mfeTicks: number;
}

/**
 * The stop the rules want now, or null to leave it: the tightest of the
 * breakeven stop (entry + offset, once MFE >= `breakevenAfterTicks`) and the
 * trailing stops (best price - `trailTicks` ticks; best price -
 * `trailAtrMultiple` x ATR, rounded away from the price onto the tick grid),
 * where best price = entry + MFE. A stop only ever tightens, and never to
 * within a tick of `lastPrice` on the wrong side (it would fill at once: the
 * rule waits). Example, long from 4300.00, tick 0.25, trail 8 ticks: the
 * high 4303.00 (MFE 12) wants 4303.00 - 2.00 = 4301.00.
 * @param atrPoints ATR(14) of the completed bars, points; NaN before 14 bars (the ATR rule waits).
 */
export function managedStop(t: ManagedTrade, lastPrice: number, atrPoints: number, tickSize: number, m: PositionManagement): number | null {
  const dir = t.side === 'LONG' ? 1 : -1;
  const onGrid = (p: number, away: boolean): number => {
    // Away from the price: down for a long's stop, up for a short's.
    const ticks = p / tickSize;
    const r = away ? (dir > 0 ? Math.floor(ticks + 1e-9) : Math.ceil(ticks - 1e-9)) : Math.round(ticks);
    return r * tickSize;
  };
  const best = t.entryPrice + dir * t.mfeTicks * tickSize;
  const wanted: number[] = [];
  if (m.breakevenAfterTicks !== null && t.mfeTicks >= m.breakevenAfterTicks) wanted.push(onGrid(t.entryPrice + dir * m.breakevenOffsetTicks * tickSize, false));
  if (m.trailTicks !== null) wanted.push(onGrid(best - dir * m.trailTicks * tickSize, false));
  if (m.trailAtrMultiple !== null && Number.isFinite(atrPoints) && atrPoints > 0) wanted.push(onGrid(best - dir * m.trailAtrMultiple * atrPoints, true));
  let stop = t.stop;
  for (const w of wanted) if (dir * (w - stop) > 1e-9) stop = w;
  if (stop === t.stop) return null;
  // Price must stay at least a tick beyond the new stop.
  if (!(dir * (lastPrice - stop) >= tickSize - 1e-9)) return null;
  return stop;
}

/** Whether New York minute-of-day `minute` lies in the flatten-before-the-close stretch: from `flattenAt` until 18:00 ET, when the next session opens. */
export function inFlattenStretch(minute: number, m: PositionManagement): boolean {
  return m.flattenAtMinuteEt !== null && minute >= m.flattenAtMinuteEt && minute < 18 * 60;
}
