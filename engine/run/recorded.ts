/**
 * A journaled session re-run and checked against its journal (issue 5).
 *
 * [Note: recorded sessions] A replay opened on a journaled session is a
 * read-only view of history: it re-runs the run's own records (its file, or
 * its journaled bars when the file is gone) from the run's first record
 * through the same trading node, with the run's configuration, a kill switch
 * of its own and the run's scripted actions (the trader's decisions, manual
 * trips and resets, mode changes, gamma chains) applied at their market
 * times. Records before the session warm the state up unseen. It writes no
 * journal, and it checks what it produces against what was journaled: every
 * difference is listed in its status and alerted once. Stepping back
 * rebuilds a fresh replay to the earlier bar (engine/api/replay.ts `seek`),
 * which is deterministic, so forward-then-back returns the same state.
 */
import type { RecordedStatusDTO, SignalDTO } from '../contract.js';
import type { MarketRecord } from '../domain.js';
import { tradeSignalId, type TradeRecord } from '../execution/records.js';
import type { Trader } from '../execution/trader.js';
import type { GammaLevels } from '../gamma/gex.js';
import type { Mode } from '../method/config.js';
import { KillSwitchError, type KillSwitch } from '../risk/kill-switch.js';
import type { JournaledSignal, JournaledTrade, RecordedRun, RecordedSession, ScriptedAction } from '../store/history.js';
import { OrderError } from '../venue/orders.js';

/** A journaled session to replay read-only (see [Note: recorded sessions]). */
export interface RecordedReplay {
  readonly run: RecordedRun;
  readonly session: RecordedSession;
  /** The run's records from its first to the session's end, in time order. */
  readonly records: readonly MarketRecord[];
  /** Where the records came from: the run's own data file, or its journaled bars (the file is gone or changed). */
  readonly source: 'file' | 'journal';
  readonly script: readonly ScriptedAction[];
  /** What the journal holds for the session, to check the replay against. */
  readonly signals: readonly JournaledSignal[];
  readonly trades: readonly JournaledTrade[];
}

/** Differences listed in a status at most (the count goes on). */
const MAX_DIFFERENCES = 20;

/** What the check acts on: the re-run's trader and kill switch, and how it tells the run. */
export interface RecordedCheckDeps {
  readonly trader: Trader;
  readonly killSwitch: KillSwitch;
  /** A recorded mode change: the node's analyzer and trader. */
  readonly setMode: (mode: Mode) => void;
  /** A recorded change of contract in a multi-contract series (TradingNode.rollContract). */
  readonly rollContract: (from: string, to: string, lastPrice: number, ts: number) => void;
  /** A recorded gamma chain (null: cleared). */
  readonly setGamma: (levels: GammaLevels | null, basisPoints: number) => void;
  /** The first difference is alerted once (message in plain words, market time Unix ms). */
  readonly alert: (message: string) => void;
}

/** The cursor of a recorded session and its check against the journal. */
export class RecordedCheck {
  readonly recorded: RecordedReplay;
  private readonly d: RecordedCheckDeps;
  /** Bars of the session shown so far: the replay cursor. */
  private shownBars = 0;
  private scriptIdx = 0;
  private signalsChecked = 0;
  private signalsMatched = 0;
  private readonly differences: string[] = [];
  private total = 0;
  private readonly produced = new Set<string>();
  private expectedIdx = 0;
  private readonly tradeChecks = new Map<string, 'entered' | 'closed' | 'differs'>();
  private readonly extraTrades = new Set<string>();
  private tradesSeenAt = -1;

  constructor(recorded: RecordedReplay, deps: RecordedCheckDeps) {
    this.recorded = recorded;
    this.d = deps;
  }

  /** Bars of the session shown so far. */
  get bar(): number {
    return this.shownBars;
  }

  /** Whether a bar or session starting at market time `ts` (Unix ms) belongs to what is shown. */
  shows(ts: number): boolean {
    return ts >= this.recorded.session.startTs;
  }

