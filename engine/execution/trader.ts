/**
 * The execution path of architecture.md ("Flow": signal -> approval -> risk
 * -> execution -> venue; fills -> portfolio -> risk and performance) for one
 * run, the same code in backtest, replay and paper trading. It owns the
 * approval queue (battle-navale.md section 11), applies the risk check and
 * the kill-switch triggers of section 12, sends brackets to the venue, books
 * fills in the portfolio, follows each trade's MAE/MFE and writes the five
 * trade snapshots. Time comes only from the injected clock.
 *
 * Order of work for each market record (a trade tick or a bar): the venue
 * matches working orders against it first (an order sent at a bar's close
 * fills on the next record), then the position is marked, approvals expire,
 * the loss and drawdown triggers are checked and, while the kill switch is
 * REDUCING, the halt sequence goes on. The record then goes through the
 * market pipeline, whose completed bars bring the method's decisions here.
 *
 * [Note: approval expiry] An approval expires 30 s of market time after it
 * was queued, or when price trades 4 ticks or more away from the signal's
 * entry in either direction (beyond it: the move has gone; against it: the
 * stop is near). In a replay the market clock stops while paused, and so do
 * the countdowns.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Bar, Instrument, MarketRecord, TradeTick } from '../domain.js';
import { Atr } from '../indicators/atr.js';
import type { PreAnalysisDataDTO } from '../contract.js';
import type { AccountEquity, Approval, ApprovalStatus, DayCarry, ExecutionJournal, ExecutionMode, ExitReason, TradeRecord } from './records.js';
import type { Decision, TradingSignal } from '../method/decision.js';
import type { Mode } from '../method/config.js';
import type { DecisionSnapshot } from '../method/snapshot.js';
import { performanceOf, type PerformanceMetrics } from '../perf/metrics.js';
import { Portfolio } from '../portfolio/portfolio.js';
import type { KillSwitch, KillSwitchStatus, KillTrigger } from '../risk/kill-switch.js';
import { checkManualTrade, checkTrade, dailyLossWarning, type RiskConfig, type RiskDecision, type RiskRejection, type RiskState } from '../risk/sizing.js';
import { Zone } from '../time/zone.js';
import { SimulatedVenue } from '../venue/sim.js';
import { OrderError, isOpenOrder, type CommissionCorrection, type ExecutionVenue, type Fill, type Order, type OrderSide } from '../venue/orders.js';
import { NO_MANAGEMENT, inFlattenStretch, managedStop, type PositionManagement } from './management.js';

/** Execution settings beyond the risk numbers. */
export interface TraderConfig {
  readonly instrument: Instrument;
  readonly mode: Mode;
  readonly execution: ExecutionMode;
  readonly risk: RiskConfig;
  /** Market ms an approval waits (section 11: 30 s). */
  readonly approvalTimeoutMs?: number;
  /** Ticks away from the entry that expire an approval (section 11: 4). */
  readonly approvalExpiryTicks?: number;
  /** Position management (issue 18, item 3); absent: every rule off. */
  readonly management?: PositionManagement;
}

/**
 * The trader's own entry (issue 18, item 2: the ladder, the chart, Reverse):
 * side, type, contracts and, for a limit or a stop, its price (points); it
 * goes out with its ATM bracket, a stop and a target `stopTicks` and
 * `targetTicks` from the entry, re-anchored on the entry's fill price.
 */
export interface ManualOrder {
  readonly side: OrderSide;
  readonly type: 'MARKET' | 'LIMIT' | 'STOP';
  readonly qty: number;
  readonly price?: number;
  readonly stopTicks: number;
  readonly targetTicks: number;
}

/** New York time, for the flatten before the session's end. */
const NEW_YORK = new Zone('America/New_York');

/** What the trader needs from its run. */
export interface TraderDeps {
  readonly clock: Clock;
  readonly venue: ExecutionVenue;
  readonly killSwitch: KillSwitch;
  readonly journal?: ExecutionJournal | null;
  /** Alerts for the trader's screen. */
  readonly alert?: (level: 'info' | 'warning' | 'critical', message: string) => void;
  /** A signal joined the MANUAL queue (a replay pauses so the trader can answer). */
  readonly onQueued?: (a: Approval) => void;
  /** Builds a signal's DECISION snapshot (the analyzer's). */
  readonly snapshot?: (d: Decision & { tradingSignal: TradingSignal }) => DecisionSnapshot;
  /** The trading day before this run, for the session holding market time `ts` (live runs: the journal's other live runs of the session). */
  readonly earlierToday?: (ts: number) => DayCarry | null;
  /**
   * The broker's net liquidation value and its high-water mark, and the
   * day's P&L it books for the account (null when it reports none), USD,
   * while this run's orders go to a broker that reported them; null
   * otherwise, and the run's book stands for the account (issue 16).
   */
  readonly brokerEquity?: () => { readonly equityUsd: number; readonly peakEquityUsd: number; readonly dailyPnlUsd: number | null } | null;
}

/** Today's counters (a trading day is a session of the calendar). */
interface Day {
  sessionId: string | null;
  startEquityUsd: number;
  /** Paper trades sent today, and closed today. */
  trades: number;
  closed: number;
  wins: number;
  consecutiveLosses: number;
  lastLossTs: number;
  warned: boolean;
}

/** Quote at the last tick, when the feed has one. */
interface Quote {
  bid: number;
  ask: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_EXPIRY_TICKS = 4;
/** Resolved approvals kept for the screen. */
const RECENT_APPROVALS = 20;

/** The execution path of one run. */
export class Trader {
  readonly portfolio: Portfolio;
  private c: TraderConfig;
  /** A raised daily loss limit waiting for the next session (setRisk), USD; null: none. */
  private pendingDailyLossUsd: number | null = null;
  private readonly d: TraderDeps;
  private readonly t: number;
  private mode: Mode;
  private exec: ExecutionMode;
  private readonly approvals = new Map<string, Approval>();
  private readonly resolved: Approval[] = [];
  readonly trades: TradeRecord[] = [];
  private readonly tradeByOrder = new Map<string, TradeRecord>();
  /** Every fill of the run, paper only (chart markers). */
  readonly fills: Fill[] = [];
  /** Closed-trade equity points: [exit ts, equity USD]. */
  readonly equityCurve: [number, number][] = [];
  private readonly shadow: SimulatedVenue;
  private readonly atr = new Atr(14);
  private day: Day;
  private quote: Quote | null = null;
  private lastPrice = Number.NaN;
  private staleTimer: TimerHandle | null = null;
  private brokerTimer: TimerHandle | null = null;
  private tradeSeq = 0;
  private closeAttempts = 0;
  /** Bumped on every change the screen shows. */
  version = 0;
  private readonly unsubscribe: () => void;

  constructor(c: TraderConfig, d: TraderDeps) {
    this.c = c;
    this.d = d;
    this.t = c.instrument.tickSize;
    this.mode = c.mode;
    this.exec = c.execution;
    this.portfolio = new Portfolio({ pointValueUsd: c.instrument.pointValueUsd, tickSize: this.t, startingEquityUsd: c.risk.accountEquityUsd });
    this.shadow = new SimulatedVenue({ tickSize: this.t });
    this.day = this.newDay(null);
    this.unsubscribe = d.killSwitch.onChange((s, e) => {
      // In market time, so a recorded session replays its trips and resets where they happened.
      d.journal?.event('kill-switch', this.now(), { from: e.from, to: e.to, trigger: e.trigger, who: e.who, reason: e.reason });
      this.onKillSwitch(s);
    });
    // A switch latched before this run started still has to see the account flat.
    if (d.killSwitch.state === 'REDUCING') this.reduce();
  }

  /** Whether no timer of the trader's is pending: a run's state may then be checkpointed (engine/run/checkpoint.ts). */
  timersIdle(): boolean {
    return this.staleTimer === null && this.brokerTimer === null;
  }

  /** Detaches from the kill switch and stops the timers; the run is over. */
  dispose(): void {
    this.unsubscribe();
    this.staleTimer?.cancel();
    this.brokerTimer?.cancel();
    this.staleInSession = null;
  }

  // ------------------------------------------------------------ settings

  get executionMode(): ExecutionMode {
    return this.exec;
  }

  get tradingMode(): Mode {
    return this.mode;
  }

  /** Switches MANUAL / AUTO (journaled). Switching to AUTO does not send what is queued. */
  setExecution(e: ExecutionMode, who = 'trader'): void {
    if (e === this.exec) return;
    this.d.journal?.event('execution.toggled', this.now(), { from: this.exec, to: e, who });
    this.exec = e;
    this.version += 1;
  }

  /** Switches the mode the trader routes by (journaled). The analyzer's thresholds are switched by the caller. */
  setMode(m: Mode, who = 'trader'): void {
    if (m === this.mode) return;
    this.d.journal?.event('mode.changed', this.now(), { from: this.mode, to: m, who });
    this.mode = m;
    this.version += 1;
  }

  // ------------------------------------------------------------ market data

  /** Matches working orders against a record and runs the per-record checks (module header). */
  onRecord(r: MarketRecord): void {
    const fills = r.kind === 'tick' ? this.d.venue.onTick(r) : this.d.venue.onBar(r);
    const shadowFills = r.kind === 'tick' ? this.shadow.onTick(r) : this.shadow.onBar(r);
    for (const f of fills) this.onFill(f, 'paper');
    for (const f of shadowFills) this.onFill(f, 'would-be');
    if (r.kind === 'tick') this.onTickPrice(r);
    else this.onBarPrices(r);
    this.armStale();
  }

  /**
   * New risk limits from the next check on (the trader's settings changed,
   * issue 18): tighter ones at once; a raised daily loss limit only from the
   * next session (Sierra Chart's daily loss lock: a losing day cannot be
   * given more room), the current one standing until then.
   */
  setRisk(risk: RiskConfig): void {
    const now = this.c.risk.dailyLossLimitUsd;
    this.pendingDailyLossUsd = risk.dailyLossLimitUsd > now ? risk.dailyLossLimitUsd : null;
    this.c = { ...this.c, risk: this.pendingDailyLossUsd === null ? risk : { ...risk, dailyLossLimitUsd: now } };
    this.version += 1;
  }

