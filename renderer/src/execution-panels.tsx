/**
 * The execution side of the window (issue 4): the mode and MANUAL/AUTO
 * controls of the top bar, the kill-switch panel (always on screen), the
 * approval queue, positions with today's totals against the limits, and the
 * performance panel (equity curve, drawdown, trades with MAE/MFE, metrics).
 * Every action is one engine RPC; the state comes back as `execution` events.
 */
import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { ApprovalDTO, ExecutionDTO, ExecutionStateDTO, MetricsDTO, ModeDTO } from '../../engine/contract';
import type { EngineClient, EngineLost } from './engine-client';
import { formatDateTime, formatHourMinute, formatMonthDay, formatPrice, formatTicks, formatUsd } from './format';
import { Panel } from './Panel';

const MODES: readonly ModeDTO[] = ['DATA_COLLECTION', 'PAPER', 'LIVE'];

const ratio = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
const pct = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(0)}%`);
const sign = (x: number): string => (x > 0 ? 'pos' : x < 0 ? 'neg' : '');

type Run = (fn: () => Promise<unknown>) => Promise<void>;

/** Mode selector and MANUAL/AUTO toggle, for the top bar. */
export function ExecutionControls({ x, client, run, onLive }: { x: ExecutionStateDTO | null; client: EngineClient; run: Run; onLive: () => void }) {
  const mode = x?.mode ?? 'PAPER';
  const exec = x?.execution ?? 'MANUAL';
  return (
    <div className="exec-controls" role="group" aria-label="Trading mode and execution">
      {mode === 'LIVE' && (
        <div className="live-badge" data-testid="live-badge" title="Orders go to the broker">
          LIVE
        </div>
      )}
      <label className={`mode mode-${mode}`} title="DATA_COLLECTION records would-be outcomes; PAPER fills on the simulated venue; LIVE sends orders to the broker">
        <span className="label">Mode</span>
        <select data-testid="mode" value={mode} onChange={(e) => (e.target.value === 'LIVE' ? onLive() : void run(() => client.api.setMode(e.target.value as ModeDTO)))}>
          {MODES.map((m) => (
            <option key={m} value={m} disabled={m === 'LIVE' && x?.brokerConnected !== true}>
              {m === 'LIVE' && x?.brokerConnected !== true ? 'LIVE (connect a broker)' : m}
            </option>
          ))}
        </select>
      </label>
      <div className="segmented" role="radiogroup" aria-label="Execution">
        {(['MANUAL', 'AUTO'] as const).map((e: ExecutionDTO) => (
          <button
            key={e}
            type="button"
            role="radio"
            aria-checked={exec === e}
            data-testid={`exec-${e}`}
            className={exec === e ? `active exec-${e}` : ''}
            onClick={() => void run(() => client.api.setExecution(e))}
            title={e === 'MANUAL' ? 'Each signal waits for your Approve / Reject' : 'Risk-approved signals are sent at once'}
          >
            {e}
          </button>
        ))}
      </div>
    </div>
  );
}

/** The kill switch: state in words and colour, trigger and time, flat confirmation, one click to halt, reset with a reason. */
export function KillSwitchPanel({ x, client, run, timeZone, lost }: { x: ExecutionStateDTO | null; client: EngineClient; run: Run; timeZone: string; lost: EngineLost | null }) {
  const ks = x?.killSwitch;
  const state = ks?.state ?? 'ACTIVE';
  const [resetting, setResetting] = useState(false);
  const [reason, setReason] = useState('');
  if (lost !== null) {
    // What the panel showed is the dead engine's: never ACTIVE over it.
    return (
      <section className="kill-switch ks-HALTED" data-testid="kill-switch" data-state="ENGINE-LOST" aria-live="assertive">
        <div className="ks-head">
          <div className="ks-state" data-testid="ks-state">
            {lost.restarted ? 'ENGINE RESTARTED' : 'ENGINE STOPPED'}
          </div>
          <div className="ks-words">{lost.restarted ? 'The new engine starts HALTED' : 'No engine: no orders'}</div>
        </div>
        <div className="ks-detail" data-testid="engine-lost">
          <div className="muted">{lost.reason}.</div>
          <div>{lost.restarted ? 'Reconnect to see the new engine: its kill switch is HALTED until you reset it, and the window offers to reopen the replay where it was.' : 'Reconnect once the engine is back.'}</div>
        </div>
        <button type="button" className="ks-button" data-testid="reconnect" onClick={() => window.location.reload()}>
          Reconnect
        </button>
      </section>
    );
  }
  const words = state === 'ACTIVE' ? 'Trading allowed' : state === 'REDUCING' ? 'Cancelling orders, closing positions' : 'Halted: no new orders';
  return (
    <section className={`kill-switch ks-${state}`} data-testid="kill-switch" data-state={state} data-flat={String(ks?.flat ?? true)} aria-live="assertive">
      <div className="ks-head">
        <div className="ks-state" data-testid="ks-state">
          {state}
        </div>
        <div className="ks-words">{words}</div>
      </div>
      {ks != null && state !== 'ACTIVE' && (
        <div className="ks-detail" data-testid="ks-detail">
          <div>
            <b>{ks.trigger ?? '—'}</b> · {ks.trippedAt !== null ? formatDateTime(ks.trippedAt, timeZone) : '—'}
          </div>
          <div className="muted">{ks.detail}</div>
          <div data-testid="ks-flat" className={ks.flat ? 'flat-yes' : 'flat-no'}>
            {ks.flat ? '✔ Flat confirmed by the venue' : '… waiting for the venue to confirm flat'}
          </div>
        </div>
      )}
      {state === 'ACTIVE' ? (
        <button type="button" className="ks-button" data-testid="kill-button" onClick={() => void run(() => client.api.killSwitch('kill switch pressed in the window'))} title="Halt: cancel every order, close every position (Ctrl+Shift+K)">
          KILL SWITCH <span>Ctrl+Shift+K</span>
        </button>
      ) : resetting ? (
        <form
          className="ks-reset"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await client.api.resetKillSwitch(reason);
              setResetting(false);
              setReason('');
            });
          }}
        >
          <input data-testid="ks-reason" autoFocus placeholder="Why is it safe to trade again?" value={reason} onChange={(e) => setReason(e.target.value)} />
          <button type="submit" data-testid="ks-confirm-reset" disabled={reason.trim() === ''}>
            Reset
          </button>
          <button type="button" onClick={() => setResetting(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <button type="button" className="ks-reset-open" data-testid="ks-reset" disabled={state !== 'HALTED'} onClick={() => setResetting(true)} title={state === 'HALTED' ? 'Re-arm trading (opens nothing)' : 'Wait until the account is flat'}>
          Reset…
        </button>
      )}
    </section>
  );
}

/** Signals waiting for the trader (MANUAL), and what went out (AUTO). */
export function ApprovalQueue({ x, client, run, marketTs }: { x: ExecutionStateDTO | null; client: EngineClient; run: Run; marketTs: number | null }) {
  const queue = x?.queue ?? [];
  const recent = (x?.recent ?? []).slice(0, 6);
  return (
    <Panel title={`Approval queue · ${x?.execution ?? 'MANUAL'}`} testId="approval-queue">
      {queue.length === 0 && <p className="muted">{x?.execution === 'AUTO' ? 'AUTO: risk-approved signals are sent at once.' : 'No signal waiting.'}</p>}
      {queue.map((a, i) => (
        <ApprovalCard key={a.signalId} a={a} marketTs={marketTs} autoFocus={i === 0} onApprove={() => void run(() => client.api.approve(a.signalId))} onReject={() => void run(() => client.api.reject(a.signalId, 'rejected by the trader'))} />
      ))}
      {recent.length > 0 && (
        <ul className="decisions" data-testid="decisions">
          {recent.map((a) => (
            <li key={`${a.signalId}${a.status}`} className={`st-${a.status}`} data-status={a.status} title={a.why ?? ''}>
              <b>{a.status}</b> {a.side} {a.setup} {a.contracts > 0 ? `${a.contracts} @ ${formatPrice(a.entry)}` : ''} <span className="muted">{a.who}{a.why !== null ? `: ${a.why}` : ''}</span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

function ApprovalCard({ a, marketTs, autoFocus, onApprove, onReject }: { a: ApprovalDTO; marketTs: number | null; autoFocus: boolean; onApprove: () => void; onReject: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (autoFocus) ref.current?.focus();
  }, [autoFocus]);
  const left = marketTs === null ? null : Math.max(0, Math.ceil((a.expiresAt - marketTs) / 1000));
  const onKey = (e: ReactKeyboardEvent): void => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'a' || e.key === 'A') {
      e.preventDefault();
      onApprove();
    } else if (e.key === 'r' || e.key === 'R') {
      e.preventDefault();
      onReject();
    }
  };
  return (
    <div ref={ref} className={`approval side-${a.side}`} tabIndex={0} data-testid="approval-card" data-signal={a.signalId} onKeyDown={onKey} aria-label={`${a.side} ${a.setup}: A approves, R rejects`}>
      <div className="approval-head">
        <b className={a.side === 'LONG' ? 'pos' : 'neg'}>{a.side}</b> {a.setup} <span className={`grade grade-${a.grade}`}>{a.grade}</span>
        <span className="countdown" data-testid="countdown" title="Market seconds until it expires (also when price moves 4 ticks from the entry)">
          {left === null ? '—' : left === 0 ? 'EXPIRED' : `${left}s`}
        </span>
      </div>
      <div className="approval-grid">
        <span>Entry</span>
        <b>{formatPrice(a.entry)}</b>
        <span>Stop</span>
        <b className="neg">{formatPrice(a.stop)}</b>
        <span>Target</span>
        <b className="pos">{formatPrice(a.target)}</b>
        <span>Size</span>
        <b>{a.contracts}</b>
        <span>Risk</span>
        <b>
          {formatUsd(a.riskUsd)} · {a.riskTicks} t
        </b>
        <span>Conf.</span>
        <b>{a.confidence.toFixed(2)}</b>
      </div>
      <div className="approval-actions">
        <button type="button" className="approve" data-testid="approve" onClick={onApprove} disabled={left === 0} title={left === 0 ? 'Expired: the engine refuses a late approval' : undefined}>
          Approve <kbd>A</kbd>
        </button>
        <button type="button" className="reject" data-testid="reject" onClick={onReject}>
          Reject <kbd>R</kbd>
        </button>
      </div>
    </div>
  );
}

/** What adopting a broker position asks for (EngineApi.adoptBrokerPosition). */
export interface AdoptRequest {
  confirmAccount: string;
  stopTicks: number;
  targetTicks: number;
}

/**
 * Adopting the broker's unknown position (issue 16): the stop and target
 * distances in ticks from the broker's average price (8 and 16 to start),
 * and the account id typed, as for LIVE, since adopting trades LIVE.
 */
function AdoptForm({ qty, avgPrice, onAdopt }: { qty: number; avgPrice: number | null; onAdopt: (req: AdoptRequest) => void }) {
  const [open, setOpen] = useState(false);
  const [stop, setStop] = useState('8');
  const [target, setTarget] = useState('16');
  const [account, setAccount] = useState('');
  if (!open) {
    return (
      <button type="button" data-testid="adopt-open" onClick={() => setOpen(true)}>
        Adopt…
      </button>
    );
  }
  const whole = (v: string): boolean => /^\d+$/.test(v) && Number(v) >= 1;
  const ok = whole(stop) && whole(target) && account.trim() !== '';
  return (
    <form
      className="adopt-form"
      data-testid="adopt-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ok) onAdopt({ confirmAccount: account.trim(), stopTicks: Number(stop), targetTicks: Number(target) });
      }}
    >
      <div>
        Adopt {qty > 0 ? 'LONG' : 'SHORT'} {Math.abs(qty)} @ {formatPrice(avgPrice)}: trade it LIVE with
      </div>
      <label>
        stop <input type="number" min={1} step={1} value={stop} onChange={(e) => setStop(e.target.value)} data-testid="adopt-stop" /> ticks
      </label>
      <label>
        target <input type="number" min={1} step={1} value={target} onChange={(e) => setTarget(e.target.value)} data-testid="adopt-target" /> ticks
      </label>
      <label>
        account <input type="text" value={account} onChange={(e) => setAccount(e.target.value)} placeholder="type the account id" data-testid="adopt-account" />
      </label>
      <button type="submit" disabled={!ok} data-testid="adopt">
        Adopt and protect
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

/**
 * Where the equity the drawdown limit reads comes from, and (for the run's
 * book) the starting equity the trader sets: the default is flagged, never
 * silent (issue 16). A new starting equity counts from the next run.
 */
function EquitySource({ source, onSet }: { source: ExecutionStateDTO['position']['equitySource'] | undefined; onSet?: (usd: number) => void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  if (source === undefined) return null;
  if (source === 'broker') return <span className="muted">broker net liq.</span>;
  if (editing && onSet !== undefined) {
    const usd = Number(value);
    const ok = value.trim() !== '' && Number.isFinite(usd) && usd > 0;
    return (
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!ok) return;
          onSet(usd);
          setEditing(false);
        }}
      >
        <input type="number" min={1} step={100} value={value} onChange={(e) => setValue(e.target.value)} aria-label="Starting equity, USD" data-testid="starting-equity" autoFocus />
        <button type="submit" disabled={!ok}>
          Save
        </button>
        <span className="muted"> from the next run</span>
      </form>
    );
  }
  return (
    <>
      <span className={source === 'default' ? 'warn' : 'muted'} title={source === 'default' ? 'No starting equity set: the drawdown limit counts from this default' : 'The starting equity you set'}>
        {source === 'default' ? 'default, not set' : 'your start'}
      </span>
      {onSet !== undefined && (
        <button type="button" className="link" data-testid="set-starting-equity" onClick={() => setEditing(true)}>
          {source === 'default' ? 'Set' : 'Change'}
        </button>
      )}
    </>
  );
}

/** Position, average price, P&L in USD and ticks, and today's totals against the limits. */
export function PositionsPanel({
  x,
  recorded = false,
  onFlattenBroker,
  onSetStartingEquity,
  onAdopt,
}: {
  x: ExecutionStateDTO | null;
  recorded?: boolean;
  onFlattenBroker?: () => void;
  onSetStartingEquity?: (usd: number) => void;
  onAdopt?: (req: AdoptRequest) => void;
}) {
  const p = x?.position;
  const l = x?.limits;
  const qty = p?.qty ?? 0;
  const b = x?.broker ?? null;
  return (
    <Panel title={recorded ? 'Position · recorded session (simulated, not your account)' : 'Position'} testId="positions">
      {b !== null && !recorded && (
        <div className={`broker-account${b.unknownQty !== 0 ? ' unknown' : ''}`} data-testid="broker-account" data-unknown={b.unknownQty}>
          <span>At the broker:</span>{' '}
          <b>{b.positionQty === null ? 'not read yet' : b.positionQty === 0 ? 'FLAT' : `${b.positionQty > 0 ? 'LONG' : 'SHORT'} ${Math.abs(b.positionQty)} @ ${formatPrice(b.avgPrice)}`}</b>
          {b.unknownOrders > 0 && <span className="muted"> · {b.unknownOrders} order(s) placed elsewhere</span>}
          {b.otherPositions > 0 && (
            <span className="muted" data-testid="other-positions">
              {' '}
              · {b.otherPositions} position(s) in other contracts, counted against the open-positions limit
            </span>
          )}
          {b.unknownQty !== 0 && (
            <div className="neg" role="alert">
              {Math.abs(b.unknownQty)} contract(s) the workstation did not open: LIVE is refused until you adopt them (they are then protected and managed) or flatten them.{' '}
              {onFlattenBroker !== undefined && x?.mode !== 'LIVE' && (
                <button type="button" data-testid="flatten-broker" onClick={onFlattenBroker}>
                  Flatten at broker
                </button>
              )}
              {onAdopt !== undefined && x?.mode !== 'LIVE' && <AdoptForm qty={b.unknownQty} avgPrice={b.avgPrice} onAdopt={onAdopt} />}
            </div>
          )}
        </div>
      )}
      <table className="kv">
        <tbody>
          <tr>
            <th>ES</th>
            <td data-testid="position-qty" className={sign(qty)}>
              {qty === 0 ? 'FLAT' : `${qty > 0 ? 'LONG' : 'SHORT'} ${Math.abs(qty)}`}
            </td>
          </tr>
          <tr>
            <th>Avg price</th>
            <td>{formatPrice(p?.avgPrice ?? null)}</td>
          </tr>
          <tr>
            <th>Unrealized</th>
            <td className={sign(p?.unrealizedUsd ?? 0)}>
              {formatUsd(p?.unrealizedUsd)} · {formatTicks(p?.unrealizedTicks)}
            </td>
          </tr>
          <tr>
            <th>Realized (net)</th>
            <td className={sign(p?.realizedUsd ?? 0)} data-testid="realized">
              {formatUsd(p?.realizedUsd)} · {formatTicks(p?.realizedTicks)}
            </td>
          </tr>
          <tr>
            <th>Equity</th>
            <td data-testid="equity" data-source={p?.equitySource}>
              {formatUsd(p?.equityUsd)} <EquitySource source={p?.equitySource} onSet={recorded ? undefined : onSetStartingEquity} />
            </td>
          </tr>
        </tbody>
      </table>
      {l != null && (
        <div className="limits">
          <Limit label="Day P&L" value={formatUsd(l.dailyPnlUsd)} used={Math.max(0, -l.dailyPnlUsd) / l.dailyLossLimitUsd} limit={`−${formatUsd(l.dailyLossLimitUsd)}`} />
          <Limit label="Trades" value={String(l.tradesToday)} used={l.tradesToday / l.maxTradesPerDay} limit={String(l.maxTradesPerDay)} />
          <Limit label="Loss streak" value={String(l.consecutiveLosses)} used={l.consecutiveLosses / l.lossStreakPause} limit={String(l.lossStreakPause)} />
          <Limit label="Drawdown" value={formatUsd(l.drawdownUsd)} used={l.drawdownUsd / Math.max(1, l.maxDrawdownUsd)} limit={formatUsd(l.maxDrawdownUsd)} />
          <Limit label="Open risk" value={formatUsd(l.openRiskUsd)} used={l.openRiskUsd / (l.dailyLossLimitUsd / 2)} limit={formatUsd(l.dailyLossLimitUsd / 2)} />
          {l.pausedUntil !== null && <div className="neg">Entries paused after {l.consecutiveLosses} losses</div>}
        </div>
      )}
      {(x?.orders.length ?? 0) > 0 && (
        <table className="orders" data-testid="orders">
          <tbody>
            {x!.orders.map((o) => (
              <tr key={o.id} data-role={o.role}>
                <td>{o.id}</td>
                <td>{o.role}</td>
                <td>
                  {o.side} {o.qty} {o.type}
                </td>
                <td>{o.price === null ? 'MKT' : formatPrice(o.price)}</td>
                <td className="muted">{o.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function Limit({ label, value, used, limit }: { label: string; value: string; used: number; limit: string }) {
  const u = Math.max(0, Math.min(1, used));
  return (
    <div className="limit" title={`${label}: ${value} of ${limit}`}>
      <span>{label}</span>
      <div className="bar">
        <i style={{ width: `${(100 * u).toFixed(0)}%` }} className={u >= 1 ? 'over' : u >= 0.8 ? 'warn' : ''} />
      </div>
      <span>
        {value} / {limit}
      </span>
    </div>
  );
}

/** Equity curve with drawdown, the metrics of the session and the day, and the trades with MAE/MFE. */
export function PerformancePanel({ x, timeZone, onInspect }: { x: ExecutionStateDTO | null; timeZone: string; onInspect?: (signalId: string) => void }) {
  const perf = x?.performance;
  const trades = (x?.trades ?? []).filter((t) => t.exitReason !== 'cancelled').slice(-12).reverse();
  return (
    <Panel title="Performance" testId="performance">
      <EquityCurve points={x?.equityCurve ?? []} timeZone={timeZone} />
      <table className="metrics" data-testid="metrics">
        <thead>
          <tr>
            <th />
            <th>Session</th>
            <th>Day{perf?.dayId != null ? ` ${perf.dayId.slice(5)}` : ''}</th>
          </tr>
        </thead>
        <tbody>
          {metricRows.map(([label, f]) => (
            <tr key={label}>
              <th>{label}</th>
              <td>{perf ? f(perf.session) : '—'}</td>
              <td>{perf ? f(perf.day) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {trades.length > 0 && (
        <table className="trades" data-testid="trades">
          <thead>
            <tr>
              <th>#</th>
              <th>Side</th>
              <th>Entry</th>
              <th>Exit</th>
              <th>P&amp;L</th>
              <th>MAE</th>
              <th>MFE</th>
            </tr>
          </thead>
          <tbody>
            {trades.map((t) => (
              <tr
                key={t.id}
                data-trade={t.id}
                data-source={t.source}
                // A signal's story is the method's: the trader's own and adopted trades have none to open.
                className={onInspect !== undefined && t.source === 'method' ? 'clickable' : ''}
                onClick={() => (t.source === 'method' ? onInspect?.(t.signalId) : undefined)}
                title={`${t.setup}${t.grade !== null ? ` ${t.grade}` : ''}${t.entryTs !== null ? ` · ${formatDateTime(t.entryTs, timeZone)}` : ''} · ${t.exitReason ?? 'open'}`}
              >
                <td>{t.id}</td>
                <td className={t.side === 'LONG' ? 'pos' : 'neg'}>{t.side}</td>
                <td>{formatPrice(t.entryPrice)}</td>
                <td>{t.exitPrice === null ? 'open' : `${formatPrice(t.exitPrice)} ${t.exitReason ?? ''}`}</td>
                <td className={sign(t.pnlUsd ?? 0)}>{formatUsd(t.pnlUsd)}</td>
                <td>{t.maeTicks}</td>
                <td>{t.mfeTicks}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

const metricRows: readonly [string, (m: MetricsDTO) => string][] = [
  ['Trades', (m) => `${m.trades} (${m.wins}W)`],
  ['Win rate', (m) => pct(m.winRate)],
  ['Net P&L', (m) => formatUsd(m.netPnlUsd)],
  ['Profit factor', (m) => ratio(m.profitFactor)],
  ['Expectancy', (m) => formatUsd(m.expectancyUsd)],
  ['Sharpe / trade', (m) => ratio(m.sharpe)],
  ['Sortino / trade', (m) => ratio(m.sortino)],
  ['Max drawdown', (m) => formatUsd(m.maxDrawdownUsd)],
];

/** Whole USD for an axis, `25,221`, `−117` (`1.25M` from a million). */
function axisUsd(v: number): string {
  const sign = v < 0 ? '\u2212' : '';
  const a = Math.abs(v);
  return `${sign}${a >= 1_000_000 ? `${(a / 1_000_000).toFixed(2)}M` : Math.round(a).toLocaleString('en-US')}`;
}

/**
 * Equity (line, USD axis at the left: its low, high and the start) over the
 * time of the closed trades (first and last at the bottom, in the market's
 * zone), and the drawdown from the running peak below it (area, its worst on
 * its own axis), as a small SVG (issue 17, item 18: axes).
 */
function EquityCurve({ points, timeZone }: { points: readonly [number, number][]; timeZone: string }) {
  if (points.length < 2) return <p className="muted">No closed trade yet.</p>;
  const W = 320;
  const H = 132;
  const L = 44; // the USD axis
  const R = W - 4;
  const eq = points.map((p) => p[1]);
  const lo = Math.min(...eq);
  const hi = Math.max(...eq);
  const span = hi - lo || 1;
  const t0 = points[0]![0];
  const t1 = points[points.length - 1]![0];
  const x = (t: number): number => L + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * (R - L));
  const EQ_TOP = 6;
  const EQ_BOTTOM = 76;
  const y = (v: number): number => EQ_TOP + (EQ_BOTTOM - EQ_TOP) * (1 - (v - lo) / span);
  let peak = -Infinity;
  const dd = eq.map((v) => ((peak = Math.max(peak, v)), v - peak));
  const ddMin = Math.min(...dd, -1);
  const DD_TOP = 86;
  const DD_BOTTOM = 112;
  const yd = (v: number): number => DD_TOP + ((DD_BOTTOM - DD_TOP) * v) / ddMin;
  const line = points.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const area = `M${L},${yd(0)}` + points.map(([t], i) => `L${x(t).toFixed(1)},${yd(dd[i]!).toFixed(1)}`).join('') + `L${R},${yd(0)}Z`;
  const when = (t: number): string => `${formatMonthDay(t, timeZone)} ${formatHourMinute(t, timeZone)}`;
  const ticks = [hi, lo];
  return (
    <svg className="equity" viewBox={`0 0 ${W} ${H}`} data-testid="equity-curve" data-points={points.length} role="img" aria-label="Equity curve and drawdown, USD over time">
      <g className="axis">
        <line x1={L} y1={EQ_TOP} x2={L} y2={DD_BOTTOM} />
        <line x1={L} y1={DD_BOTTOM} x2={R} y2={DD_BOTTOM} />
        {ticks.map((v) => (
          <g key={`eq${v}`}>
            <line className="grid" x1={L} y1={y(v)} x2={R} y2={y(v)} />
            <text x={L - 4} y={y(v) + 3} textAnchor="end" data-testid="equity-axis-usd">
              {axisUsd(v)}
            </text>
          </g>
        ))}
        <text x={L - 4} y={yd(ddMin) + 3} textAnchor="end" data-testid="equity-axis-dd">
          {axisUsd(ddMin)}
        </text>
        <text x={L - 4} y={yd(0) + 3} textAnchor="end">
          DD
        </text>
        <text x={L} y={H - 6} textAnchor="start" data-testid="equity-axis-from">
          {when(t0)}
        </text>
        <text x={R} y={H - 6} textAnchor="end" data-testid="equity-axis-to">
          {when(t1)}
        </text>
      </g>
      <path d={area} className="dd" />
      <path d={line} className="eq" />
    </svg>
  );
}