  /** After each record at market time `now`: the recorded actions due by then, then the trades the cursor passed. */
  afterRecord(now: number): void {
    this.applyScript(now);
    this.checkTrades(now);
  }

  /** A bar of the session was shown (open time `barTs`), with the signal the replay produced at it. */
  barShown(barTs: number, signal: SignalDTO | null): void {
    this.shownBars += 1;
    if (signal !== null) this.checkSignal(signal);
    this.checkMissing(barTs);
  }

  /** The data ended: every journaled signal and trade left is checked. */
  finish(): void {
    this.checkMissing(Number.POSITIVE_INFINITY);
    this.checkTrades(Number.POSITIVE_INFINITY);
  }

  /** Applies the recorded actions due by `now` (market time). */
  applyScript(now: number): void {
    const script = this.recorded.script;
    const { trader } = this.d;
    while (this.scriptIdx < script.length && (script[this.scriptIdx] as ScriptedAction).ts <= now) {
      const a = script[this.scriptIdx++] as ScriptedAction;
      try {
        switch (a.kind) {
          case 'approve':
            trader.approve(a.signalId);
            break;
          case 'reject':
            trader.reject(a.signalId, a.why);
            break;
          case 'kill-switch':
            trader.trip('manual', a.reason, 'trader');
            break;
          case 'reset':
            this.d.killSwitch.reset(a.reason, a.who);
            break;
          case 'mode':
            this.d.setMode(a.mode as Mode);
            break;
          case 'execution':
            trader.setExecution(a.execution);
            break;
          case 'gamma':
            this.d.setGamma(a.levels, a.basisPoints);
            break;
          // The trader's own orders (issue 18): orders named by their trade and role, as ids differ between venues.
          case 'order':
            trader.placeOrder(a.order, 'trader');
            break;
          case 'modify': {
            const tr = this.tradeOf(a.tradeId);
            trader.modifyOrder(a.role === 'entry' ? tr.entryOrderId : a.role === 'stop' ? tr.stopOrderId : tr.targetOrderId, a.price, 'trader');
            break;
          }
          case 'cancel':
            trader.cancelOrder(this.tradeOf(a.tradeId).entryOrderId, 'trader');
            break;
          case 'cancel-all':
            trader.cancelAll('trader', a.unprotect);
            break;
          case 'flatten':
            trader.flatten('trader');
            break;
          case 'reverse':
            trader.reverse(a.stopTicks, a.targetTicks, 'trader');
            break;
          case 'roll':
            this.d.rollContract(a.from, a.to, a.lastPrice, a.ts);
            break;
        }
      } catch (e) {
        if (!(e instanceof OrderError) && !(e instanceof KillSwitchError)) throw e;
        this.differ(`the recorded ${a.kind} at ${new Date(a.ts).toISOString()} could not be repeated: ${e.message}`);
      }
    }
  }

  /** The replay's trade `id`. @throws OrderError when the replay has no such trade (it diverged). */
  private tradeOf(id: string): TradeRecord {
    const t = this.d.trader.trades.find((x) => x.id === id);
    if (t === undefined) throw new OrderError(`the replay has no trade ${id}`);
    return t;
  }

  /** The cursor and the check, for the replay's status (the run adds its driver's checkpoints). */
  status(): Omit<RecordedStatusDTO, 'checkpoints'> {
    const r = this.recorded;
    return {
      runId: r.run.id,
      sessionId: r.session.sessionId,
      source: r.source,
      startTs: r.session.startTs,
      endTs: r.session.endTs,
      bar: this.shownBars,
      bars: r.session.bars,
      signalsChecked: this.signalsChecked,
      signalsMatched: this.signalsMatched,
      tradesChecked: this.tradeChecks.size,
      tradesMatched: [...this.tradeChecks.values()].filter((v) => v !== 'differs').length,
      differences: this.differences.slice(),
      differenceCount: this.total,
    };
  }