  /** The risk limits in force now, and a raised daily loss limit waiting for the next session (null: none). */
  get riskInForce(): { readonly risk: RiskConfig; readonly pendingDailyLossUsd: number | null } {
    return { risk: this.c.risk, pendingDailyLossUsd: this.pendingDailyLossUsd };
  }

  /**
   * A broker venue reported fills or order states between market records:
   * they are booked now, not at the next tick, and a halt in progress takes
   * its next step (the broker may just have confirmed flat).
   */
  venueUpdated(): void {
    for (const f of this.d.venue.drainFills?.() ?? []) this.onFill(f, 'paper');
    for (const c of this.d.venue.drainCommissionCorrections?.() ?? []) this.onCommissionCorrected(c);
    for (const tr of this.openTrades()) for (const id of [tr.entryOrderId, tr.stopOrderId, tr.targetOrderId]) this.journalOrder(id, tr.id);
    // A cancel the broker confirmed now ends a trade whose entry never filled (Cancel all, a cancelled entry).
    this.markCancelledEntries();
    this.protect();
    this.settleHalt();
    this.stepExits();
    this.version += 1;
  }

  /**
   * The broker holds `qty` signed contracts at `avgPrice` (points) that no
   * trade of this run accounts for (issue 16): the book takes them, so the
   * position shown and closed is the broker's (no phantom when the kill
   * switch closes them), and the kill switch trips to flatten them.
   */
  bookBrokerPosition(qty: number, avgPrice: number, detail: string): void {
    if (qty === 0) return;
    const price = Number.isFinite(avgPrice) ? avgPrice : this.lastPrice;
    this.portfolio.onFill({ orderId: 'broker-reconcile', role: 'entry', side: qty > 0 ? 'BUY' : 'SELL', qty: Math.abs(qty), price, ts: this.now(), slippageTicks: 0, commissionUsd: 0 });
    this.d.journal?.event('position.adopted', this.now(), { qty, avgPrice: price, detail });
    this.version += 1;
    this.trip('critical-error', detail, 'broker');
  }

