/**
 * Writes one run (a replay, a backtest, later a live session) to the journal:
 * its bars with their levels, its sessions, its rejected records, its signals
 * with their DECISION snapshots and the gamma chains it used. Rows are
 * buffered and written in one transaction per batch, never one per bar.
 */
import type { Bar } from '../domain.js';
import type { Rejection } from '../feeds/rejections.js';
import type { LevelsSnapshot, SessionSummary } from '../indicators/session-levels.js';
import { orNull } from '../dto.js';
import type { GammaLevels } from '../gamma/gex.js';
import { snapshotJson, type DecisionSnapshot } from '../method/snapshot.js';
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
}

/** How a run ended. */
export type RunStatus = 'completed' | 'stopped' | 'failed';

/** Rows buffered before a transaction is forced. */
const BATCH_ROWS = 4096;

/** Buffered writer of one run. Call `flush()` at quiet moments and `finish()` at the end. */
export class RunJournal {
  readonly runId: number;
  private readonly db: Db;
  private bars: { bar: Bar; levels: LevelsSnapshot | null }[] = [];
  private sessions: SessionSummary[] = [];
  private rejections: Rejection[] = [];
  private signals: DecisionSnapshot[] = [];
  private chains: { loadedAt: number; levels: GammaLevels; basis: number }[] = [];
  private rejectionSeq = 0;
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
        `INSERT INTO runs (kind, source, format, symbol, timeframe, session_kind, time_zone, started_at)
         VALUES (@kind, @source, @format, @symbol, @timeframe, @sessionKind, @timeZone, @startedAt)`,
      )
      .run(info);
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
      `INSERT OR REPLACE INTO gamma_chains (run_id, loaded_at, source, date, spot, basis, net_gex, call_wall, put_wall, zero_gamma)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
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
    if (this.bars.length + this.sessions.length + this.rejections.length + this.signals.length + this.chains.length === 0) return;
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
    this.db.transaction(() => {
      for (const snap of signals) {
        const x = snap.signal;
        this.insertSignal.run(run, x.id, x.ts, x.tsEvent, x.symbol, x.side, x.setup, x.grade, snap.mode, x.confidence, x.confluence, x.entry, x.stop, x.target, snapshotJson(snap));
      }
      for (const c of chains) {
        const g = c.levels;
        this.insertChain.run(run, c.loadedAt, g.source, g.date, g.spot, c.basis, g.netGex, g.callWall, g.putWall, g.zeroGamma);
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
