/**
 * The execution path's vocabulary (architecture.md, "Layout"): approvals,
 * trade records, the five trade snapshots with their typed payloads, the
 * run's journaled event kinds, and the journal port the execution path
 * writes to. engine/execution/trader.ts produces them; the journal, the
 * DTO mappers and the recorded-session checker read them.
 */
import type { ExitReasonDTO, TradeSnapshotDataDTO } from '../contract.js';
import type { TradingSignal } from '../method/decision.js';
import type { Fill, Order } from '../venue/orders.js';

/** MANUAL: each signal waits for the trader. AUTO: risk-approved signals go straight out. */
export type ExecutionMode = 'MANUAL' | 'AUTO';

/**
 * PENDING waits for the trader; APPROVED and SENT (AUTO) went out; REJECTED
 * by the trader or by the risk check at approval time; EXPIRED unanswered;
 * REFUSED by the risk check before it was queued.
 */
export type ApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED' | 'SENT' | 'REFUSED';

/** A signal on its way to the venue, and the decision about it. */
export interface Approval {
  readonly signal: TradingSignal;
  readonly execution: ExecutionMode;
  /** Market time it was queued and when it expires, Unix ms. */
  readonly queuedAt: number;
  readonly expiresAt: number;
  status: ApprovalStatus;
  /** Who decided: 'trader', 'auto', 'risk', 'expiry', 'kill-switch'. */
  who: string | null;
  why: string | null;
  decidedAt: number | null;
  contracts: number;
  riskUsd: number;
  tradeId: string | null;
}

/** How a trade ended (the contract's vocabulary, engine/contract.ts ExitReasonDTO). */
export type ExitReason = ExitReasonDTO;

/** Where a trade came from: the method's signal, a broker position the trader adopted (issue 16), or the trader's own order (issue 18). */
export type TradeSource = 'method' | 'adopted' | 'manual';

/** What a trade set out to do: its side, the entry it planned and its stop and target, points. */
export interface TradePlan {
  readonly side: 'LONG' | 'SHORT';
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
}

/** One trade: a bracket from its signal (or an adopted position) to its exit. Prices points, P&L USD. */
export interface TradeRecord {
  readonly id: string;
  readonly source: TradeSource;
  /** The method's signal it trades; null for an adopted position. */
  readonly signal: TradingSignal | null;
  /**
   * The signal's side, entry, stop and target; an adopted position's side,
   * average price and the protection the trader gave it; a manual order's
   * price and its bracket. A stop or target moved since (a drag on the chart,
   * breakeven, trailing) replaces it: the plan is the protection in force.
   */
  plan: TradePlan;
  /** 'paper' went to the venue; 'would-be' is a DATA_COLLECTION signal's outcome (no order). */
  readonly kind: 'paper' | 'would-be';
  /** The trading day (session id) it was opened in. */
  readonly sessionId: string | null;
  /** Contracts ordered. */
  readonly qty: number;
  /** Contracts filled at entry so far (a broker may fill an order in parts); `entryPrice` is their average, points. */
  entryQty: number;
  /** Contracts closed so far; the trade is closed (`exitTs` set) once they equal `entryQty`. */
  exitQty: number;
  readonly entryOrderId: string;
  /** The trade's stop and target now: a leg the broker refused and that was sent again is replaced by the new order. */
  stopOrderId: string;
  targetOrderId: string;
  readonly closeOrderIds: string[];
  /** The first entry fill's time, Unix ms. */
  entryTs: number | null;
  entryPrice: number | null;
  /** The last exit fill's time, Unix ms; set when the trade is closed. */
  exitTs: number | null;
  /** The exit fills' average price, points; set when the trade is closed. */
  exitPrice: number | null;
  exitReason: ExitReason | null;
  /** Net of both sides' commissions. */
  pnlUsd: number | null;
  /** Per contract, before commissions. */
  pnlTicks: number | null;
  commissionsUsd: number;
  /** Worst and best excursion from the entry fill, ticks (MAE <= 0 <= MFE). */
  maeTicks: number;
  mfeTicks: number;
  /** Set when the trade was cancelled before its entry filled. */
  cancelled: boolean;
}

/** The signal id a trade is journaled under: its signal's, else `ADOPTED-<trade id>` or `MANUAL-<trade id>`. */
export function tradeSignalId(t: TradeRecord): string {
  return t.signal?.id ?? `${tradeSetup(t)}-${t.id}`;
}

