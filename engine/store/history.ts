/**
 * Reads recorded runs back out of the journal (issue 5): the list of recorded
 * sessions for the Sessions view and `mia sessions`, a run's configuration
 * and its scripted actions (the trader's decisions, manual kill-switch trips
 * and resets, mode and MANUAL/AUTO changes, gamma chains) for an exact
 * replay, the journaled signals and trades a replay is checked against, the
 * timeline marks of a session, and a signal's snapshots as known at a cursor.
 *
 * [Note: no look-ahead] Every query that serves a replay takes the replay
 * cursor (market time, Unix ms) and returns nothing stamped after it: a
 * trade's exit, P&L and FINAL_RESULT stay hidden until the cursor reaches
 * them. Timeline marks are the one exception by design: they give the time
 * and kind of each signal, trade and alert of the session (so "next trade"
 * can work), never its side, price or outcome.
 */
import type { MethodDecisionDataDTO, SnapshotDTO } from '../contract.js';
import { TIMEFRAME_MS, type Bar, type Timeframe } from '../domain.js';
import type { ManualOrder } from '../execution/trader.js';
import type { GammaLevels } from '../gamma/gex.js';
import { methodConfig, type MethodConfig, type MethodConfigOverride } from '../method/config.js';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from '../risk/sizing.js';
import type { Db } from './db.js';
import type { RunConfig } from './journal.js';

/** One closed session of a recorded run, as the Sessions view lists it. */
export interface RecordedSession {
  readonly runId: number;
  /** Trade date, YYYY-MM-DD. */
  readonly sessionId: string;
  /** globex or rth. */
  readonly sessionKind: string;
  readonly runKind: 'backtest' | 'replay' | 'live';
  /** The data source: a file path or a connection. */
  readonly source: string;
  readonly format: string | null;
  readonly symbol: string;
  readonly timeframe: string;
  /** The method mode the run started in (PAPER, DATA_COLLECTION, ...); null for runs journaled before migration 4. */
  readonly mode: string | null;
  /** MANUAL or AUTO at the run's start; null before migration 4. */
  readonly execution: string | null;
  /** Open of the session's first bar and end of its last, Unix ms. */
  readonly startTs: number;
  readonly endTs: number;
  readonly bars: number;
  /** Paper trades entered in the session. */
  readonly trades: number;
  /** Net P&L of those trades that closed, USD, commissions included. */
  readonly netPnlUsd: number;
  readonly signals: number;
  /** Risk warnings and pauses, kill-switch transitions, rejected orders, venue losses. */
  readonly alerts: number;
  /** Wall time the run started, Unix ms. */
  readonly recordedAt: number;
  readonly runStatus: string;
  /** The last session of a run the engine did not finish: cut short. */
  readonly partial: boolean;
}

/** Run events the timeline and the Sessions view count as alerts. */
export const ALERT_EVENT_KINDS = ['risk.warning', 'risk.paused', 'kill-switch', 'order.rejected', 'venue.disconnected'] as const;
const ALERT_KINDS_SQL = ALERT_EVENT_KINDS.map((k) => `'${k}'`).join(', ');

