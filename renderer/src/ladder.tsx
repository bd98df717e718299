/**
 * The DOM / price ladder beside the chart (issue 18, item 2): prices by tick
 * around the last trade, the session's volume at each price, bid and ask
 * sizes when the engine has market depth, the working orders and the
 * position at their prices. A click in the Buy column buys at that price, in
 * the Sell column sells, by the ladder convention of Sierra Chart and
 * NinjaTrader: a buy below the market is a limit, above it a stop (a sell
 * the other way round). Every entry carries the ATM bracket of the settings;
 * market buttons, the quantity, Flatten, Cancel all and Reverse sit on top.
 * Each action is one engine RPC, refused there with the reason when the
 * risk engine or the kill switch says no.
 */
import { useEffect, useRef, useState } from 'react';
import type { ExecutionStateDTO, LadderDTO, OrderDTO, PlaceOrderRequest } from '../../engine/contract';
import type { EngineClient } from './engine-client';
import { formatPrice, formatUsd, formatVolumeCompact } from './format';

type Run = (fn: () => Promise<unknown>) => Promise<void>;

/** Rows asked of the engine, and shown. */
const ROWS = 41;
/** How often the ladder is read while a run is open, ms. */
const POLL_MS = 250;
/** The ladder re-centres when the last trade comes this many rows from an edge. */
const EDGE_ROWS = 6;

/**
 * The order a click at `price` sends, by the ladder convention: a buy at or
 * below the last trade is a limit, above it a stop; a sell at or above the
 * last trade is a limit, below it a stop. Prices points.
 */
export function ladderOrderType(side: 'BUY' | 'SELL', price: number, last: number): 'LIMIT' | 'STOP' {
  const above = price > last + 1e-9;
  const below = price < last - 1e-9;
  if (side === 'BUY') return above ? 'STOP' : 'LIMIT';
  return below ? 'STOP' : 'LIMIT';
}

/** The centre to ask for: kept while the last trade stays clear of the edges, else the last trade itself. Points. */
export function ladderCentre(centre: number | null, last: number | null, tick: number, rows = ROWS, edge = EDGE_ROWS): number | null {
  if (last === null) return centre;
  if (centre === null) return last;
  const off = Math.abs(last - centre) / tick;
  return off > Math.floor(rows / 2) - edge ? last : centre;
}