  /**
   * The trader adopts the broker's position that no trade accounts for
   * (issue 16, item 4): `qty` signed contracts at `avgPrice` (points) become a
   * trade of this run, protected at once by a stop `stopTicks` and a target
   * `targetTicks` from the average price (on the tick grid) in one OCA
   * group, and managed as any trade (its exit closes it, the kill switch
   * flattens it, a refused leg is sent again once, then the position is
   * closed). Its P&L counts from the average price; it is not a trade
   * entered today (it was entered elsewhere).
   * @throws OrderError while the kill switch is not ACTIVE (it flattens the position instead), on a venue that
   *   cannot place an OCO pair (the simulated one), for distances that are not whole ticks > 0, or when the venue refuses the pair.
   */
  adoptPosition(qty: number, avgPrice: number, stopTicks: number, targetTicks: number): TradeRecord {
    if (this.d.killSwitch.state !== 'ACTIVE') throw new OrderError(`the kill switch is ${this.d.killSwitch.state}: it flattens the position instead`);
    const submitOco = this.d.venue.submitOco;
    if (submitOco === undefined) throw new OrderError('only a broker venue can take over a position (LIVE)');
    if (!Number.isInteger(qty) || qty === 0 || !(avgPrice > 0)) throw new OrderError(`no position to adopt (${qty} contracts at ${avgPrice})`);
    for (const [name, v] of [['stopTicks', stopTicks], ['targetTicks', targetTicks]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new OrderError(`adopt: ${name} must be a whole number of ticks above 0, not ${v}`);
    }
    const side = qty > 0 ? 'LONG' : 'SHORT';
    const dir = qty > 0 ? 1 : -1;
    const grid = (p: number): number => Math.round(p / this.t) * this.t;
    const stop = grid(avgPrice - dir * stopTicks * this.t);
    const target = grid(avgPrice + dir * targetTicks * this.t);
    const n = Math.abs(qty);
    const legs = submitOco.call(this.d.venue, { side: qty > 0 ? 'SELL' : 'BUY', qty: n, stop, target }, this.now());
    const now = this.now();
    const tr = this.newTrade(
      { source: 'adopted', signal: null, plan: { side, entry: avgPrice, stop, target }, kind: 'paper', qty: n, entryOrderId: `T${this.tradeSeq + 1}-adopted`, stopOrderId: legs.stop.id, targetOrderId: legs.target.id },
      { entryQty: n, entryTs: now, entryPrice: avgPrice },
    );
    this.trades.push(tr);
    for (const id of [legs.stop.id, legs.target.id]) this.tradeByOrder.set(id, tr);
    this.portfolio.onFill({ orderId: tr.entryOrderId, role: 'entry', side: qty > 0 ? 'BUY' : 'SELL', qty: n, price: avgPrice, ts: now, slippageTicks: 0, commissionUsd: 0 });
    if (Number.isFinite(this.lastPrice)) this.portfolio.mark(this.lastPrice); // its open P&L now, not at the next trade
    this.d.journal?.trade(tr);
    for (const o of [legs.stop, legs.target]) this.d.journal?.order(o, tr.id);
    this.d.journal?.event('position.taken-over', now, { tradeId: tr.id, qty, avgPrice, stop, target });
    this.version += 1;
    return tr;
  }

  /** Protective legs the broker refused and that were sent again, once each (`tradeId:role`). */
  private readonly retriedLegs = new Set<string>();
  /** Legs sent on their own after a refused OCO: the Trader cancels the one left when the trade closes. */
  private readonly standaloneLegs = new Set<string>();
  /** Trades closed at market because the broker refused a leg twice. */
  private readonly unprotected = new Set<string>();

  /**
   * A position is never left without its stop and target because the broker
   * refused them (issue 16): for each trade with contracts open, a leg the
   * broker rejected is sent again once, on its own, for the contracts open;
   * refused again (or unsendable), the position is closed at once with a
   * market order, the other leg cancelled, and a critical alert raised.
   * Order states are the broker's reports (engine/venue/broker.ts); a halt
   * closes everything anyway.
   */
  private protect(): void {
    if (this.d.killSwitch.state !== 'ACTIVE') return;
    const venue = this.d.venue;
    for (const tr of this.openTrades()) {
      const open = tr.entryQty - tr.exitQty;
      if (tr.kind !== 'paper' || tr.entryPrice === null || open <= 0 || this.unprotected.has(tr.id)) continue;
      for (const role of ['stop', 'target'] as const) {
        const leg = venue.order(role === 'stop' ? tr.stopOrderId : tr.targetOrderId);
        if (leg === undefined || leg.status !== 'CANCELLED' || !(leg.cancelReason ?? '').startsWith('rejected')) continue;
        const key = `${tr.id}:${role}`;
        if (this.retriedLegs.has(key)) {
          this.closeUnprotected(tr, role, leg.cancelReason ?? 'rejected');
          break;
        }
        this.retriedLegs.add(key);
        try {
          const again = venue.submit({ side: leg.side, type: leg.type, qty: open, price: leg.price, role }, this.now());
          if (role === 'stop') tr.stopOrderId = again.id;
          else tr.targetOrderId = again.id;
          this.tradeByOrder.set(again.id, tr);
          this.standaloneLegs.add(again.id);
          this.d.journal?.order(again, tr.id);
          this.d.journal?.event('order.retried', this.now(), { tradeId: tr.id, role, refused: leg.id, sent: again.id, why: leg.cancelReason });
          this.d.alert?.('warning', `The broker refused the ${role} of trade ${tr.id} (${leg.cancelReason}): sent again as order ${again.id}`);
        } catch (e) {
          if (!(e instanceof OrderError)) throw e;
          this.closeUnprotected(tr, role, e.message);
          break;
        }
      }
    }
  }

  /** Closes a trade whose stop or target the broker refused twice: the other leg cancelled, the contracts out at market. */
  private closeUnprotected(tr: TradeRecord, role: 'stop' | 'target', why: string): void {
    this.unprotected.add(tr.id);
    const venue = this.d.venue;
    for (const id of [tr.stopOrderId, tr.targetOrderId]) if (venue.cancel(id, `the ${role} was refused twice`)) this.journalOrder(id, tr.id);
    const qty = tr.entryQty - tr.exitQty;
    const side = tr.plan.side === 'LONG' ? 'SELL' : 'BUY';
    this.d.journal?.event('order.unprotected', this.now(), { tradeId: tr.id, role, why, qty });
    try {
      this.closeAtMarket(tr, side, qty, 'unprotected');
      this.d.alert?.('critical', `The broker refused the ${role} of trade ${tr.id} twice (${why}): its ${qty} contract(s) are closed at market`);
    } catch (e) {
      if (!(e instanceof OrderError)) throw e;
      this.d.alert?.('critical', `Trade ${tr.id} has no ${role} at the broker (${why}) and its closing order was refused (${e.message}): the kill switch flattens it`);
      this.trip('critical-error', `trade ${tr.id} unprotected at the broker: ${why}; closing refused: ${e.message}`, 'risk');
    }
  }

  /** Whether this run's venue holds no position and no working order, by its own word (a broker's once it reported its positions). */
  venueFlat(): boolean {
    const v = this.d.venue;
    return v.position() === 0 && v.open().length === 0 && v.positionKnown?.() !== false;
  }

  /** A completed bar with the method's decision at its close. */
  onBar(d: Decision): void {
    const bar = d.bar;
    const sessionId = d.levels?.sessionId ?? null;
    if (sessionId !== null && sessionId !== this.day.sessionId) {
      if (this.pendingDailyLossUsd !== null) {
        this.c = { ...this.c, risk: { ...this.c.risk, dailyLossLimitUsd: this.pendingDailyLossUsd } };
        this.pendingDailyLossUsd = null;
      }
      this.day = this.newDay(sessionId, this.d.earlierToday?.(bar.ts) ?? null);
    }
    this.atr.add(bar);
    for (const tr of this.openTrades()) this.positionUpdate(tr, bar.ts);
    this.timeExits();
    if (d.tradingSignal !== null) this.onSignal({ ...d, tradingSignal: d.tradingSignal });
  }

  // ------------------------------------------------------------ approvals

  /**
   * The trader approves a queued signal: the risk check runs again on the
   * account as it is now, then the bracket goes out.
   * @throws OrderError when no such signal is waiting.
   */
  approve(signalId: string, who = 'trader'): Approval {
    const a = this.pending(signalId);
    // Expiry is decided now, on market time, not at the next record: a late click sends nothing.
    if (this.expireByTime(a)) throw new OrderError(`signal ${signalId} expired: ${a.why}; nothing was sent`);
    const risk = this.check(a.signal);
    if (!risk.approved) {
      this.decide(a, 'REJECTED', 'risk', `${risk.reason}: ${risk.detail}`);
      this.d.journal?.event('risk.rejected', this.now(), { signalId, reason: risk.reason, detail: risk.detail, at: 'approval' });
      return a;
    }
    a.contracts = risk.contracts;
    a.riskUsd = risk.riskUsd;
    this.send(a, 'APPROVED', who, risk);
    return a;
  }

  /**
   * The trader rejects a queued signal.
   * @throws OrderError when no such signal is waiting.
   */
  reject(signalId: string, why = 'rejected by the trader', who = 'trader'): Approval {
    const a = this.pending(signalId);
    this.decide(a, 'REJECTED', who, why);
    return a;
  }

  /** Signals waiting for the trader, oldest first. */
  queue(): Approval[] {
    return [...this.approvals.values()];
  }

  /** The last resolved approvals, newest first. */
  recentApprovals(): readonly Approval[] {
    return this.resolved;
  }

  // ------------------------------------------------------------ the trader's own orders (issue 18, items 2 and 3)

  /** A flatten in progress: who asked, why, when, and the entry a Reverse sends once flat. */
  private flattening: { readonly who: string; readonly why: 'flatten' | 'session-end'; readonly startedAt: number; readonly then: ManualOrder | null } | null = null;
  /** Trades being closed at market, and why: their orders are cancelled first, the close goes once none of them is open. */
  private readonly exiting = new Map<string, ExitReason>();
  /** Why each closing order was sent (its fill's exit reason). */
  private readonly closeWhy = new Map<string, ExitReason>();
  /** The ATM bracket of each manual trade, ticks, for its re-anchoring on the entry's fill. */
  private readonly atm = new Map<string, { readonly stopTicks: number; readonly targetTicks: number }>();
  /** Completed bars each open trade has been in since its entry filled (the time exit). */
  private readonly barsHeld = new Map<string, number>();
  /** The session whose flatten before the close was done. */
  private flattenedSession: string | null | undefined = undefined;

  /** Whether a Flatten (or a Reverse's) is in progress: new entries wait for it. */
  get flatteningNow(): boolean {
    return this.flattening !== null;
  }

  /** New position management rules from the next record on (the trader's settings changed). */
  setManagement(m: PositionManagement): void {
    this.c = { ...this.c, management: m };
    this.version += 1;
  }

  private get management(): PositionManagement {
    return this.c.management ?? NO_MANAGEMENT;
  }

  /** Why no entry may go out now, beyond the risk limits: a flatten in progress, or the flatten before the session's end. */
  private entryBlock(): (RiskDecision & { approved: false }) | null {
    if (this.flattening !== null) return { approved: false, reason: 'flattening', detail: `a ${this.flattening.why === 'session-end' ? 'flatten before the close' : 'flatten'} is in progress` };
    const m = this.management;
    if (inFlattenStretch(this.minuteEt(), m)) {
      const at = m.flattenAtMinuteEt!;
      return { approved: false, reason: 'session-end', detail: `no new entries from ${String(Math.floor(at / 60)).padStart(2, '0')}:${String(at % 60).padStart(2, '0')} ET until the next session (position management)` };
    }
    return null;
  }

  /** Market time now as minutes of the New York day. */
  private minuteEt(): number {
    const now = this.now();
    return Math.floor((((now + NEW_YORK.offsetAt(now)) % 86_400_000) + 86_400_000) % 86_400_000 / 60_000);
  }

  /** The price a market order of `side` would meet now: the ask or the bid when the feed has a quote, else the last trade; NaN before any. */
  private marketPrice(side: OrderSide): number {
    const q = this.quote;
    if (q !== null) return side === 'BUY' ? q.ask : q.bid;
    return this.lastPrice;
  }

  /**
   * The trader's own entry (issue 18, item 2), sent at once with its ATM
   * bracket (ManualOrder). It passes the same checks as the method's:
   * the kill switch, the account limits and the per-trade risk and daily
   * budget at its stop (engine/risk/sizing.ts checkManualTrade, never
   * resized), and no entry while a flatten is in progress or after the
   * flatten before the close. Journaled with source `manual` (setup MANUAL);
   * `via` says whether it came from the trader's click or a Reverse (a
   * recorded session repeats the Reverse, not its entry).
   * @throws OrderError naming the refusal (the risk rule and its numbers), a bad field, no price yet for a market order,
   *   a stop entry on the wrong side of the last price (it would fill at once), or the venue's refusal.
   */
  placeOrder(o: ManualOrder, who = 'trader', via: 'ladder' | 'reverse' = 'ladder'): TradeRecord {
    const now = this.now();
    const refuse = (reason: RiskRejection | 'order', detail: string): never => {
      this.d.journal?.event('risk.rejected', now, { source: 'manual', reason, detail, at: 'manual', order: { ...o } });
      throw new OrderError(reason === 'order' ? detail : `refused (${reason}): ${detail}`);
    };
    if (o.side !== 'BUY' && o.side !== 'SELL') throw new OrderError(`order: "side" must be BUY or SELL, not ${String(o.side)}`);
    if (o.type !== 'MARKET' && o.type !== 'LIMIT' && o.type !== 'STOP') throw new OrderError(`order: "type" must be MARKET, LIMIT or STOP, not ${String(o.type)}`);
    for (const [name, v] of [['stopTicks', o.stopTicks], ['targetTicks', o.targetTicks]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 400) throw new OrderError(`order: "${name}" must be a whole number of ticks from 1 to 400, not ${v}`);
    }
    if (!Number.isInteger(o.qty) || o.qty < 1) throw new OrderError(`order: "qty" must be a positive whole number of contracts, not ${o.qty}`);
    const dir = o.side === 'BUY' ? 1 : -1;
    const ref = o.type === 'MARKET' ? this.marketPrice(o.side) : (o.price ?? Number.NaN);
    if (!Number.isFinite(ref) || ref <= 0) throw new OrderError(o.type === 'MARKET' ? 'order: no price has traded yet for a market order' : `order: "price" is required for a ${o.type} order`);
    if (o.type !== 'MARKET' && Math.abs(ref / this.t - Math.round(ref / this.t)) > 1e-6) throw new OrderError(`order: "price" ${ref} is off the ${this.t} tick grid`);
    if (o.type === 'STOP' && Number.isFinite(this.lastPrice) && !(dir * (ref - this.lastPrice) > 1e-9)) {
      refuse('order', `a ${o.side === 'BUY' ? 'buy' : 'sell'} stop at ${ref} is not ${o.side === 'BUY' ? 'above' : 'below'} the last price ${this.lastPrice}: it would fill at once (use a limit or market order)`);
    }
    const block = this.entryBlock();
    if (block !== null) refuse(block.reason, block.detail);
    const risk = checkManualTrade({ contracts: o.qty, riskTicks: o.stopTicks }, this.riskState(), this.c.risk, this.c.instrument.tickValueUsd, now);
    if (!risk.approved) return refuse(risk.reason, risk.detail);
    const grid = (p: number): number => Math.round(p / this.t) * this.t;
    const stop = grid(ref - dir * o.stopTicks * this.t);
    const target = grid(ref + dir * o.targetTicks * this.t);
    let b;
    try {
      b = this.d.venue.submitBracket({ side: o.side, qty: o.qty, entryType: o.type, ...(o.type === 'MARKET' ? {} : { entryPrice: ref }), stop, target }, now);
    } catch (e) {
      if (!(e instanceof OrderError)) throw e;
      this.d.journal?.event('order.rejected', now, { source: 'manual', message: e.message });
      throw e;
    }
    const tr = this.newTrade({ source: 'manual', signal: null, plan: { side: dir > 0 ? 'LONG' : 'SHORT', entry: ref, stop, target }, kind: 'paper', qty: o.qty, entryOrderId: b.entry.id, stopOrderId: b.stop.id, targetOrderId: b.target.id });
    this.trades.push(tr);
    for (const x of [b.entry, b.stop, b.target]) this.tradeByOrder.set(x.id, tr);
    this.atm.set(tr.id, { stopTicks: o.stopTicks, targetTicks: o.targetTicks });
    this.day.trades += 1;
    this.d.journal?.trade(tr);
    for (const x of [b.entry, b.stop, b.target]) this.d.journal?.order(x, tr.id);
    this.d.journal?.event('order.manual', now, { tradeId: tr.id, who, via, side: o.side, type: o.type, qty: o.qty, price: o.type === 'MARKET' ? null : ref, stop, target, riskUsd: risk.riskUsd, order: { ...o } });
    this.d.journal?.tradeSnapshot(tr.id, 'DECISION', now, { decision: null, approval: { status: 'MANUAL', who, why: `${o.type} ${o.side} ${o.qty} by the trader`, when: now, queuedAt: now, execution: this.exec, contracts: o.qty, riskUsd: risk.riskUsd, multiplier: 1, reduced: [] } });
    this.version += 1;
    return tr;
  }

  /**
   * The ATM bracket follows the entry's fill (NinjaTrader's and Sierra
   * Chart's ATM convention): a manual trade whose entry filled away from the
   * price it was sized on has its stop and target moved to the same ticks
   * from the fill.
   */
  private anchorAtm(tr: TradeRecord): void {
    const atm = this.atm.get(tr.id);
    if (atm === undefined || tr.entryPrice === null) return;
    this.atm.delete(tr.id);
    const dir = tr.plan.side === 'LONG' ? 1 : -1;
    const grid = (p: number): number => Math.round(p / this.t) * this.t;
    const stop = grid(tr.entryPrice - dir * atm.stopTicks * this.t);
    const target = grid(tr.entryPrice + dir * atm.targetTicks * this.t);
    if (Math.abs(stop - tr.plan.stop) > 1e-9) this.move(tr, tr.stopOrderId, stop, 'atm');
    if (Math.abs(target - tr.plan.target) > 1e-9) this.move(tr, tr.targetOrderId, target, 'atm');
  }

  /** Sends a modify and follows it in the trade's plan and the journal; false when the venue refused it (alerted). */
  private move(tr: TradeRecord | null, id: string, price: number, who: string): boolean {
    const before = this.d.venue.order(id)?.price ?? null;
    try {
      const o = this.d.venue.modify(id, price);
      if (tr !== null) {
        if (o.role === 'stop') tr.plan = { ...tr.plan, stop: price };
        else if (o.role === 'target') tr.plan = { ...tr.plan, target: price };
        else if (o.role === 'entry' && tr.entryPrice === null) tr.plan = { ...tr.plan, entry: price };
      }
      this.d.journal?.order(o, tr?.id ?? null);
      this.d.journal?.event('order.modified', this.now(), { orderId: id, tradeId: tr?.id ?? null, role: o.role, from: before, to: price, who });
      this.version += 1;
      return true;
    } catch (e) {
      if (!(e instanceof OrderError)) throw e;
      this.d.journal?.event('order.rejected', this.now(), { orderId: id, action: 'modify', to: price, who, message: e.message });
      if (who !== 'trader') this.d.alert?.('warning', `Could not move order ${id} to ${price} (${who}): ${e.message}`);
      return false;
    }
  }

  /**
   * The trader moves a working order (a drag on the chart, issue 18): a
   * stop, a target, or an entry not yet filled (its bracket moves with it,
   * the same ticks away). A stop may not be moved to where it would fill at
   * once, nor so far that the trade's risk passes the per-trade limit; a
   * target stays on the profit side of the stop.
   * @throws OrderError naming why (no such order, not this run's, closing, the rule broken, the venue's refusal).
   */
  modifyOrder(id: string, price: number, who = 'trader'): Order {
    const o = this.d.venue.order(id);
    if (o === undefined || !isOpenOrder(o)) throw new OrderError(`modify: order ${id} is not working`);
    if (o.role === 'close') throw new OrderError(`modify: order ${id} is closing a position at market`);
    if (!Number.isFinite(price) || price <= 0 || Math.abs(price / this.t - Math.round(price / this.t)) > 1e-6) throw new OrderError(`modify: the price ${price} is not on the ${this.t} tick grid`);
    const tr = this.tradeByOrder.get(id) ?? null;
    if (tr !== null && (this.exiting.has(tr.id) || this.flattening !== null)) throw new OrderError(`modify: trade ${tr.id} is being closed`);
    if (tr !== null) {
      const dir = tr.plan.side === 'LONG' ? 1 : -1;
      const entry = tr.entryPrice ?? tr.plan.entry;
      if (o.role === 'stop') {
        if (Number.isFinite(this.lastPrice) && tr.entryPrice !== null && !(dir * (this.lastPrice - price) >= this.t - 1e-9)) {
          throw new OrderError(`modify: a stop at ${price} is at or beyond the last price ${this.lastPrice}: it would fill at once (Flatten closes the position)`);
        }
        if (!(dir * (tr.plan.target - price) > 0)) throw new OrderError(`modify: the stop ${price} must stay on the loss side of the target ${tr.plan.target}`);
        const riskUsd = Math.max(0, (dir * (entry - price)) / this.t) * this.c.instrument.tickValueUsd * (tr.qty - tr.exitQty);
        if (riskUsd > this.c.risk.maxRiskPerTradeUsd + 1e-9) throw new OrderError(`modify: refused (risk-per-trade): a stop at ${price} risks ${riskUsd.toFixed(2)} USD, over the ${this.c.risk.maxRiskPerTradeUsd} USD limit`);
      } else if (o.role === 'target') {
        if (!(dir * (price - tr.plan.stop) > 0)) throw new OrderError(`modify: the target ${price} must stay on the profit side of the stop ${tr.plan.stop}`);
      } else if (o.role === 'entry' && tr.entryPrice === null) {
        if (o.type === 'STOP' && Number.isFinite(this.lastPrice) && !(dir * (price - this.lastPrice) > 1e-9)) throw new OrderError(`modify: a stop entry at ${price} would fill at once against the last price ${this.lastPrice}`);
        // The bracket keeps its distances (ATM).
        const delta = price - tr.plan.entry;
        if (!this.move(tr, id, price, who)) throw new OrderError(`modify: the venue refused to move order ${id}`);
        this.move(tr, tr.stopOrderId, tr.plan.stop + delta, who);
        this.move(tr, tr.targetOrderId, tr.plan.target + delta, who);
        return o;
      }
    }
    const before = o.price;
    const moved = this.d.venue.modify(id, price); // throws the venue's refusal to the caller
    if (tr !== null) {
      if (o.role === 'stop') tr.plan = { ...tr.plan, stop: price };
      else if (o.role === 'target') tr.plan = { ...tr.plan, target: price };
    }
    this.d.journal?.order(moved, tr?.id ?? null);
    this.d.journal?.event('order.modified', this.now(), { orderId: id, tradeId: tr?.id ?? null, role: o.role, from: before ?? null, to: price, who });
    this.version += 1;
    return moved;
  }

  /**
   * The trader cancels one working order: an entry (its bracket goes with
   * it) or an order placed elsewhere. A stop or target protecting an open
   * position is not cancelled alone (Flatten closes the position).
   * @throws OrderError when the order is not working or protects an open position.
   */
  cancelOrder(id: string, who = 'trader'): void {
    const o = this.d.venue.order(id);
    if (o === undefined || !isOpenOrder(o)) throw new OrderError(`cancel: order ${id} is not working`);
    const tr = this.tradeByOrder.get(id) ?? null;
    if (tr !== null && (o.role === 'stop' || o.role === 'target') && tr.entryQty > tr.exitQty) {
      throw new OrderError(`cancel: order ${id} is the ${o.role} of ${tr.entryQty - tr.exitQty} contract(s) open; Flatten closes the position, or drag it`);
    }
    if (o.role === 'close') throw new OrderError(`cancel: order ${id} is closing a position`);
    this.cancelOrders([o], who);
    this.d.journal?.event('order.cancelled', this.now(), { orderId: id, tradeId: tr?.id ?? null, who });
  }

  /**
   * Cancel all: every working order, entries first, the position left as it
   * is. With a position open that would strip it of its stop and target, so
   * it is refused unless `unprotect` says the trader means it (Flatten is
   * what closes a position).
   * @throws OrderError when a position is open and `unprotect` is not true.
   */
  cancelAll(who = 'trader', unprotect = false): number {
    const qty = this.d.venue.position();
    if (qty !== 0 && !unprotect) throw new OrderError(`cancel all: ${qty} contract(s) are open and would lose their stop and target; Flatten closes the position (or confirm to cancel the protection too)`);
    const working = this.d.venue.open().filter((o) => o.role !== 'close');
    this.cancelOrders(working, who);
    this.d.journal?.event('orders.cancelled', this.now(), { who, orders: working.length, position: qty });
    return working.length;
  }

  /** Cancels `orders` (entries first), journals them and marks trades whose entry never filled as cancelled. */
  private cancelOrders(orders: readonly Order[], why: string): void {
    const venue = this.d.venue;
    for (const o of [...orders.filter((x) => x.role === 'entry'), ...orders.filter((x) => x.role !== 'entry')]) {
      if (venue.cancel(o.id, why)) this.journalOrder(o.id, this.tradeByOrder.get(o.id)?.id ?? null);
    }
    this.markCancelledEntries();
    this.version += 1;
  }

  /** Trades whose entry was cancelled before any fill are over. */
  private markCancelledEntries(): void {
    for (const tr of this.openTrades()) {
      if (tr.kind === 'paper' && tr.entryPrice === null && this.d.venue.order(tr.entryOrderId)?.status === 'CANCELLED') {
        tr.cancelled = true;
        this.exiting.delete(tr.id);
        this.d.journal?.trade(tr);
      }
    }
  }

  /**
   * Flatten (issue 18): every working order cancelled and the position
   * closed at market, the platform left armed (unlike the kill switch, it
   * does not halt). At a broker the close goes once the position's stop and
   * target are confirmed cancelled, so that neither can fill beside it;
   * done when the venue reports flat, new entries refused until then.
   * `then` is the entry a Reverse sends once flat.
   * @throws OrderError while the kill switch is not ACTIVE (its halt sequence flattens).
   */
  flatten(who = 'trader', why: 'flatten' | 'session-end' = 'flatten', then: ManualOrder | null = null): void {
    if (this.d.killSwitch.state !== 'ACTIVE') throw new OrderError(`flatten: the kill switch is ${this.d.killSwitch.state} and flattens the account itself`);
    if (this.flattening !== null) return;
    this.flattening = { who, why, startedAt: this.now(), then };
    this.d.journal?.event('flatten.start', this.now(), { who, why, position: this.d.venue.position(), working: this.d.venue.open().length, reverse: then === null ? null : { ...then } });
    for (const tr of this.openTrades()) if (tr.kind === 'paper') this.exiting.set(tr.id, why === 'session-end' ? 'session-end' : 'flatten');
    this.stepExits();
    this.version += 1;
  }

  /**
   * Reverse (issue 18): flatten, then, once the venue reports flat, enter
   * the same number of contracts the other way at market with the ATM
   * bracket `stopTicks` / `targetTicks`, through the same risk check as any
   * entry (refused, the account stays flat and the trader is told).
   * @throws OrderError when no position is open, or as `flatten`.
   */
  reverse(stopTicks: number, targetTicks: number, who = 'trader'): void {
    const qty = this.d.venue.position();
    if (qty === 0) throw new OrderError('reverse: no position is open');
    if (this.flattening !== null) throw new OrderError('reverse: a flatten is in progress');
    const then: ManualOrder = { side: qty > 0 ? 'SELL' : 'BUY', type: 'MARKET', qty: Math.abs(qty), stopTicks, targetTicks };
    this.d.journal?.event('reverse.start', this.now(), { who, position: qty, then: { ...then } });
    this.flatten(who, 'flatten', then);
  }

  /**
   * A multi-contract series moves to the next contract (issue 19): the old
   * contract's prices end at `lastPrice` (points, market time `ts`), so what
   * is queued is rejected, every working order cancelled, and a position
   * closed at market against that last price (the venue's slippage applied)
   * with the reason 'contract-roll', before the new contract's first record.
   * Returns the contracts it closed (signed).
   */
  closeForRoll(lastPrice: number, ts: number): number {
    for (const a of [...this.approvals.values()]) this.decide(a, 'REJECTED', 'contract-roll', 'the series moved to the next contract');
    this.flattening = null;
    this.exiting.clear();
    this.cancelOrders(this.d.venue.open(), 'contract roll');
    // DATA_COLLECTION's would-be trades end there too, on the shadow venue.
    for (const tr of this.openTrades()) {
      if (tr.kind !== 'would-be') continue;
      for (const o of this.shadow.open()) if (this.tradeByOrder.get(`W${o.id}`) === tr && o.role !== 'close') this.shadow.cancel(o.id, 'contract roll');
      if (tr.entryPrice === null) {
        tr.cancelled = true;
        this.d.journal?.trade(tr);
        continue;
      }
      const o = this.shadow.submit({ side: tr.plan.side === 'LONG' ? 'SELL' : 'BUY', type: 'MARKET', qty: tr.entryQty - tr.exitQty, role: 'close' }, ts);
      this.closeWhy.set(`W${o.id}`, 'contract-roll');
      this.tradeByOrder.set(`W${o.id}`, tr);
    }
    const qty = this.d.venue.position();
    if (qty !== 0) {
      const tr = this.openTrades().find((t) => t.kind === 'paper' && t.entryPrice !== null) ?? null;
      this.closeAtMarket(tr, qty > 0 ? 'SELL' : 'BUY', Math.abs(qty), 'contract-roll');
    }
    // The closes fill against the old contract's last trade: a record of it, for the venues and the book alone.
    this.onRecord({ kind: 'tick', tsEvent: ts, price: lastPrice, size: 0, side: 'unknown', bid: Number.NaN, ask: Number.NaN });
    return qty;
  }

  /** Sends a market order closing `qty` contracts of `tr` (null: a position no trade accounts for), remembering why. @throws OrderError when the venue refuses it. */
  private closeAtMarket(tr: TradeRecord | null, side: OrderSide, qty: number, why: ExitReason): Order {
    const o = this.d.venue.submit({ side, type: 'MARKET', qty, role: 'close' }, this.now());
    this.closeWhy.set(o.id, why);
    if (tr !== null) {
      tr.closeOrderIds.push(o.id);
      this.tradeByOrder.set(o.id, tr);
    }
    this.d.journal?.order(o, tr?.id ?? null);
    return o;
  }

  /**
   * The next step of every trade being closed at market (Flatten, Reverse,
   * the time exit, the flatten before the close) and of a flatten: cancel
   * what is working; once none of a trade's orders is, close its contracts;
   * once the venue reports flat, the flatten is done (and a Reverse enters).
   * Called after every record and every broker report until then; a close
   * the venue refused goes again at the next step.
   */
  private stepExits(): void {
    if (this.d.killSwitch.state !== 'ACTIVE' || (this.exiting.size === 0 && this.flattening === null)) return;
    const venue = this.d.venue;
    const open = (id: string): boolean => {
      const o = venue.order(id);
      return o !== undefined && isOpenOrder(o);
    };
    for (const [id, why] of [...this.exiting]) {
      const tr = this.trades.find((t) => t.id === id);
      if (tr === undefined || tr.exitTs !== null || tr.cancelled) {
        this.exiting.delete(id);
        continue;
      }
      const orders = [tr.entryOrderId, tr.stopOrderId, tr.targetOrderId].filter(open);
      for (const oid of orders) if (venue.cancel(oid, why)) this.journalOrder(oid, tr.id);
      this.markCancelledEntries();
      if (tr.cancelled || [tr.entryOrderId, tr.stopOrderId, tr.targetOrderId].some(open) || tr.closeOrderIds.some(open)) continue;
      const qty = tr.entryQty - tr.exitQty;
      if (qty <= 0) continue;
      try {
        this.closeAtMarket(tr, tr.plan.side === 'LONG' ? 'SELL' : 'BUY', qty, why);
      } catch (e) {
        if (!(e instanceof OrderError)) throw e;
        this.d.journal?.event('order.rejected', this.now(), { role: 'close', tradeId: tr.id, why, message: e.message });
        this.d.alert?.('critical', `Closing order for trade ${tr.id} refused (${why}): ${e.message}; retrying`);
      }
    }
    const f = this.flattening;
    if (f === null) return;
    // Orders no trade of this run holds (placed elsewhere) are cancelled too, and a position no trade accounts for is closed.
    const foreign = venue.open().filter((o) => o.role !== 'close' && !this.tradeByOrder.has(o.id));
    for (const o of foreign) venue.cancel(o.id, f.why);
    if (this.exiting.size > 0) return;
    const qty = venue.position();
    if (qty !== 0 && !venue.open().some((o) => o.role === 'close') && venue.positionKnown?.() !== false) {
      try {
        this.closeAtMarket(null, qty > 0 ? 'SELL' : 'BUY', Math.abs(qty), f.why === 'session-end' ? 'session-end' : 'flatten');
      } catch (e) {
        if (!(e instanceof OrderError)) throw e;
        this.d.alert?.('critical', `Flatten: closing order refused: ${e.message}; retrying`);
      }
    }
    if (!this.venueFlat()) return;
    this.flattening = null;
    this.d.journal?.event('flatten.done', this.now(), { who: f.who, why: f.why, ms: this.now() - f.startedAt, outcome: 'flat' });
    this.d.alert?.('info', f.why === 'session-end' ? 'Flat before the close (position management): new entries wait for the next session' : 'Flat: every order cancelled and the position closed; trading stays armed');
    this.version += 1;
    if (f.then !== null) {
      try {
        this.placeOrder(f.then, f.who, 'reverse');
      } catch (e) {
        if (!(e instanceof OrderError)) throw e;
        this.d.alert?.('warning', `Reverse: flat, but the new entry was refused: ${e.message}`);
      }
    }
  }

  /**
   * Position management after a record (module management.ts): each open
   * trade's stop moved by the breakeven and trailing rules, and the flatten
   * before the session's end once its minute has come.
   */
  private manage(last: number): void {
    const m = this.management;
    if (m === NO_MANAGEMENT || this.d.killSwitch.state !== 'ACTIVE') return;
    if (m.breakevenAfterTicks !== null || m.trailTicks !== null || m.trailAtrMultiple !== null) {
      for (const tr of this.openTrades()) {
        if (tr.kind !== 'paper' || tr.entryPrice === null || this.exiting.has(tr.id)) continue;
        const leg = this.d.venue.order(tr.stopOrderId);
        if (leg === undefined || !isOpenOrder(leg)) continue;
        const next = managedStop({ side: tr.plan.side, entryPrice: tr.entryPrice, stop: leg.price ?? tr.plan.stop, mfeTicks: tr.mfeTicks }, last, this.atr.value, this.t, m);
        if (next !== null) this.move(tr, leg.id, next, 'management');
      }
    }
    if (m.flattenAtMinuteEt !== null && this.flattening === null && this.flattenedSession !== this.day.sessionId && inFlattenStretch(this.minuteEt(), m)) {
      const exposed = this.d.venue.position() !== 0 || this.openTrades().some((t) => t.kind === 'paper');
      if (!exposed) return;
      this.flattenedSession = this.day.sessionId;
      this.flatten('management', 'session-end');
    }
  }

  /** The time exit at a bar's close: a trade open `timeExitBars` completed bars is closed at market. */
  private timeExits(): void {
    const n = this.management.timeExitBars;
    if (n === null || this.d.killSwitch.state !== 'ACTIVE') return;
    for (const tr of this.openTrades()) {
      if (tr.kind !== 'paper' || tr.entryPrice === null || this.exiting.has(tr.id)) continue;
      const held = (this.barsHeld.get(tr.id) ?? 0) + 1;
      this.barsHeld.set(tr.id, held);
      if (held < n) continue;
      this.barsHeld.delete(tr.id);
      this.exiting.set(tr.id, 'time-exit');
      this.d.journal?.event('position.exit', this.now(), { tradeId: tr.id, why: 'time-exit', bars: held });
    }
    this.stepExits();
  }

  // ------------------------------------------------------------ kill switch

  /** Trips the kill switch (a trigger of section 12). */
  trip(trigger: KillTrigger, detail: string, who: string): void {
    if (this.d.killSwitch.trip(trigger, detail, who)) this.d.alert?.('critical', `Kill switch: ${detail}`);
  }

  /** The broker (venue) connection went down or came back. Lost for `brokerLostMs` with a position open trips the switch. */
  venueConnection(connected: boolean): void {
    this.brokerTimer?.cancel();
    this.brokerTimer = null;
    if (connected) return;
    this.d.journal?.event('venue.disconnected', this.now(), {});
    this.brokerTimer = this.d.clock.setTimer(this.now() + this.c.risk.brokerLostMs, () => {
      this.brokerTimer = null;
      const qty = this.d.venue.position();
      if (qty !== 0) this.trip('broker-lost', `broker connection lost for ${this.c.risk.brokerLostMs / 1000} s with ${qty} contract(s) open`, 'risk');
    });
  }

  /**
   * Watches for stale market data (section 12: no update for `staleDataMs`
   * inside a session). For live feeds only: a recorded file's quiet spells
   * are market history, not a failing feed. `inSession(ts)` says whether
   * market time `ts` lies inside a session.
   */
  watchStaleData(inSession: (ts: number) => boolean): void {
    this.staleInSession = inSession;
    this.armStale();
  }

  private staleInSession: ((ts: number) => boolean) | null = null;

  private armStale(): void {
    if (this.staleInSession === null) return;
    this.staleTimer?.cancel();
    const since = this.now();
    this.staleTimer = this.d.clock.setTimer(since + this.c.risk.staleDataMs, () => {
      this.staleTimer = null;
      if (this.staleInSession?.(this.now()) === true) this.trip('stale-data', `no market data for ${this.c.risk.staleDataMs / 1000} s in the session`, 'risk');
      else this.armStale();
    });
  }

  // ------------------------------------------------------------ state

  /** The account as the risk check sees it now. */
  riskState(): RiskState {
    const open = this.openTrades().filter((t) => t.kind === 'paper');
    const pointValue = this.c.instrument.pointValueUsd;
    const account = this.account();
    return {
      killSwitch: this.d.killSwitch.state,
      dailyPnlUsd: this.dailyPnlUsd(),
      tradesToday: this.day.trades,
      consecutiveLosses: this.day.consecutiveLosses,
      lastLossTs: this.day.lastLossTs,
      // The broker's positions in other contracts count too (issue 16).
      openPositions: open.length + (this.d.venue.otherPositions?.() ?? 0),
      openRiskUsd: open.reduce((a, t) => a + Math.abs((t.entryPrice ?? t.plan.entry) - t.plan.stop) * t.qty * pointValue, 0),
      equityUsd: account.equityUsd,
      peakEquityUsd: account.peakEquityUsd,
    };
  }

  /** The account's equity for the drawdown rule: the broker's net liquidation value when it reports one for this run's orders, else the run's book. */
  account(): AccountEquity {
    const b = this.d.brokerEquity?.() ?? null;
    if (b !== null) return { equityUsd: b.equityUsd, peakEquityUsd: Math.max(b.peakEquityUsd, b.equityUsd), source: 'broker' };
    return { equityUsd: this.portfolio.equityUsd(), peakEquityUsd: this.portfolio.peakEquityUsd, source: 'run' };
  }

  /**
   * Today's net P&L, USD: the run's book (equity now minus equity at the
   * day's start, earlier runs of the day carried in), or the day the broker
   * books for the account when that is worse: a stop filled while the engine
   * was down, or a trade placed elsewhere, is a loss the journal cannot know
   * (issue 16). The worse of the two, so that no restart escapes the limit.
   */
  dailyPnlUsd(): number {
    const book = this.portfolio.equityUsd() - this.day.startEquityUsd;
    const broker = this.d.brokerEquity?.()?.dailyPnlUsd ?? null;
    return broker !== null && broker < book ? broker : book;
  }

  /** Trades still open (entry working or position held). */
  openTrades(): TradeRecord[] {
    return this.trades.filter((t) => t.exitTs === null && !t.cancelled);
  }

  /** Closed trades (paper and would-be), in exit order. */
  closedTrades(): TradeRecord[] {
    return this.trades.filter((t) => t.exitTs !== null).sort((a, b) => a.exitTs! - b.exitTs!);
  }

  /**
   * Metrics of the closed trades of the run, of today and of each trading day
   * (by the session id the trade was opened in). Paper trades, or would-be
   * trades in a run that had no paper trade (DATA_COLLECTION).
   */
  performance(): { run: PerformanceMetrics; day: PerformanceMetrics; sessionId: string | null; byDay: Record<string, PerformanceMetrics> } {
    const all = this.closedTrades();
    const paper = all.filter((t) => t.kind === 'paper');
    const closed = (paper.length > 0 ? paper : all).map((t) => ({ pnlUsd: t.pnlUsd!, exitTs: t.exitTs!, day: t.sessionId }));
    const days = new Map<string, typeof closed>();
    for (const t of closed) if (t.day !== null) days.set(t.day, [...(days.get(t.day) ?? []), t]);
    const byDay: Record<string, PerformanceMetrics> = {};
    for (const [day, list] of days) byDay[day] = performanceOf(list);
    return { run: performanceOf(closed), day: performanceOf(closed.filter((t) => t.day === this.day.sessionId)), sessionId: this.day.sessionId, byDay };
  }

  /** Signals the risk check refused before they were queued, by reason. */
  readonly refused: Record<string, number> = {};


  /** Working orders at the venue. */
  workingOrders(): Order[] {
    return this.d.venue.open();
  }

  /** The last traded price seen, points. */
  get markPrice(): number {
    return this.lastPrice;
  }

  /** The best bid and ask at the last trade, points; null when the data carries none (bars). */
  get quoteNow(): { readonly bid: number; readonly ask: number } | null {
    return this.quote;
  }

  // ------------------------------------------------------------ internals

  private now(): number {
    return this.d.clock.now();
  }

  /** A new trading day; with `carry`, the day goes on from what earlier runs did today (its P&L counts against today's limits). */
  private newDay(sessionId: string | null, carry: DayCarry | null = null): Day {
    const c = carry ?? { pnlUsd: 0, peakPnlUsd: 0, trades: 0, closed: 0, wins: 0, consecutiveLosses: 0, lastLossTs: Number.NEGATIVE_INFINITY };
    if (carry !== null && (carry.trades > 0 || carry.closed > 0)) {
      this.d.journal?.event('risk.carried', this.now(), { sessionId, ...carry });
      this.portfolio.carryIn(carry.pnlUsd, carry.peakPnlUsd);
    }
    return {
      sessionId,
      startEquityUsd: this.portfolio.equityUsd() - c.pnlUsd,
      trades: c.trades,
      closed: c.closed,
      wins: c.wins,
      consecutiveLosses: c.consecutiveLosses,
      lastLossTs: c.lastLossTs,
      warned: false,
    };
  }

  private pending(signalId: string): Approval {
    const a = this.approvals.get(signalId);
    if (a === undefined) throw new OrderError(`approval: no signal ${JSON.stringify(signalId)} is waiting (it may have expired)`);
    return a;
  }

  private check(sig: TradingSignal): RiskDecision {
    const block = this.entryBlock();
    if (block !== null) return block;
    const recent = this.closedTrades()
      .filter((t) => t.kind === 'paper')
      .map((t) => t.pnlUsd!);
    return checkTrade({ grade: sig.grade, confidence: sig.confidence, riskTicks: sig.riskTicks, recentTradesUsd: recent }, this.riskState(), this.c.risk, this.c.instrument.tickValueUsd, this.now());
  }

  private onSignal(d: Decision & { tradingSignal: TradingSignal }): void {
    const sig = d.tradingSignal;
    const pre: PreAnalysisDataDTO = {
      ts: sig.tsEvent,
      price: d.bar.close,
      bar: d.bar,
      atr14Points: Number.isNaN(this.atr.value) ? null : this.atr.value,
      sessionPhase: d.sessionPhase,
      regime: d.regime,
      levels: sig.levels,
      battle: { balance: d.balance.balance, signal: d.signal.s, candidate: d.signal.candidate, goldenRule: d.goldenRule },
      position: this.portfolio.qty,
      dailyPnlUsd: this.dailyPnlUsd(),
      killSwitch: this.d.killSwitch.state,
    };
    const decision = this.d.snapshot?.(d) ?? null;
    if (this.mode === 'DATA_COLLECTION') {
      // Section 11: no order; the signal's would-be outcome is followed on the shadow venue.
      const b = this.shadow.submitBracket({ side: sig.side === 'LONG' ? 'BUY' : 'SELL', qty: 1, entryType: 'MARKET', stop: sig.stop, target: sig.target }, this.now());
      const tr = this.openTrade(sig, 'would-be', 1, b.entry.id, b.stop.id, b.target.id);
      this.d.journal?.tradeSnapshot(tr.id, 'PRE_ANALYSIS', this.now(), pre);
      this.d.journal?.tradeSnapshot(tr.id, 'DECISION', this.now(), { decision, approval: { status: 'would-be', who: 'data-collection', why: 'DATA_COLLECTION records outcomes without orders' } });
      return;
    }
    const risk = this.check(sig);
    const a: Approval = {
      signal: sig,
      execution: this.exec,
      queuedAt: this.now(),
      expiresAt: this.now() + (this.c.approvalTimeoutMs ?? DEFAULT_TIMEOUT_MS),
      status: 'PENDING',
      who: null,
      why: null,
      decidedAt: null,
      contracts: risk.approved ? risk.contracts : 0,
      riskUsd: risk.approved ? risk.riskUsd : 0,
      tradeId: null,
    };
    this.pre.set(sig.id, { pre, decision });
    if (!risk.approved) {
      this.refused[risk.reason] = (this.refused[risk.reason] ?? 0) + 1;
      this.d.journal?.event('risk.rejected', this.now(), { signalId: sig.id, reason: risk.reason, detail: risk.detail, at: 'signal' });
      this.decide(a, 'REFUSED', 'risk', `${risk.reason}: ${risk.detail}`);
      return;
    }
    if (risk.reduced.length > 0) this.d.journal?.event('risk.reduced', this.now(), { signalId: sig.id, reduced: risk.reduced });
    if (this.exec === 'AUTO') {
      this.send(a, 'SENT', 'auto', risk);
      return;
    }
    this.approvals.set(sig.id, a);
    this.d.journal?.approval(a);
    this.version += 1;
    this.d.onQueued?.(a);
  }

  /** PRE_ANALYSIS and DECISION inputs of signals not yet sent. */
  private readonly pre = new Map<string, { pre: PreAnalysisDataDTO; decision: DecisionSnapshot | null }>();

  private send(a: Approval, status: 'APPROVED' | 'SENT', who: string, risk: RiskDecision & { approved: true }): void {
    const sig = a.signal;
    if (!this.d.killSwitch.allows('entry')) {
      this.decide(a, 'REJECTED', 'kill-switch', `kill switch is ${this.d.killSwitch.state}`);
      return;
    }
    let tr: TradeRecord;
    try {
      const b = this.d.venue.submitBracket({ side: sig.side === 'LONG' ? 'BUY' : 'SELL', qty: a.contracts, entryType: 'MARKET', stop: sig.stop, target: sig.target }, this.now());
      tr = this.openTrade(sig, 'paper', a.contracts, b.entry.id, b.stop.id, b.target.id);
      for (const o of [b.entry, b.stop, b.target]) this.d.journal?.order(o, tr.id);
    } catch (e) {
      if (!(e instanceof OrderError)) throw e;
      this.d.journal?.event('order.rejected', this.now(), { signalId: sig.id, message: e.message });
      this.decide(a, 'REJECTED', 'venue', e.message);
      return;
    }
    a.tradeId = tr.id;
    this.decide(a, status, who, status === 'SENT' ? 'AUTO: risk-approved' : 'approved by the trader');
    const p = this.pre.get(sig.id);
    this.pre.delete(sig.id);
    // Every signal that reaches send() was analysed in onSignal.
    if (p !== undefined) this.d.journal?.tradeSnapshot(tr.id, 'PRE_ANALYSIS', a.queuedAt, p.pre);
    this.d.journal?.tradeSnapshot(tr.id, 'DECISION', this.now(), {
      decision: p?.decision ?? null,
      approval: { status, who, when: this.now(), queuedAt: a.queuedAt, execution: a.execution, contracts: a.contracts, riskUsd: a.riskUsd, multiplier: risk.multiplier, reduced: risk.reduced },
    });
  }

  private decide(a: Approval, status: ApprovalStatus, who: string, why: string): void {
    a.status = status;
    a.who = who;
    a.why = why;
    a.decidedAt = this.now();
    this.approvals.delete(a.signal.id);
    if (status !== 'SENT' && status !== 'APPROVED') this.pre.delete(a.signal.id);
    this.resolved.unshift(a);
    if (this.resolved.length > RECENT_APPROVALS) this.resolved.pop();
    this.d.journal?.approval(a);
    this.version += 1;
  }

  /** A new trade: the next id, today's session, nothing filled or closed yet but what `filled` says. */
  private newTrade(
    base: Pick<TradeRecord, 'source' | 'signal' | 'plan' | 'kind' | 'qty' | 'entryOrderId' | 'stopOrderId' | 'targetOrderId'>,
    filled: Partial<Pick<TradeRecord, 'entryQty' | 'entryTs' | 'entryPrice'>> = {},
  ): TradeRecord {
    this.tradeSeq += 1;
    return {
      id: `T${this.tradeSeq}`,
      sessionId: this.day.sessionId,
      entryQty: 0,
      exitQty: 0,
      closeOrderIds: [],
      entryTs: null,
      entryPrice: null,
      exitTs: null,
      exitPrice: null,
      exitReason: null,
      pnlUsd: null,
      pnlTicks: null,
      commissionsUsd: 0,
      maeTicks: 0,
      mfeTicks: 0,
      cancelled: false,
      ...base,
      ...filled,
    };
  }

  private openTrade(sig: TradingSignal, kind: TradeRecord['kind'], qty: number, entry: string, stop: string, target: string): TradeRecord {
    const tr = this.newTrade({ source: 'method', signal: sig, plan: { side: sig.side, entry: sig.entry, stop: sig.stop, target: sig.target }, kind, qty, entryOrderId: entry, stopOrderId: stop, targetOrderId: target });
    this.trades.push(tr);
    const prefix = kind === 'would-be' ? 'W' : '';
    for (const id of [entry, stop, target]) this.tradeByOrder.set(prefix + id, tr);
    if (kind === 'paper') this.day.trades += 1;
    this.d.journal?.trade(tr);
    this.version += 1;
    return tr;
  }

  private onFill(f: Fill, kind: TradeRecord['kind']): void {
    const tr = this.tradeByOrder.get((kind === 'would-be' ? 'W' : '') + f.orderId) ?? null;
    if (kind === 'paper') {
      this.fills.push(f);
      this.portfolio.onFill(f);
      this.d.journal?.fill(f);
      const o = this.d.venue.order(f.orderId);
      if (o !== undefined) this.d.journal?.order(o, tr?.id ?? null);
      // OCA siblings changed state too.
      if (tr !== null) for (const id of [tr.entryOrderId, tr.stopOrderId, tr.targetOrderId]) if (id !== f.orderId) this.journalOrder(id, tr.id);
      this.version += 1;
    }
    if (tr === null) return;
    tr.commissionsUsd += f.commissionUsd;
    const dir = tr.plan.side === 'LONG' ? 1 : -1;
    if (f.role === 'entry') {
      // Each entry fill (a broker may fill in parts) moves the entry to the average of the fills so far.
      tr.entryTs ??= f.ts;
      tr.entryPrice = tr.entryPrice === null ? f.price : (tr.entryPrice * tr.entryQty + f.price * f.qty) / (tr.entryQty + f.qty);
      tr.entryQty += f.qty;
      const entry = tr.entryPrice;
      const q = this.quote;
      this.d.journal?.tradeSnapshot(tr.id, 'EXECUTION', f.ts, {
        fill: { orderId: f.orderId, price: f.price, ts: f.ts, qty: f.qty, slippageTicks: f.slippageTicks, commissionUsd: f.commissionUsd },
        filledQty: tr.entryQty,
        averagePrice: entry,
        signalEntry: tr.plan.entry,
        entryDriftTicks: (dir * (entry - tr.plan.entry)) / this.t,
        bid: q?.bid ?? null,
        ask: q?.ask ?? null,
        stop: tr.plan.stop,
        target: tr.plan.target,
        rewardRisk: Math.abs(tr.plan.target - entry) / Math.abs(entry - tr.plan.stop),
        riskTicks: Math.abs(entry - tr.plan.stop) / this.t,
      });
      this.d.journal?.trade(tr);
      if (tr.kind === 'paper' && tr.entryQty >= tr.qty) this.anchorAtm(tr);
      return;
    }
    // An exit: stop, target or a kill-switch close; the trade closes when every contract entered is out.
    if (tr.entryPrice === null || tr.exitTs !== null) return;
    const exitValue = (this.exitValue.get(tr.id) ?? 0) + f.price * f.qty;
    this.exitValue.set(tr.id, exitValue);
    tr.exitQty += f.qty;
    this.excursion(tr, f.price);
    if (tr.exitQty < tr.entryQty) {
      this.d.journal?.trade(tr);
      return;
    }
    this.exitValue.delete(tr.id);
    tr.exitTs = f.ts;
    tr.exitPrice = exitValue / tr.exitQty;
    tr.exitReason = f.role === 'stop' ? 'stop' : f.role === 'target' ? 'target' : (this.closeWhy.get((kind === 'would-be' ? 'W' : '') + f.orderId) ?? 'kill-switch');
    this.exiting.delete(tr.id);
    // A leg sent again on its own is in no OCA group with the other: the broker cancels neither when one fills.
    const legs = [tr.stopOrderId, tr.targetOrderId];
    if (legs.some((id) => this.standaloneLegs.has(id))) for (const id of legs) if (this.d.venue.cancel(id, 'the trade closed')) this.journalOrder(id, tr.id);
    tr.pnlTicks = (dir * (tr.exitPrice - tr.entryPrice)) / this.t;
    tr.pnlUsd = tr.pnlTicks * this.c.instrument.tickValueUsd * tr.entryQty - tr.commissionsUsd;
    const right = tr.exitReason === 'target' ? true : tr.exitReason === 'stop' ? false : tr.pnlTicks > 0;
    this.d.journal?.tradeSnapshot(tr.id, 'FINAL_RESULT', f.ts, {
      pnlUsd: tr.pnlUsd,
      pnlTicks: tr.pnlTicks,
      commissionsUsd: tr.commissionsUsd,
      exitPrice: tr.exitPrice,
      exitTs: f.ts,
      qty: tr.entryQty,
      exitReason: tr.exitReason,
      holdingMs: f.ts - tr.entryTs!,
      maeTicks: tr.maeTicks,
      mfeTicks: tr.mfeTicks,
      signalRight: right,
      /** How "right" was judged: the target or the stop reached first, else the sign of the P&L of a forced exit. */
      judgedBy: tr.exitReason === 'stop' || tr.exitReason === 'target' ? tr.exitReason : 'pnl',
    });
    this.d.journal?.trade(tr);
    if (tr.kind === 'paper') this.booked(tr);
  }

  /**
   * The broker's commission for a fill already booked (TWS COMMISSION_REPORT
   * after its execution): the fill, the portfolio's commissions (so the
   * day's P&L and equity), and its trade's commissions and net P&L take the
   * broker's figure, and the journal's rows follow. A closed trade's win or
   * loss for the day's counters is not judged again.
   */
  private onCommissionCorrected(c: CommissionCorrection): void {
    const i = this.fills.findIndex((f) => f.execId !== undefined && f.execId === c.fill.execId);
    if (i < 0) return;
    this.fills[i] = c.fill;
    this.portfolio.commissionsUsd += c.deltaUsd;
    this.d.journal?.fill(c.fill);
    const tr = this.tradeByOrder.get(c.fill.orderId);
    if (tr !== undefined) {
      tr.commissionsUsd += c.deltaUsd;
      if (tr.pnlUsd !== null) tr.pnlUsd -= c.deltaUsd;
      this.d.journal?.trade(tr);
    }
    this.version += 1;
  }

  /** A paper trade closed: daily counters, equity curve, the performance trigger. */
  private booked(tr: TradeRecord): void {
    const win = tr.pnlUsd! > 0;
    this.day.closed += 1;
    if (win) {
      this.day.wins += 1;
      this.day.consecutiveLosses = 0;
    } else {
      this.day.consecutiveLosses += 1;
      this.day.lastLossTs = tr.exitTs!;
      if (this.day.consecutiveLosses === this.c.risk.lossStreakPause) {
        this.d.journal?.event('risk.paused', tr.exitTs!, { consecutiveLosses: this.day.consecutiveLosses, until: tr.exitTs! + this.c.risk.pauseMs });
        this.d.alert?.('warning', `${this.day.consecutiveLosses} losses in a row: new entries paused for ${this.c.risk.pauseMs / 60_000} min`);
      }
    }
    this.equityCurve.push([tr.exitTs!, this.portfolio.equityUsd()]);
    const { closed, wins } = this.day;
    const r = this.c.risk;
    if (closed >= r.performanceMinTrades && wins / closed < r.performanceMinWinRate) {
      this.trip('performance', `win rate ${((100 * wins) / closed).toFixed(0)}% after ${closed} trades today (< ${100 * r.performanceMinWinRate}%)`, 'risk');
    }
  }

  private journalOrder(id: string, tradeId: string | null): void {
    const o = this.d.venue.order(id);
    if (o !== undefined) this.d.journal?.order(o, tradeId);
  }

  private onTickPrice(tick: TradeTick): void {
    this.quote = Number.isFinite(tick.bid) && Number.isFinite(tick.ask) ? { bid: tick.bid, ask: tick.ask } : null;
    this.afterPrices(tick.price, tick.price, tick.price);
  }

  private onBarPrices(bar: Bar): void {
    this.quote = null;
    this.afterPrices(bar.high, bar.low, bar.close);
  }

  /** Marks, excursions, approval expiry, loss triggers and the halt sequence after a record. */
  private afterPrices(high: number, low: number, last: number): void {
    this.lastPrice = last;
    this.portfolio.mark(last);
    for (const tr of this.openTrades()) {
      if (tr.entryPrice === null) continue;
      this.excursion(tr, high);
      this.excursion(tr, low);
    }
    this.expire(high, low);
    this.manage(last);
    this.lossTriggers();
    this.settleHalt();
    this.stepExits();
  }

  /**
   * The kill switch against what the venue says: REDUCING runs the halt
   * sequence; a position or working order while HALTED sends it back to
   * REDUCING. A switch HALTED awaiting the broker is confirmed flat by the
   * broker's own positions only (engine/live/manager.ts), never by this
   * run's venue, which may be the simulated one.
   */
  private settleHalt(): void {
    const ks = this.d.killSwitch.state;
    if (ks === 'REDUCING') this.reduce();
    else if (ks === 'HALTED' && (this.d.venue.position() !== 0 || this.d.venue.open().length > 0)) this.d.killSwitch.exposureSeen('exposure at the venue while HALTED');
  }

  private excursion(tr: TradeRecord, price: number): void {
    const dir = tr.plan.side === 'LONG' ? 1 : -1;
    const ticks = (dir * (price - tr.entryPrice!)) / this.t;
    if (ticks > tr.mfeTicks) tr.mfeTicks = ticks;
    if (ticks < tr.maeTicks) tr.maeTicks = ticks;
  }

  /** POSITION_UPDATE at a bar's close when the MAE or MFE moved. */
  private positionUpdate(tr: TradeRecord, ts: number): void {
    if (tr.entryPrice === null) return;
    const last = this.lastUpdate.get(tr.id);
    if (last !== undefined && last[0] === tr.maeTicks && last[1] === tr.mfeTicks) return;
    this.lastUpdate.set(tr.id, [tr.maeTicks, tr.mfeTicks]);
    const dir = tr.plan.side === 'LONG' ? 1 : -1;
    this.d.journal?.tradeSnapshot(tr.id, 'POSITION_UPDATE', ts, {
      price: this.lastPrice,
      maeTicks: tr.maeTicks,
      mfeTicks: tr.mfeTicks,
      unrealizedTicks: (dir * (this.lastPrice - tr.entryPrice)) / this.t,
      unrealizedUsd: ((dir * (this.lastPrice - tr.entryPrice)) / this.t) * this.c.instrument.tickValueUsd * (tr.entryQty - tr.exitQty),
    });
    this.version += 1;
  }

  private readonly lastUpdate = new Map<string, [number, number]>();
  /** Sum of price x contracts of a trade's exit fills while it is partly closed (points x contracts). */
  private readonly exitValue = new Map<string, number>();

  /**
   * Market time moved without a record (a driver's clock tick between bars,
   * or between trades): approvals past their time expire now, so the card
   * closes as EXPIRED when its countdown ends.
   */
  onClock(): void {
    for (const a of [...this.approvals.values()]) this.expireByTime(a);
  }

  /** Expires `a` if its time is up on the market clock; returns whether it did. */
  private expireByTime(a: Approval): boolean {
    if (this.now() < a.expiresAt) return false;
    this.decide(a, 'EXPIRED', 'expiry', `unanswered for ${(a.expiresAt - a.queuedAt) / 1000} s`);
    return true;
  }

  private expire(high: number, low: number): void {
    if (this.approvals.size === 0) return;
    const reach = (this.c.approvalExpiryTicks ?? DEFAULT_EXPIRY_TICKS) * this.t - 1e-9;
    for (const a of [...this.approvals.values()]) {
      if (this.expireByTime(a)) continue;
      if (high >= a.signal.entry + reach || low <= a.signal.entry - reach) {
        this.decide(a, 'EXPIRED', 'expiry', `price moved ${this.c.approvalExpiryTicks ?? DEFAULT_EXPIRY_TICKS} ticks from the entry ${a.signal.entry}`);
      }
    }
  }

  private lossTriggers(): void {
    const r = this.c.risk;
    const daily = this.dailyPnlUsd();
    if (!this.day.warned && dailyLossWarning(daily, r)) {
      this.day.warned = true;
      this.d.journal?.event('risk.warning', this.now(), { dailyPnlUsd: daily, limitUsd: r.dailyLossLimitUsd });
      this.d.alert?.('warning', `Daily loss ${(-daily).toFixed(2)} USD is ${Math.round((100 * -daily) / r.dailyLossLimitUsd)}% of the ${r.dailyLossLimitUsd} USD limit`);
    }
    if (-daily >= r.dailyLossLimitUsd) this.trip('daily-loss', `daily loss ${(-daily).toFixed(2)} USD reached the ${r.dailyLossLimitUsd} USD limit`, 'risk');
    const a = this.account();
    const dd = a.peakEquityUsd - a.equityUsd;
    if (dd >= r.maxDrawdownShare * a.peakEquityUsd) {
      const of = a.source === 'broker' ? "of the broker's peak net liquidation value" : 'of peak equity';
      this.trip('max-drawdown', `drawdown ${dd.toFixed(2)} USD is ${((100 * dd) / a.peakEquityUsd).toFixed(1)}% ${of}`, 'risk');
    }
  }

  private globalCancelSent = false;

  private onKillSwitch(s: KillSwitchStatus): void {
    this.version += 1;
    if (s.state !== 'ACTIVE') {
      // The halt sequence takes over whatever a flatten or an exit had begun.
      if (this.flattening !== null) this.d.journal?.event('flatten.done', this.now(), { who: this.flattening.who, why: this.flattening.why, outcome: `the kill switch is ${s.state}` });
      this.flattening = null;
      this.exiting.clear();
    }
    if (s.state === 'REDUCING') this.reduce();
  }

  /**
   * The halt sequence (section 12): refuse what is queued, cancel every
   * working order (entries first), close the position with a market order,
   * and report flat only when the venue shows no position and no working
   * order. Called again on every record until then: a close the venue
   * refused is sent again; one still working is waited for.
   */
  private reduce(): void {
    for (const a of [...this.approvals.values()]) this.decide(a, 'REJECTED', 'kill-switch', 'kill switch tripped');
    const venue = this.d.venue;
    const working = venue.open().filter((o) => o.role !== 'close');
    // A broker gets one global cancel (every working order of the account, also those placed outside the workstation).
    if (working.length > 0 && venue.globalCancel !== undefined && !this.globalCancelSent) {
      venue.globalCancel();
      this.globalCancelSent = true;
      this.d.journal?.event('kill-switch.global-cancel', this.now(), { working: working.length });
    }
    for (const o of [...working.filter((x) => x.role === 'entry'), ...working.filter((x) => x.role !== 'entry')]) {
      if (venue.cancel(o.id, 'kill switch')) this.journalOrder(o.id, this.tradeByOrder.get(o.id)?.id ?? null);
    }
    this.markCancelledEntries();
    const qty = venue.position();
    const closing = venue.open().some((o) => o.role === 'close');
    if (qty !== 0 && !closing) {
      this.closeAttempts += 1;
      try {
        const tr = this.openTrades().find((t) => t.kind === 'paper' && t.entryPrice !== null) ?? null;
        const o = this.closeAtMarket(tr, qty > 0 ? 'SELL' : 'BUY', Math.abs(qty), 'kill-switch');
        this.d.journal?.event('kill-switch.close', this.now(), { orderId: o.id, qty, attempt: this.closeAttempts });
      } catch (e) {
        if (!(e instanceof OrderError)) throw e;
        this.d.journal?.event('order.rejected', this.now(), { role: 'close', qty, attempt: this.closeAttempts, message: e.message });
        this.d.alert?.('critical', `Closing order refused (attempt ${this.closeAttempts}): ${e.message}; retrying`);
      }
    }
    // Flat is the venue's word: a broker's only once it answered the positions request of its connection.
    if (this.venueFlat()) {
      this.closeAttempts = 0;
      this.globalCancelSent = false;
      this.d.killSwitch.confirmFlat();
    }
    this.version += 1;
  }
}