/** Every closed session of every run (or of run `runId`), newest first. */
export function listSessions(db: Db, runId: number | null = null): RecordedSession[] {
  const rows = db
    .prepare(
      `SELECT s.run_id, s.id, s.kind, s.start_ts, s.end_ts, s.bars, r.kind AS run_kind, r.source, r.format, r.symbol, r.timeframe,
              r.status, r.started_at, r.config,
              (SELECT COUNT(*) FROM signals g WHERE g.run_id = s.run_id AND g.ts >= s.start_ts AND g.ts < s.end_ts) AS signals,
              (SELECT COUNT(*) FROM trades t WHERE t.run_id = s.run_id AND t.kind = 'paper' AND t.entry_ts >= s.start_ts AND t.entry_ts <= s.end_ts) AS trades,
              (SELECT COALESCE(SUM(t.pnl_usd), 0) FROM trades t WHERE t.run_id = s.run_id AND t.kind = 'paper' AND t.entry_ts >= s.start_ts AND t.entry_ts <= s.end_ts AND t.exit_ts IS NOT NULL) AS net,
              (SELECT COUNT(*) FROM run_events e WHERE e.run_id = s.run_id AND e.ts >= s.start_ts AND e.ts <= s.end_ts AND e.kind IN (${ALERT_KINDS_SQL})) AS alerts,
              (SELECT g.mode FROM signals g WHERE g.run_id = s.run_id LIMIT 1) AS signal_mode,
              (s.end_ts = (SELECT MAX(x.end_ts) FROM sessions x WHERE x.run_id = s.run_id)) AS last_of_run
         FROM sessions s JOIN runs r ON r.id = s.run_id
        WHERE ? IS NULL OR s.run_id = ?
        ORDER BY s.start_ts DESC, s.run_id DESC`,
    )
    .all(runId, runId) as {
    run_id: number;
    id: string;
    kind: string;
    start_ts: number;
    end_ts: number;
    bars: number;
    run_kind: RecordedSession['runKind'];
    source: string;
    format: string | null;
    symbol: string;
    timeframe: string;
    status: string;
    started_at: number;
    config: string | null;
    signals: number;
    trades: number;
    net: number;
    alerts: number;
    signal_mode: string | null;
    last_of_run: number;
  }[];
  return rows.map((r) => {
    const config = r.config === null ? null : (JSON.parse(r.config) as { method?: { mode?: string }; execution?: string });
    return {
      runId: r.run_id,
      sessionId: r.id,
      sessionKind: r.kind,
      runKind: r.run_kind,
      source: r.source,
      format: r.format,
      symbol: r.symbol,
      timeframe: r.timeframe,
      mode: config?.method?.mode ?? r.signal_mode,
      execution: config?.execution ?? null,
      startTs: r.start_ts,
      endTs: r.end_ts,
      bars: r.bars,
      trades: r.trades,
      netPnlUsd: Math.round(r.net * 100) / 100,
      signals: r.signals,
      alerts: r.alerts,
      recordedAt: r.started_at,
      runStatus: r.status,
      partial: r.last_of_run === 1 && (r.status === 'interrupted' || r.status === 'running'),
    };
  });
}

/** A run as journaled: how it was started. */
export interface RecordedRun {
  readonly id: number;
  readonly kind: RecordedSession['runKind'];
  readonly source: string;
  readonly format: string | null;
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly sessionKind: 'globex' | 'rth';
  readonly timeZone: string;
  /** The run's configuration; the defaults for a run journaled before migration 4 (`configKnown` false). */
  readonly config: RunConfig;
  readonly configKnown: boolean;
}

/** Thrown when a run or session is not in the journal. */
export class HistoryError extends Error {
  override readonly name = 'HistoryError';
}

/**
 * The run `runId`.
 * @throws HistoryError when there is no such run.
 */
export function loadRun(db: Db, runId: number): RecordedRun {
  const r = db.prepare(`SELECT id, kind, source, format, symbol, timeframe, session_kind, time_zone, config FROM runs WHERE id = ?`).get(runId) as
    | { id: number; kind: RecordedRun['kind']; source: string; format: string | null; symbol: string; timeframe: Timeframe; session_kind: 'globex' | 'rth'; time_zone: string; config: string | null }
    | undefined;
  if (r === undefined) throw new HistoryError(`run ${runId} is not in the journal`);
  let config: RunConfig;
  if (r.config === null) {
    config = { method: methodConfig(), risk: DEFAULT_RISK_CONFIG, execution: 'AUTO', resetKillSwitchDaily: r.kind === 'backtest' };
  } else {
    const c = JSON.parse(r.config) as { method: MethodConfig; risk: RiskConfig; execution: 'MANUAL' | 'AUTO'; resetKillSwitchDaily?: boolean };
    // Re-validated: a journal edited by hand must not feed the method nonsense.
    config = { method: methodConfig(c.method as MethodConfigOverride), risk: { ...DEFAULT_RISK_CONFIG, ...c.risk }, execution: c.execution, resetKillSwitchDaily: c.resetKillSwitchDaily ?? r.kind === 'backtest' };
  }
  return { id: r.id, kind: r.kind, source: r.source, format: r.format, symbol: r.symbol, timeframe: r.timeframe, sessionKind: r.session_kind, timeZone: r.time_zone, config, configKnown: r.config !== null };
}