export function Ladder({ x, client, run, active, recorded }: { x: ExecutionStateDTO | null; client: EngineClient; run: Run; active: boolean; recorded: boolean }) {
  const [ladder, setLadder] = useState<LadderDTO | null>(null);
  const [qty, setQty] = useState<number | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const centre = useRef<number | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  /** The centre the rows were last scrolled to: a re-centred ladder brings its middle row into view. */
  const scrolledTo = useRef<number | null>(null);
  useEffect(() => {
    const el = scroller.current;
    const c = centre.current;
    if (el === null || ladder === null || ladder.rows.length === 0 || c === scrolledTo.current) return;
    scrolledTo.current = c;
    const row = el.querySelector<HTMLTableRowElement>(`tr[data-price="${(Math.round((c ?? 0) / ladder.tickSize) * ladder.tickSize).toFixed(2)}"]`);
    if (row !== null) el.scrollTop = row.offsetTop - el.clientHeight / 2 + row.offsetHeight / 2;
  }, [ladder]);
  useEffect(() => {
    if (!active) {
      setLadder(null);
      centre.current = null;
      scrolledTo.current = null;
      return;
    }
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const read = async (): Promise<void> => {
      try {
        const l = await client.api.getLadder(ROWS, centre.current ?? undefined);
        if (stop) return;
        const next = l === null ? null : ladderCentre(centre.current, l.last, l.tickSize);
        if (l !== null && next !== centre.current) {
          centre.current = next;
          const again = await client.api.getLadder(ROWS, next ?? undefined);
          if (!stop) setLadder(again);
        } else setLadder(l);
      } catch {
        // The engine is restarting: the next read tries again.
      }
      if (!stop) timer = setTimeout(() => void read(), POLL_MS);
    };
    void read();
    return () => {
      stop = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, [client, active]);

  const contracts = qty ?? ladder?.atm.contracts ?? 1;
  const position = x?.position ?? null;
  const orders = (x?.orders ?? []).filter((o) => o.price !== null && (o.status === 'WORKING' || o.status === 'PENDING'));
  const at = (price: number, side: 'BUY' | 'SELL'): OrderDTO[] => orders.filter((o) => o.side === side && Math.abs((o.price ?? 0) - price) < 1e-9);
  const maxVolume = Math.max(1, ...(ladder?.rows ?? []).map((r) => r.volume));
  const disabled = !active || recorded || x === null || x.killSwitch.state !== 'ACTIVE';
  const tick = ladder?.tickSize ?? 0.25;
  const place = (req: PlaceOrderRequest): void => void run(() => client.api.placeOrder(req));
  const click = (side: 'BUY' | 'SELL', price: number): void => {
    if (disabled || ladder?.last == null) return;
    place({ side, type: ladderOrderType(side, price, ladder.last), qty: contracts, price });
  };
  const cancel = (o: OrderDTO): void => void run(() => client.api.cancelOrder(o.id));
  const cell = (price: number, side: 'BUY' | 'SELL') => {
    const here = at(price, side);
    return (
      <td
        className={`ladder-click ${side === 'BUY' ? 'buy' : 'sell'}`}
        data-testid={`ladder-${side === 'BUY' ? 'buy' : 'sell'}-${price.toFixed(2)}`}
        title={here.length > 0 ? `${here.map((o) => `${o.role} ${o.type} ${o.qty}`).join(', ')}: click to cancel an entry` : `${side === 'BUY' ? 'Buy' : 'Sell'} ${contracts} ${ladder?.last != null ? ladderOrderType(side, price, ladder.last) : ''} at ${formatPrice(price)}`}
        onClick={() => (here.length > 0 ? cancel(here[0]!) : click(side, price))}
      >
        {here.map((o) => (
          <span key={o.id} className={`ladder-order role-${o.role}`} data-order={o.id}>
            {o.role === 'entry' ? '' : o.role === 'stop' ? 'S' : o.role === 'target' ? 'T' : 'C'}
            {o.qty}
          </span>
        ))}
      </td>
    );
  };
  const avg = position !== null && position.qty !== 0 ? position.avgPrice : null;
  return (
    <section className="ladder" data-testid="ladder" aria-label="Price ladder (DOM)" data-depth={ladder?.depth === true ? 'true' : 'false'}>
      <div className="ladder-bar">
        <label title="Contracts per click">
          Qty{' '}
          <input type="number" min={1} max={100} step={1} data-testid="ladder-qty" value={contracts} onChange={(e) => setQty(Math.max(1, Math.floor(Number(e.target.value) || 1)))} />
        </label>
        <span className="muted small" data-testid="ladder-atm" title="The ATM bracket every entry carries, ticks from its fill (Settings)">
          ATM {ladder?.atm.stopTicks ?? '—'}/{ladder?.atm.targetTicks ?? '—'}t
        </span>
      </div>
      <div className="ladder-bar">
        <button type="button" className="buy" data-testid="ladder-buy-market" disabled={disabled} onClick={() => place({ side: 'BUY', type: 'MARKET', qty: contracts })}>
          Buy Mkt
        </button>
        <button type="button" className="sell" data-testid="ladder-sell-market" disabled={disabled} onClick={() => place({ side: 'SELL', type: 'MARKET', qty: contracts })}>
          Sell Mkt
        </button>
      </div>
      <div className="ladder-bar">
        <button type="button" data-testid="flatten" disabled={disabled} title="Cancel every working order and close the position at market; trading stays armed" onClick={() => void run(() => client.api.flatten())}>
          Flatten
        </button>
        <button type="button" data-testid="reverse" disabled={disabled || (position?.qty ?? 0) === 0} title="Flatten, then the same contracts the other way with the ATM bracket" onClick={() => void run(() => client.api.reverse())}>
          Reverse
        </button>
        {confirmCancel ? (
          <button type="button" className="danger" data-testid="cancel-all-confirm" title="Also cancels the stop and target of the open position" onClick={() => void run(() => client.api.cancelAll(true)).finally(() => setConfirmCancel(false))}>
            Unprotect?
          </button>
        ) : (
          <button
            type="button"
            data-testid="cancel-all"
            disabled={disabled || orders.length === 0}
            title="Cancel every working order (with a position open, it asks first)"
            onClick={() => ((position?.qty ?? 0) !== 0 ? setConfirmCancel(true) : void run(() => client.api.cancelAll()))}
          >
            Cancel all
          </button>
        )}
      </div>
      <div className="ladder-position" data-testid="ladder-position">
        {position === null || position.qty === 0 ? 'FLAT' : `${position.qty > 0 ? 'LONG' : 'SHORT'} ${Math.abs(position.qty)} @ ${formatPrice(position.avgPrice)} · ${formatUsd(position.unrealizedUsd)}`}
      </div>
      <div className="ladder-scroll" ref={scroller}>
        <table className="ladder-table">
          <thead>
            <tr>
              <th>Buy</th>
              <th>Bid</th>
              <th>Price</th>
              <th>Ask</th>
              <th>Sell</th>
              <th>Vol</th>
            </tr>
          </thead>
          <tbody>
            {(ladder?.rows ?? []).map((r) => {
              const isLast = ladder?.last != null && Math.abs(r.price - ladder.last) < tick / 2;
              const isAvg = avg !== null && Math.abs(r.price - Math.round(avg / tick) * tick) < tick / 2;
              const bid = ladder?.bid != null && Math.abs(r.price - ladder.bid) < tick / 2;
              const ask = ladder?.ask != null && Math.abs(r.price - ladder.ask) < tick / 2;
              return (
                <tr key={r.price} data-price={r.price.toFixed(2)} className={`${isLast ? 'last' : ''}${isAvg ? ' avg' : ''}`}>
                  {cell(r.price, 'BUY')}
                  <td className={`size bid${bid ? ' best' : ''}`}>{r.bidSize ?? (bid ? '•' : '')}</td>
                  <td className="price">{formatPrice(r.price)}</td>
                  <td className={`size ask${ask ? ' best' : ''}`}>{r.askSize ?? (ask ? '•' : '')}</td>
                  {cell(r.price, 'SELL')}
                  <td className="vol">
                    <span className="vol-bar" style={{ width: `${Math.round((100 * r.volume) / maxVolume)}%` }} />
                    <span className="vol-n">{r.volume > 0 ? formatVolumeCompact(r.volume) : ''}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {(ladder?.rows.length ?? 0) === 0 && <p className="muted small ladder-empty">{active ? 'Waiting for the first trade…' : 'Open a data file or connect a feed to trade from the ladder.'}</p>}
      </div>
    </section>
  );
}
