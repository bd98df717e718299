/**
 * Writes one run (a replay, a backtest, later a live session) to the journal:
 * its bars with their levels, its sessions, its rejected records, its signals
 * with their DECISION snapshots and the gamma chains it used, and its
 * execution path (approvals, orders, fills, trades, trade snapshots, risk
 * and execution events). Rows are buffered and written in one transaction per
 * batch, never one per bar; an order or trade that changes several times
 * between flushes is written once, in its last state.
 */
import { TIMEFRAME_MS, type Bar } from '../domain.js';
import type { Rejection } from '../feeds/rejections.js';
import type { LevelsSnapshot, SessionSummary } from '../indicators/session-levels.js';
import { orNull } from '../dto.js';
import type { GammaLevels } from '../gamma/gex.js';
import { snapshotJson, type DecisionSnapshot } from '../method/snapshot.js';
import { tradeSetup, tradeSignalId, type Approval, type DayCarry, type ExecutionJournal, type ExecutionMode, type RunEventKind, type TradeRecord, type TradeSnapshotData, type TradeSnapshotKind } from '../execution/records.js';
import type { MethodConfig } from '../method/config.js';
import type { RiskConfig } from '../risk/sizing.js';
import type { Fill, Order } from '../venue/orders.js';
import type { Db } from './db.js';

/** What the journal keeps about how a run was started. */
export interface RunInfo {
  readonly kind: 'backtest' | 'replay' | 'live';
  readonly source: string;
  readonly format: string | null;
  readonly symbol: string;
  readonly timeframe: string;
  readonly sessionKind: string;
  readonly timeZone: string;
  /** Wall time, Unix ms. */
  readonly startedAt: number;
  /** What the run was started with, so a recorded session can be replayed exactly. */
  readonly config: RunConfig;
}

/**
 * The configuration a run starts with (runs.config, migration 4). A mode or
 * MANUAL/AUTO change during the run is journaled as a run event.
 */
export interface RunConfig {
  readonly method: MethodConfig;
  readonly risk: RiskConfig;
  readonly execution: ExecutionMode;
  /** Backtests re-arm their own kill switch at each new session ([Note: backtest kill switch], engine/run/node.ts). */
  readonly resetKillSwitchDaily: boolean;
}

/** How a run ended ('interrupted': the engine stopped without finishing it, found at the next start). */
export type RunStatus = 'completed' | 'stopped' | 'failed' | 'interrupted';

/** A run the engine stopped without finishing (a crash, a kill, a power cut). */
export interface InterruptedRun {
  readonly id: number;
  readonly kind: 'backtest' | 'replay' | 'live';
  readonly source: string;
}

/**
 * The trading day `[openTs, closeTs)` (Unix ms, market time) as the
 * journal's live runs other than `exceptRunId` traded it (issue 16): the net
 * P&L and count of the trades closed in it, the highest their running P&L
 * reached, the wins, the losing streak at
 * its end, and the trades sent in it (by their signal's time). Paper trades of live runs only (a
 * replay's trades are history, a would-be trade was never placed).
 */
export function dayCarry(db: Db, openTs: number, closeTs: number, exceptRunId: number | null): DayCarry {
  const closed = db
    .prepare(
      `SELECT t.pnl_usd AS pnl, t.exit_ts AS ts FROM trades t JOIN runs r ON r.id = t.run_id
       WHERE r.kind = 'live' AND t.kind = 'paper' AND t.pnl_usd IS NOT NULL AND t.exit_ts >= ? AND t.exit_ts < ? AND t.run_id IS NOT ?
       ORDER BY t.exit_ts`,
    )
    .all(openTs, closeTs, exceptRunId) as { pnl: number; ts: number }[];
  // Trades sent today, filled or not: by the time of their signal.
  const entered = db
    .prepare(
      `SELECT COUNT(*) AS n FROM trades t JOIN runs r ON r.id = t.run_id JOIN signals s ON s.run_id = t.run_id AND s.id = t.signal_id
       WHERE r.kind = 'live' AND t.kind = 'paper' AND s.ts_event >= ? AND s.ts_event < ? AND t.run_id IS NOT ?`,
    )
    .get(openTs, closeTs, exceptRunId) as { n: number };
  // As the Trader books them: a trade that did not win extends the losing streak.
  let streak = 0;
  let lastLossTs = Number.NEGATIVE_INFINITY;
  let running = 0;
  let peak = 0;
  for (const t of closed) {
    running += t.pnl;
    peak = Math.max(peak, running);
    if (t.pnl > 0) streak = 0;
    else {
      streak += 1;
      lastLossTs = t.ts;
    }
  }
  return { pnlUsd: running, peakPnlUsd: peak, trades: entered.n, closed: closed.length, wins: closed.filter((t) => t.pnl > 0).length, consecutiveLosses: streak, lastLossTs: streak > 0 ? lastLossTs : Number.NEGATIVE_INFINITY };
}