/**
 * The session `sessionId` of run `runId`.
 * @throws HistoryError when the run has no such closed session.
 */
export function loadSession(db: Db, runId: number, sessionId: string): RecordedSession {
  const s = listSessions(db, runId).find((x) => x.sessionId === sessionId);
  if (s === undefined) throw new HistoryError(`run ${runId} has no recorded session ${sessionId}`);
  return s;
}

/** The run's journaled bars of timeframe `tf`, oldest first: the replay source when the run's file is gone. */
export function journalBars(db: Db, runId: number, tf: Timeframe): Bar[] {
  const rows = db
    .prepare(`SELECT ts, open, high, low, close, volume, bid_volume, ask_volume, delta, trades, has_order_flow FROM bars WHERE run_id = ? AND tf = ? ORDER BY ts`)
    .raw()
    .all(runId, tf) as [number, number, number, number, number, number, number, number, number, number, number][];
  return rows.map(([ts, open, high, low, close, volume, bidVolume, askVolume, delta, trades, of]) => ({
    kind: 'bar',
    tf,
    ts,
    open,
    high,
    low,
    close,
    volume,
    bidVolume,
    askVolume,
    delta,
    trades,
    hasOrderFlow: of === 1,
  }));
}

/**
 * Something the run did that the data alone does not repeat, in market time:
 * the trader's approvals and rejections, manual kill-switch trips and
 * resets, mode and MANUAL/AUTO changes, and gamma chains loaded or cleared.
 */
export type ScriptedAction =
  | { readonly ts: number; readonly kind: 'approve'; readonly signalId: string }
  | { readonly ts: number; readonly kind: 'reject'; readonly signalId: string; readonly why: string }
  | { readonly ts: number; readonly kind: 'kill-switch'; readonly reason: string }
  | { readonly ts: number; readonly kind: 'reset'; readonly reason: string; readonly who: string }
  | { readonly ts: number; readonly kind: 'mode'; readonly mode: string }
  | { readonly ts: number; readonly kind: 'execution'; readonly execution: 'MANUAL' | 'AUTO' }
  | { readonly ts: number; readonly kind: 'gamma'; readonly levels: GammaLevels | null; readonly basisPoints: number }
  /** The trader's own entry (issue 18): the order as placed, its ATM bracket in ticks. */
  | { readonly ts: number; readonly kind: 'order'; readonly order: ManualOrder }
  /** The trader moved an order: named by its trade and role (order ids differ between venues), the new price in points. */
  | { readonly ts: number; readonly kind: 'modify'; readonly tradeId: string; readonly role: string; readonly price: number }
  | { readonly ts: number; readonly kind: 'cancel'; readonly tradeId: string }
  | { readonly ts: number; readonly kind: 'cancel-all'; readonly unprotect: boolean }
  | { readonly ts: number; readonly kind: 'flatten' }
  | { readonly ts: number; readonly kind: 'reverse'; readonly stopTicks: number; readonly targetTicks: number }
  /** A multi-contract series moved to the next contract (issue 19): the method restarts, positions close at `lastPrice` (points). */
  | { readonly ts: number; readonly kind: 'roll'; readonly from: string; readonly to: string; readonly lastPrice: number };

/**
 * The run's scripted actions in market-time order (ties keep journal order:
 * chains, then events by sequence, then decisions). Gamma chains journaled
 * before migration 4 have no full levels and are left out (the replay
 * reports the signals that then differ).
 */