/** The setup a trade is journaled and shown under: its signal's, else ADOPTED or MANUAL. */
export function tradeSetup(t: TradeRecord): string {
  return t.signal?.setup ?? (t.source === 'manual' ? 'MANUAL' : 'ADOPTED');
}

/**
 * The five snapshot kinds of a trade (issue 4, item 5) and their payloads:
 * the contract's types (engine/contract.ts `TradeSnapshotDataDTO`), so what
 * the trader journals is what the windows read, checked by the compiler.
 */
export type TradeSnapshotKind = keyof TradeSnapshotDataDTO;

/** The payload of a snapshot of kind K. */
export type TradeSnapshotData<K extends TradeSnapshotKind> = TradeSnapshotDataDTO[K];

/**
 * What a run journals as a run event (the run_events table): kill-switch
 * changes, MANUAL/AUTO and mode changes, the risk check's refusals,
 * reductions, pauses and warnings, refused orders, the broker link lost, the
 * kill switch's global cancel and closing orders, gamma levels cleared.
 * Recorded sessions replay some of them (engine/store/history.ts runScript).
 */
export type RunEventKind =
  | 'kill-switch'
  | 'execution.toggled'
  | 'mode.changed'
  | 'risk.rejected'
  | 'risk.reduced'
  | 'risk.paused'
  | 'risk.warning'
  | 'order.rejected'
  /** A protective leg the broker refused, sent again on its own. */
  | 'order.retried'
  /** A leg refused twice: the trade is closed at market. */
  | 'order.unprotected'
  /** A broker position the trader adopted: a trade of the run now, protected by a stop and a target. */
  | 'position.taken-over'
  | 'venue.disconnected'
  /** Contracts the broker held that no trade accounted for, taken into the book (a reconcile while LIVE). */
  | 'position.adopted'
  /** The day's results of earlier live runs, carried into this run's daily limits. */
  | 'risk.carried'
  /** The trader's own order (ladder, chart, Reverse), sent with its bracket. */
  | 'order.manual'
  /** A working order's price moved: by the trader (a drag) or by position management. */
  | 'order.modified'
  /** The trader cancelled one order, or every working order. */
  | 'order.cancelled'
  | 'orders.cancelled'
  /** Flatten (the trader's, or before the session's end): every order cancelled and the position closed, the platform left armed. */
  | 'flatten.start'
  | 'flatten.done'
  /** Reverse: flattened, then the opposite position entered. */
  | 'reverse.start'
  /** A trade closed at market by position management (time exit). */
  | 'position.exit'
  /** A multi-contract series moved to the next contract (issue 19): the method restarted, any position closed at the old contract's last price. */
  | 'contract.rolled'
  | 'kill-switch.global-cancel'
  | 'kill-switch.close'
  | 'gamma.cleared';

/** Where the execution path journals (RunJournal in the engine; stubs in tests). */
export interface ExecutionJournal {
  approval(a: Approval): void;
  order(o: Order, tradeId: string | null): void;
  /** A fill; the same broker execution again (same `execId`) corrects its commission. */
  fill(f: Fill): void;
  trade(t: TradeRecord): void;
  tradeSnapshot<K extends TradeSnapshotKind>(tradeId: string, kind: K, ts: number, data: TradeSnapshotData<K>): void;
  event(kind: RunEventKind, ts: number, detail: Record<string, unknown>): void;
}

/**
 * The trading day so far before this run (issue 16): what the journal's other
 * live runs of the same session did, so a restart or a new live run does not
 * start the daily limits over. USD, Unix ms.
 */
export interface DayCarry {
  /** Net P&L of the trades closed earlier today, commissions included. */
  readonly pnlUsd: number;
  /** The highest that net P&L stood after any of those trades, 0 or more (the day's peak for the drawdown rule). */
  readonly peakPnlUsd: number;
  /** Trades entered earlier today. */
  readonly trades: number;
  /** Trades closed earlier today, and how many of them won. */
  readonly closed: number;
  readonly wins: number;
  /** Losses in a row at the end of earlier today's closed trades, and when the last of them closed. */
  readonly consecutiveLosses: number;
  readonly lastLossTs: number;
}

/**
 * The account's equity as the drawdown rule reads it (issue 16), USD:
 * 'broker' is the broker's own net liquidation value and the high-water
 * mark of its readings; 'run' is the run's book (the starting equity plus
 * the day carried in and the run's P&L).
 */
export interface AccountEquity {
  readonly equityUsd: number;
  readonly peakEquityUsd: number;
  readonly source: 'broker' | 'run';
}