/**
 * At start: every run still `running` was interrupted (one engine owns a
 * journal, and none of its runs is open yet). Marks them `interrupted` with
 * `endedAt` (wall time, Unix ms) and the bars they journaled, journals the
 * session each was in when it stopped (from its bars: it is listed as
 * partial), and returns them.
 */
export function markInterruptedRuns(db: Db, endedAt: number): InterruptedRun[] {
  const runs = db.prepare(`SELECT id, kind, source FROM runs WHERE status = 'running' ORDER BY id`).all() as InterruptedRun[];
  // The session the stop cut short was never closed, so never journaled as a session: rebuild it from its journaled
  // bars (with the levels in force at its last bar), so it is listed, as partial, and can be replayed.
  const cut = db.prepare(
    `INSERT OR IGNORE INTO sessions (run_id, id, kind, start_ts, end_ts, bars, volume, high, low, vwap, vwap_sigma, poc, vah, val)
     SELECT b.run_id, l.session_id, r.session_kind, MIN(b.ts), MAX(b.ts) + @tfMs, COUNT(*), SUM(b.volume), MAX(b.high), MIN(b.low),
            (SELECT x.vwap FROM levels x WHERE x.run_id = b.run_id AND x.session_id = l.session_id ORDER BY x.ts DESC LIMIT 1),
            (SELECT x.vwap_sigma FROM levels x WHERE x.run_id = b.run_id AND x.session_id = l.session_id ORDER BY x.ts DESC LIMIT 1),
            (SELECT x.poc FROM levels x WHERE x.run_id = b.run_id AND x.session_id = l.session_id ORDER BY x.ts DESC LIMIT 1),
            (SELECT x.vah FROM levels x WHERE x.run_id = b.run_id AND x.session_id = l.session_id ORDER BY x.ts DESC LIMIT 1),
            (SELECT x.val FROM levels x WHERE x.run_id = b.run_id AND x.session_id = l.session_id ORDER BY x.ts DESC LIMIT 1)
       FROM bars b JOIN levels l ON l.run_id = b.run_id AND l.ts = b.ts JOIN runs r ON r.id = b.run_id
      WHERE b.run_id = @run AND b.tf = r.timeframe AND b.ts >= COALESCE((SELECT MAX(end_ts) FROM sessions WHERE run_id = @run), 0)
      GROUP BY l.session_id`,
  );
  const tfOf = db.prepare(`SELECT timeframe FROM runs WHERE id = ?`);
  for (const r of runs) {
    const tf = (tfOf.get(r.id) as { timeframe: string } | undefined)?.timeframe ?? '1m';
    cut.run({ run: r.id, tfMs: TIMEFRAME_MS[tf as keyof typeof TIMEFRAME_MS] ?? 60_000 });
  }
  db.prepare(
    `UPDATE runs SET status = 'interrupted', ended_at = ?, error = 'the engine stopped during the run',
       bars = (SELECT COUNT(*) FROM bars WHERE bars.run_id = runs.id) WHERE status = 'running'`,
  ).run(endedAt);
  return runs;
}

/** Rows buffered before a transaction is forced. */
const BATCH_ROWS = 4096;

/** Buffered writer of one run. Call `flush()` at quiet moments and `finish()` at the end. */
export class RunJournal implements ExecutionJournal {
  readonly runId: number;
  private readonly db: Db;
  private bars: { bar: Bar; levels: LevelsSnapshot | null }[] = [];
  private sessions: SessionSummary[] = [];
  private rejections: Rejection[] = [];
  private signals: DecisionSnapshot[] = [];
  private chains: { loadedAt: number; levels: GammaLevels; basis: number }[] = [];
  private rejectionSeq = 0;
  private approvals = new Map<string, Approval>();
  private orders = new Map<string, { o: Order; tradeId: string | null }>();
  private fills: Fill[] = [];
  private trades = new Map<string, TradeRecord>();
  private snapshots: { tradeId: string; seq: number; kind: TradeSnapshotKind; ts: number; data: string }[] = [];
  private events: { seq: number; ts: number; kind: string; detail: string }[] = [];
  private readonly snapshotSeq = new Map<string, number>();
  private eventSeq = 0;
  private readonly exec;
  private readonly insertBar;
  private readonly insertLevels;
  private readonly upsertSession;
  private readonly insertRejection;
  private readonly insertSignal;
  private readonly insertChain;