export function runScript(db: Db, runId: number): ScriptedAction[] {
  const out: ScriptedAction[] = [];
  const chains = db.prepare(`SELECT loaded_at, basis, levels FROM gamma_chains WHERE run_id = ? AND levels IS NOT NULL ORDER BY loaded_at`).all(runId) as {
    loaded_at: number;
    basis: number;
    levels: string;
  }[];
  // Levels journaled before chains had a snapshot time (issue 17) take the time they were loaded.
  for (const c of chains) out.push({ ts: c.loaded_at, kind: 'gamma', levels: { ts: c.loaded_at, ...(JSON.parse(c.levels) as Omit<GammaLevels, 'ts'>) }, basisPoints: c.basis });
  const events = db
    .prepare(
      `SELECT ts, kind, detail FROM run_events WHERE run_id = ?
          AND kind IN ('kill-switch', 'mode.changed', 'execution.toggled', 'gamma.cleared', 'order.manual', 'order.modified', 'order.cancelled', 'orders.cancelled', 'flatten.start', 'reverse.start', 'contract.rolled')
        ORDER BY seq`,
    )
    .all(runId) as { ts: number; kind: string; detail: string }[];
  // A Reverse journals reverse.start, then the flatten it begins, then (once flat) its entry (`via: 'reverse'`): it is repeated as one action.
  for (const e of events) {
    const d = JSON.parse(e.detail) as Record<string, unknown>;
    const byTrader = d.who === 'trader';
    if (e.kind === 'order.manual') {
      const order = d.order as ManualOrder | undefined;
      if (byTrader && d.via !== 'reverse' && order !== undefined) out.push({ ts: e.ts, kind: 'order', order });
    } else if (e.kind === 'order.modified') {
      if (byTrader && typeof d.tradeId === 'string') out.push({ ts: e.ts, kind: 'modify', tradeId: d.tradeId, role: String(d.role), price: Number(d.to) });
    } else if (e.kind === 'order.cancelled') {
      if (byTrader && typeof d.tradeId === 'string') out.push({ ts: e.ts, kind: 'cancel', tradeId: d.tradeId });
    } else if (e.kind === 'orders.cancelled') {
      if (byTrader) out.push({ ts: e.ts, kind: 'cancel-all', unprotect: Number(d.position) !== 0 });
    } else if (e.kind === 'reverse.start') {
      const then = d.then as { stopTicks?: number; targetTicks?: number } | undefined;
      if (byTrader) out.push({ ts: e.ts, kind: 'reverse', stopTicks: Number(then?.stopTicks), targetTicks: Number(then?.targetTicks) });
    } else if (e.kind === 'contract.rolled') {
      // An adjusted series has no roll to repeat: its prices are continuous.
      if (d.adjusted !== true) out.push({ ts: e.ts, kind: 'roll', from: String(d.from), to: String(d.to), lastPrice: Number(d.lastPrice) });
    } else if (e.kind === 'flatten.start') {
      if (byTrader && d.reverse === null && d.why === 'flatten') out.push({ ts: e.ts, kind: 'flatten' });
    } else if (e.kind === 'kill-switch') {
      if (d.to === 'REDUCING' && d.from === 'ACTIVE' && d.trigger === 'manual') out.push({ ts: e.ts, kind: 'kill-switch', reason: String(d.reason ?? 'kill switch') });
      else if (d.to === 'ACTIVE' && d.who !== 'backtest') out.push({ ts: e.ts, kind: 'reset', reason: String(d.reason ?? 'reset'), who: String(d.who) });
    } else if (e.kind === 'mode.changed') out.push({ ts: e.ts, kind: 'mode', mode: String(d.to) });
    else if (e.kind === 'execution.toggled') out.push({ ts: e.ts, kind: 'execution', execution: d.to === 'AUTO' ? 'AUTO' : 'MANUAL' });
    else out.push({ ts: e.ts, kind: 'gamma', levels: null, basisPoints: 0 });
  }
  const decisions = db
    .prepare(`SELECT signal_id, decided_at, status, why FROM approvals WHERE run_id = ? AND who = 'trader' AND decided_at IS NOT NULL AND status IN ('APPROVED', 'REJECTED', 'SENT', 'REFUSED') ORDER BY decided_at`)
    .all(runId) as { signal_id: string; decided_at: number; status: string; why: string | null }[];
  for (const a of decisions) {
    if (a.status === 'REJECTED') out.push({ ts: a.decided_at, kind: 'reject', signalId: a.signal_id, why: a.why ?? 'rejected by the trader' });
    else out.push({ ts: a.decided_at, kind: 'approve', signalId: a.signal_id });
  }
  // A stable sort keeps the journal order of equal times.
  return out.sort((a, b) => a.ts - b.ts);
}

/** A journaled signal, for checking a replay against it. */
export interface JournaledSignal {
  readonly id: string;
  readonly ts: number;
  readonly side: string;
  readonly setup: string;
  readonly grade: string;
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
}