  /** Checks a signal the replay produced against the journal's. */
  private checkSignal(s: SignalDTO): void {
    this.produced.add(s.id);
    const j = this.recorded.signals.find((x) => x.id === s.id);
    if (j === undefined) {
      this.signalsChecked += 1;
      this.differ(`signal ${s.id} was not journaled`);
    } else if (j.side !== s.side || j.setup !== s.setup || j.grade !== s.grade || j.entry !== s.entry || j.stop !== s.stop || j.target !== s.target) {
      this.differ(`signal ${s.id}: journaled ${j.grade} ${j.entry}/${j.stop}/${j.target}, replayed ${s.grade} ${s.entry}/${s.stop}/${s.target}`);
    } else this.signalsMatched += 1;
  }

  /** Counts the journaled signals of bars up to `barTs` (open, Unix ms), reporting those the replay did not produce. */
  private checkMissing(barTs: number): void {
    const expected = this.recorded.signals;
    for (; this.expectedIdx < expected.length && (expected[this.expectedIdx] as JournaledSignal).ts <= barTs; this.expectedIdx++) {
      const x = expected[this.expectedIdx] as JournaledSignal;
      this.signalsChecked += 1;
      if (!this.produced.has(x.id)) this.differ(`journaled signal ${x.id} was not reproduced`);
    }
  }

  /**
   * Checks the session's journaled trades whose entry (and then exit) the
   * cursor has passed against the replay's trades, and reports replayed
   * trades the journal does not have. A fill from a bar is stamped at the
   * bar's open but known only when the bar's record is processed, so a time
   * is passed when it is strictly before `now` (market time, Unix ms).
   */
  private checkTrades(now: number): void {
    const rec = this.recorded;
    const trader = this.d.trader;
    for (const j of rec.trades) {
      const state = this.tradeChecks.get(j.id);
      if (state === 'closed' || state === 'differs' || j.entryTs === null || j.entryTs >= now) continue;
      const t = trader.trades.find((x) => x.kind === 'paper' && tradeSignalId(x) === j.signalId);
      if (state === undefined) {
        if (t === undefined || t.entryTs !== j.entryTs || t.entryPrice !== j.entryPrice) {
          this.tradeChecks.set(j.id, 'differs');
          this.differ(`trade ${j.id}: journaled entry ${j.entryPrice} at ${iso(j.entryTs)}, replayed ${t?.entryPrice ?? 'none'} at ${iso(t?.entryTs ?? null)}`);
          continue;
        }
        this.tradeChecks.set(j.id, 'entered');
      }
      if (t !== undefined && j.exitTs !== null && j.exitTs < now) {
        const same = t.exitTs === j.exitTs && t.exitPrice === j.exitPrice && t.pnlUsd === j.pnlUsd;
        this.tradeChecks.set(j.id, same ? 'closed' : 'differs');
        if (!same) this.differ(`trade ${j.id}: journaled exit ${j.exitPrice} (${j.pnlUsd} USD), replayed ${t.exitPrice ?? 'still open'} (${t.pnlUsd ?? '-'} USD)`);
      }
    }
    // Replayed trades the journal lacks can only appear when the trader changed.
    if (trader.version === this.tradesSeenAt) return;
    this.tradesSeenAt = trader.version;
    for (const t of trader.trades) {
      if (t.kind !== 'paper' || t.source === 'adopted' || t.entryTs === null || t.entryTs < rec.session.startTs || this.extraTrades.has(t.id)) continue;
      const id = tradeSignalId(t);
      if (rec.trades.some((j) => j.signalId === id)) continue;
      this.extraTrades.add(t.id);
      this.differ(`trade on signal ${id} (entry ${t.entryPrice} at ${iso(t.entryTs)}) was not journaled`);
    }
  }

  private differ(message: string): void {
    this.total += 1;
    if (this.differences.length < MAX_DIFFERENCES) this.differences.push(message);
    if (this.total === 1) this.d.alert(`This replay differs from the journal: ${message}`);
  }
}

function iso(ts: number | null): string {
  return ts === null ? 'never' : new Date(ts).toISOString();
}