  /** Inserts the run's row. */
  constructor(db: Db, info: RunInfo) {
    this.db = db;
    const res = db
      .prepare(
        `INSERT INTO runs (kind, source, format, symbol, timeframe, session_kind, time_zone, started_at, config)
         VALUES (@kind, @source, @format, @symbol, @timeframe, @sessionKind, @timeZone, @startedAt, @config)`,
      )
      .run({ ...info, config: JSON.stringify(info.config) });
    this.runId = Number(res.lastInsertRowid);
    this.insertBar = db.prepare(
      `INSERT OR REPLACE INTO bars (run_id, tf, ts, open, high, low, close, volume, bid_volume, ask_volume, delta, trades, has_order_flow)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertLevels = db.prepare(
      `INSERT OR REPLACE INTO levels (run_id, ts, session_id, vwap, vwap_sigma, poc, vah, val, p_poc, p_vah, p_val)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertSession = db.prepare(
      `INSERT OR REPLACE INTO sessions (run_id, id, kind, start_ts, end_ts, bars, volume, high, low, vwap, vwap_sigma, poc, vah, val)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertRejection = db.prepare(
      `INSERT INTO rejections (run_id, seq, location, field, reason, message) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.insertSignal = db.prepare(
      `INSERT OR REPLACE INTO signals (run_id, id, ts, ts_event, symbol, side, setup, grade, mode, confidence, confluence, entry, stop, target, snapshot)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertChain = db.prepare(
      `INSERT OR REPLACE INTO gamma_chains (run_id, loaded_at, source, date, spot, basis, net_gex, call_wall, put_wall, zero_gamma, levels)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.exec = {
      approval: db.prepare(
        `INSERT OR REPLACE INTO approvals (run_id, signal_id, queued_at, decided_at, status, who, why, execution, contracts, risk_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      order: db.prepare(
        `INSERT OR REPLACE INTO orders (run_id, id, trade_id, submitted_at, role, side, type, qty, price, oca_group, parent_id, status, filled_at, fill_price, cancel_reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // One row per fill; a broker execution reported again (after a reconnect) is counted once, and the
      // broker's commission reported after it (TWS COMMISSION_REPORT) replaces the estimate it was booked with.
      fill: db.prepare(
        `INSERT INTO fills (run_id, order_id, exec_id, ts, role, side, qty, price, slippage_ticks, commission_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, exec_id) WHERE exec_id IS NOT NULL DO UPDATE SET commission_usd = excluded.commission_usd`,
      ),
      trade: db.prepare(
        `INSERT OR REPLACE INTO trades (run_id, id, signal_id, kind, side, setup, qty, entry_ts, entry_price, exit_ts, exit_price, exit_reason, pnl_usd, pnl_ticks, mae_ticks, mfe_ticks, source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      snapshot: db.prepare(`INSERT INTO trade_snapshots (run_id, trade_id, seq, kind, ts, data) VALUES (?, ?, ?, ?, ?, ?)`),
      event: db.prepare(`INSERT INTO run_events (run_id, seq, ts, kind, detail) VALUES (?, ?, ?, ?, ?)`),
    };
  }

  /** Buffers an approval decision (the latest state of each signal's approval is written). */
  approval(a: Approval): void {
    this.approvals.set(a.signal.id, { ...a });
  }

  /** Buffers an order's current state. */
  order(o: Order, tradeId: string | null): void {
    this.orders.set(o.id, { o: { ...o }, tradeId });
  }

  /** Buffers a fill (again with the same execution id: its commission corrected). */
  fill(f: Fill): void {
    this.fills.push(f);
  }

  /** Buffers a trade's current state. */
  trade(t: TradeRecord): void {
    this.trades.set(t.id, { ...t, closeOrderIds: [...t.closeOrderIds] });
  }

  /** Buffers one of a trade's snapshots (serialized now, so later changes do not leak in). */
  tradeSnapshot<K extends TradeSnapshotKind>(tradeId: string, kind: K, ts: number, data: TradeSnapshotData<K>): void {
    const seq = (this.snapshotSeq.get(tradeId) ?? 0) + 1;
    this.snapshotSeq.set(tradeId, seq);
    this.snapshots.push({ tradeId, seq, kind, ts, data: JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) });
  }

  /** Buffers a risk or execution event (risk.rejected, risk.reduced, risk.warning, execution.toggled, ...). */
  event(kind: RunEventKind, ts: number, detail: Record<string, unknown>): void {
    this.eventSeq += 1;
    this.events.push({ seq: this.eventSeq, ts, kind, detail: JSON.stringify(detail) });
  }

  /** Buffers a completed bar with its levels. */
  bar(bar: Bar, levels: LevelsSnapshot | null): void {
    this.bars.push({ bar, levels });
    if (this.bars.length >= BATCH_ROWS) this.flush();
  }

  /** Buffers a closed session. */
  session(s: SessionSummary): void {
    this.sessions.push(s);
  }

  /** Buffers a rejected record (the first 1000 of a run are kept). */
  rejection(r: Rejection): void {
    if (this.rejectionSeq + this.rejections.length < 1000) this.rejections.push(r);
  }

  /** Buffers a signal with its DECISION snapshot. */
  signal(snapshot: DecisionSnapshot): void {
    this.signals.push(snapshot);
  }

  /** Buffers the gamma chain the run uses from market time `loadedAt` (Unix ms). */
  chain(loadedAt: number, levels: GammaLevels, basis: number): void {
    this.chains.push({ loadedAt, levels, basis });
  }

  /** Writes everything buffered in one transaction. */
  flush(): void {
    const execRows = this.approvals.size + this.orders.size + this.fills.length + this.trades.size + this.snapshots.length + this.events.length;
    if (this.bars.length + this.sessions.length + this.rejections.length + this.signals.length + this.chains.length + execRows === 0) return;
    const run = this.runId;
    const bars = this.bars;
    const sessions = this.sessions;
    const rejections = this.rejections;
    this.bars = [];
    this.sessions = [];
    this.rejections = [];
    const signals = this.signals;
    const chains = this.chains;
    this.signals = [];
    this.chains = [];
    const { approvals, orders, fills, trades, snapshots, events } = this;
    this.approvals = new Map();
    this.orders = new Map();
    this.fills = [];
    this.trades = new Map();
    this.snapshots = [];
    this.events = [];
    const x = this.exec;
    this.db.transaction(() => {
      for (const snap of signals) {
        const x = snap.signal;
        this.insertSignal.run(run, x.id, x.ts, x.tsEvent, x.symbol, x.side, x.setup, x.grade, snap.mode, x.confidence, x.confluence, x.entry, x.stop, x.target, snapshotJson(snap));
      }
      for (const c of chains) {
        const g = c.levels;
        this.insertChain.run(run, c.loadedAt, g.source, g.date, g.spot, c.basis, g.netGex, g.callWall, g.putWall, g.zeroGamma, JSON.stringify(g));
      }
      for (const { bar: b, levels: l } of bars) {
        this.insertBar.run(run, b.tf, b.ts, b.open, b.high, b.low, b.close, b.volume, b.bidVolume, b.askVolume, b.delta, b.trades, b.hasOrderFlow ? 1 : 0);
        if (l !== null) {
          this.insertLevels.run(run, b.ts, l.sessionId, orNull(l.vwap), orNull(l.vwapSigma), orNull(l.poc), orNull(l.vah), orNull(l.val), orNull(l.pPoc), orNull(l.pVah), orNull(l.pVal));
        }
      }
      for (const s of sessions) {
        this.upsertSession.run(run, s.id, s.kind, s.startTs, s.endTs, s.bars, s.volume, s.high, s.low, orNull(s.vwap), orNull(s.vwapSigma), orNull(s.poc), orNull(s.vah), orNull(s.val));
      }
      for (const r of rejections) {
        this.rejectionSeq += 1;
        this.insertRejection.run(run, this.rejectionSeq, r.location, r.field, r.reason, r.message);
      }
      for (const a of approvals.values()) {
        x.approval.run(run, a.signal.id, a.queuedAt, a.decidedAt, a.status, a.who ?? 'pending', a.why, a.execution, a.contracts, a.riskUsd);
      }
      for (const { o, tradeId } of orders.values()) {
        x.order.run(run, o.id, tradeId, o.submittedTs, o.role, o.side, o.type, o.qty, o.price ?? null, o.ocaGroup ?? null, o.parentId ?? null, o.status, o.filledTs, o.fillPrice, o.cancelReason);
      }
      for (const f of fills) x.fill.run(run, f.orderId, f.execId ?? null, f.ts, f.role, f.side, f.qty, f.price, f.slippageTicks, f.commissionUsd);
      for (const t of trades.values()) {
        x.trade.run(run, t.id, tradeSignalId(t), t.kind, t.plan.side, tradeSetup(t), t.qty, t.entryTs, t.entryPrice, t.exitTs, t.exitPrice, t.cancelled ? 'cancelled' : t.exitReason, t.pnlUsd, t.pnlTicks, t.maeTicks, t.mfeTicks, t.source);
      }
      for (const s of snapshots) x.snapshot.run(run, s.tradeId, s.seq, s.kind, s.ts, s.data);
      for (const e of events) x.event.run(run, e.seq, e.ts, e.kind, e.detail);
    })();
  }

  /** Flushes and records how the run ended. */
  finish(status: RunStatus, endedAt: number, totals: { bars: number; rejected: number }, error: string | null = null): void {
    this.flush();
    this.db
      .prepare(`UPDATE runs SET status = ?, ended_at = ?, bars = ?, rejected = ?, error = ? WHERE id = ?`)
      .run(status, endedAt, totals.bars, totals.rejected, error, this.runId);
  }
}