/** The run's journaled signals whose bar opened in [fromTs, toTs), oldest first. */
export function journaledSignals(db: Db, runId: number, fromTs: number, toTs: number): JournaledSignal[] {
  return db
    .prepare(`SELECT id, ts, side, setup, grade, entry, stop, target FROM signals WHERE run_id = ? AND ts >= ? AND ts < ? ORDER BY ts, id`)
    .all(runId, fromTs, toTs) as JournaledSignal[];
}

/** A journaled paper trade, for checking a replay against it. */
export interface JournaledTrade {
  readonly id: string;
  readonly signalId: string;
  readonly entryTs: number | null;
  readonly entryPrice: number | null;
  readonly exitTs: number | null;
  readonly exitPrice: number | null;
  readonly pnlUsd: number | null;
}

/** The run's paper trades entered in [fromTs, toTs], oldest first. */
export function journaledTrades(db: Db, runId: number, fromTs: number, toTs: number): JournaledTrade[] {
  return db
    .prepare(
      `SELECT id, signal_id AS signalId, entry_ts AS entryTs, entry_price AS entryPrice, exit_ts AS exitTs, exit_price AS exitPrice, pnl_usd AS pnlUsd
         FROM trades WHERE run_id = ? AND kind = 'paper' AND entry_ts >= ? AND entry_ts <= ? ORDER BY entry_ts, id`,
    )
    .all(runId, fromTs, toTs) as JournaledTrade[];
}

/** A mark on the replay timeline: when, and what kind of thing (never its side, price or outcome). */
export interface TimelineMark {
  readonly ts: number;
  readonly kind: 'signal' | 'trade' | 'alert';
  /** The signal id (signals and trades) or the run event kind (alerts). */
  readonly ref: string;
  /** The replay cursor (session bars shown) at which the mark is first visible. */
  readonly bar: number;
}

/** A recorded session's timeline: its bars' open times (Unix ms) and its marks. */
export interface SessionTimeline {
  readonly runId: number;
  readonly sessionId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly barTs: number[];
  readonly marks: TimelineMark[];
}

/**
 * The session's bars and marks. A signal is visible once its bar has closed;
 * a fill or an alert once the bar holding it has closed (an alert raised at
 * a bar's close is placed one bar late, never early).
 */
export function sessionTimeline(db: Db, run: RecordedRun, session: RecordedSession): SessionTimeline {
  const barTs = db.prepare(`SELECT ts FROM bars WHERE run_id = ? AND tf = ? AND ts >= ? AND ts < ? ORDER BY ts`).pluck().all(run.id, run.timeframe, session.startTs, session.endTs) as number[];
  const tfMs = TIMEFRAME_MS[run.timeframe];
  const countWhile = (ok: (t: number) => boolean): number => {
    let n = 0;
    while (n < barTs.length && ok(barTs[n] as number)) n++;
    return n;
  };
  const marks = sessionMarks(db, run.id, session.startTs, session.endTs).map((m) => ({ ...m, bar: m.kind === 'signal' ? countWhile((t) => t + tfMs <= m.ts) : countWhile((t) => t <= m.ts) }));
  return { runId: run.id, sessionId: session.sessionId, startTs: session.startTs, endTs: session.endTs, barTs, marks };
}

/** The session's marks, in time order: signals at their emission, trades at their entry fill, alerts. */
function sessionMarks(db: Db, runId: number, startTs: number, endTs: number): Omit<TimelineMark, 'bar'>[] {
  const signals = db.prepare(`SELECT ts_event AS ts, id AS ref FROM signals WHERE run_id = ? AND ts >= ? AND ts < ?`).all(runId, startTs, endTs) as { ts: number; ref: string }[];
  const trades = db
    .prepare(`SELECT entry_ts AS ts, signal_id AS ref FROM trades WHERE run_id = ? AND kind = 'paper' AND entry_ts >= ? AND entry_ts <= ?`)
    .all(runId, startTs, endTs) as { ts: number; ref: string }[];
  const alerts = db
    .prepare(`SELECT ts, kind AS ref FROM run_events WHERE run_id = ? AND ts >= ? AND ts <= ? AND kind IN (${ALERT_KINDS_SQL})`)
    .all(runId, startTs, endTs) as { ts: number; ref: string }[];
  const marks: Omit<TimelineMark, 'bar'>[] = [
    ...signals.map((m) => ({ ...m, kind: 'signal' as const })),
    ...trades.map((m) => ({ ...m, kind: 'trade' as const })),
    ...alerts.map((m) => ({ ...m, kind: 'alert' as const })),
  ];
  return marks.sort((a, b) => a.ts - b.ts);
}

/** One of a trade's snapshots (or a signal's DECISION snapshot when it never traded). */
export type RecordedSnapshot = SnapshotDTO;

/** A signal's journaled story up to a cursor. */
export interface SignalStory {
  readonly signal: JournaledSignal & { readonly tsEvent: number; readonly confidence: number; readonly mode: string };
  /** Its trade as known at the cursor (exit fields null until the exit is reached), or null. */
  readonly trade: (JournaledTrade & { readonly kind: string; readonly exitReason: string | null; readonly maeTicks: number | null; readonly mfeTicks: number | null }) | null;
  readonly snapshots: RecordedSnapshot[];
}

/**
 * Signal `signalId` of run `runId` with its trade and snapshots, as known at
 * market time `cursorTs` (Infinity: everything).
 * @throws HistoryError when the signal was not emitted by the cursor.
 */
export function signalStory(db: Db, runId: number, signalId: string, cursorTs: number): SignalStory {
  const s = db
    .prepare(`SELECT id, ts, ts_event AS tsEvent, side, setup, grade, entry, stop, target, confidence, mode, snapshot FROM signals WHERE run_id = ? AND id = ?`)
    .get(runId, signalId) as (SignalStory['signal'] & { snapshot: string }) | undefined;
  if (s === undefined || s.tsEvent > cursorTs) throw new HistoryError(`signal ${signalId} is not in run ${runId}${s === undefined ? '' : ' before the replay cursor'}`);
  const { snapshot, ...signal } = s;
  const t = db
    .prepare(
      `SELECT id, signal_id AS signalId, kind, entry_ts AS entryTs, entry_price AS entryPrice, exit_ts AS exitTs, exit_price AS exitPrice, exit_reason AS exitReason,
              pnl_usd AS pnlUsd, mae_ticks AS maeTicks, mfe_ticks AS mfeTicks
         FROM trades WHERE run_id = ? AND signal_id = ? ORDER BY kind = 'paper' DESC LIMIT 1`,
    )
    .get(runId, signalId) as NonNullable<SignalStory['trade']> | undefined;
  const snaps =
    t === undefined
      ? []
      : (db.prepare(`SELECT kind, ts, data FROM trade_snapshots WHERE run_id = ? AND trade_id = ? AND ts <= ? ORDER BY seq`).all(runId, t.id, clampTs(cursorTs)) as { kind: RecordedSnapshot['kind']; ts: number; data: string }[]);
  // The journal holds what the execution path wrote, typed by the compiler when written (ExecutionJournal.tradeSnapshot).
  const snapshots = snaps.map((x) => ({ kind: x.kind, ts: x.ts, data: JSON.parse(x.data) as unknown }) as RecordedSnapshot);
  if (!snapshots.some((x) => x.kind === 'DECISION')) snapshots.unshift({ kind: 'DECISION', ts: signal.tsEvent, data: JSON.parse(snapshot) as MethodDecisionDataDTO });
  let trade: SignalStory['trade'] = null;
  if (t !== undefined) {
    const entered = t.entryTs !== null && t.entryTs <= cursorTs;
    const exited = entered && t.exitTs !== null && t.exitTs <= cursorTs;
    trade = {
      ...t,
      entryTs: entered ? t.entryTs : null,
      entryPrice: entered ? t.entryPrice : null,
      exitTs: exited ? t.exitTs : null,
      exitPrice: exited ? t.exitPrice : null,
      exitReason: exited ? t.exitReason : null,
      pnlUsd: exited ? t.pnlUsd : null,
      maeTicks: exited ? t.maeTicks : null,
      mfeTicks: exited ? t.mfeTicks : null,
    };
  }
  return { signal, trade, snapshots };
}

/** SQLite integers cannot hold Infinity. */
function clampTs(ts: number): number {
  return Number.isFinite(ts) ? ts : Number.MAX_SAFE_INTEGER;
}
