/**
 * The whole renderer <-> engine contract (architecture.md, "Contracts"):
 * `EngineApi` (RPC over comlink), `EngineEvent` (the batched event stream)
 * and their DTOs. Type-only: the renderer imports it with `import type`.
 *
 * Every value here is structured-clone and JSON safe: numbers, strings,
 * booleans, null, arrays and plain objects; times are Unix ms numbers; a
 * level that does not exist yet is null (never NaN, which JSON cannot carry).
 *
 * [Note: transports] The same two channels run over Electron MessagePorts
 * (main hands them out) or over one WebSocket in the headless shell, where
 * every frame is a `WireFrame`. Nothing else names a channel or a message.
 */

/** Bar timeframes. */
export type TimeframeDTO = '1m' | '5m' | '15m' | '1h';

/** Replay speeds: market time per wall time, or as fast as possible. */
export type ReplaySpeedDTO = 1 | 5 | 25 | 100 | 'max';

/** Data file formats the engine replays ('depth': Sierra Chart's trades with market depth as text). */
export type FeedFormatDTO = 'scid' | 'csv' | 'jsonl' | 'depth';

/** A completed or forming bar. Prices in points, volumes in contracts, `ts` its open time. */
export interface BarDTO {
  ts: number;
  tf: TimeframeDTO;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Volume that hit the bid (sell aggressor). */
  bidVolume: number;
  /** Volume that lifted the ask (buy aggressor). */
  askVolume: number;
  /** askVolume - bidVolume. */
  delta: number;
  trades: number;
  hasOrderFlow: boolean;
}

/** Session levels at a bar's close, in points; null while undefined. */
export interface LevelsDTO {
  sessionId: string;
  vwap: number | null;
  /** Volume-weighted standard deviation; bands are vwap +- k * vwapSigma, k = 1, 2, 3. */
  vwapSigma: number | null;
  poc: number | null;
  vah: number | null;
  val: number | null;
  pPoc: number | null;
  pVah: number | null;
  pVal: number | null;
  sessionHigh: number | null;
  sessionLow: number | null;
}

/** A session as it stood at its last bar. */
export interface SessionDTO {
  /** Trade date, YYYY-MM-DD. */
  id: string;
  kind: 'globex' | 'rth';
  startTs: number;
  endTs: number;
  bars: number;
  volume: number;
  high: number;
  low: number;
  vwap: number | null;
  vwapSigma: number | null;
  poc: number | null;
  vah: number | null;
  val: number | null;
}

/** One rejected record. */
export interface RejectionDTO {
  file: string;
  location: string;
  field: string;
  reason: string;
  message: string;
}

/** Trade direction. */
export type SideDTO = 'LONG' | 'SHORT';

/** Confluence grades (battle-navale.md section 7), weakest first. */
export type GradeDTO = 'NO_TRADE' | 'WEAK' | 'STRONG' | 'PREMIUM';

/** Market regimes (section 9). */
export type RegimeDTO = 'TREND_BULL' | 'TREND_BEAR' | 'RANGE' | 'TRANSITION';

/** Battle status (section 5). */
export type BattleStatusDTO = 'VIKINGS_WINNING' | 'DEFENDERS_WINNING' | 'BALANCED_FIGHT' | 'NO_BATTLE' | 'BATTLE_WON';

/** The Battle Navale method's state at a bar's close (sections 1-9), for the side panel. */
export interface AnalysisDTO {
  /** Open time of the bar. */
  ts: number;
  /** Battle balance b, -1 (Defenders) .. +1 (Vikings). */
  balance: number;
  vikings: number;
  defenders: number;
  status: BattleStatusDTO;
  /** Battle Navale signal s, -1..1, and its candidate side. */
  s: number;
  candidate: SideDTO | null;
  /** Trend continuation tc, -1..1, and the golden-rule state it comes from. */
  tc: number;
  goldenRule: string;
  goldenRuleViolated: boolean;
  governingBaseId: number | null;
  /** Governing base quality, 0..1 (0 without one). */
  baseQuality: number;
  regime: RegimeDTO;
  /** Trend strength, 0..1. */
  regimeStrength: number;
  /** Confluence 0..1 for `confluenceSide`, its grade and the features (each 0..1) it sums. */
  confluence: number;
  grade: GradeDTO;
  confluenceSide: SideDTO;
  features: Record<string, number>;
  /** Inputs that were missing (their features are neutral). */
  missingInputs: string[];
}

/** A confirmed base (section 2). Prices in points; times are bar open times. */
export interface BaseDTO {
  id: number;
  startTs: number;
  endTs: number;
  confirmedTs: number;
  bars: number;
  high: number;
  low: number;
  type: 'GREEN' | 'RED' | 'NEUTRAL';
  quality: number;
  rating: 'EXCELLENT' | 'GOOD' | 'AVERAGE' | 'POOR' | 'INVALID';
  qualified: boolean;
}

/** The bar that violated the governing base ("rouge sous verte", section 3). */
export interface BaseViolationDTO {
  baseId: number;
  /** Open time of the violating bar. */
  ts: number;
  /** Its close, points. */
  price: number;
}

/** A Battle Navale trading signal (section 10). Prices in points. */
export interface SignalDTO {
  id: string;
  /** Open time of the bar that fired it. */
  ts: number;
  /** Its close: when the signal was emitted. */
  tsEvent: number;
  side: SideDTO;
  setup: string;
  /** Chart label, e.g. "BN STRONG", "VAL rej WEAK". */
  label: string;
  reason: string;
  entry: number;
  stop: number;
  target: number;
  rewardRisk: number;
  /** 0..1. */
  confidence: number;
  confluence: number;
  grade: GradeDTO;
  regime: RegimeDTO;
  battle: {
    b: number;
    tc: number;
    q: number;
    s: number;
    status: BattleStatusDTO;
    battleStrength: number;
    /** Battle Navale confidence (section 5) for the signal's side. */
    confidence: number;
    goldenRule: string;
    baseId: number | null;
    baseRating: string | null;
  };
  features: Record<string, number>;
  missingInputs: string[];
}

/** SPX gamma levels of a loaded chain (section 6), and the same levels on ES. */
export interface GammaDTO {
  /** Chain file name and snapshot date (YYYY-MM-DD). */
  source: string;
  date: string;
  /** SPX at the snapshot, points. */
  spot: number;
  /** ES - SPX, points, as the trader set it. */
  basisPoints: number;
  /** USD per 1% move. */
  netGex: number;
  /** SPX points. */
  callWall: number;
  putWall: number;
  zeroGamma: number | null;
  /** The same, ES points (SPX + basis). */
  es: { callWall: number; putWall: number; zeroGamma: number | null };
  /** GEX (USD per 1% move) over the SPX spot grid. */
  profile: { spot: number; gex: number }[];
  /** What the levels assume (dealer positioning, formula). */
  assumptions: string[];
}

/** How to load an option chain: one file, or a folder of dated chains (each applies from its snapshot time on). */
export interface LoadChainRequest {
  path: string;
  /** ES - SPX, points; default 0. */
  basisPoints?: number;
}

/** States of the replay. */
export type ReplayStateDTO = 'idle' | 'loading' | 'paused' | 'playing' | 'ended' | 'error';

/** What the replay is doing; sent on every change and a few times a second while playing. */
export interface ReplayStatusDTO {
  /**
   * Numbers the engine's statuses in the order it made them (all runs and
   * the idle state share one count): a window shows the newest it has, from
   * an event or from an RPC's answer, whichever arrives first.
   */
  seq: number;
  state: ReplayStateDTO;
  speed: ReplaySpeedDTO;
  /** Basename of the file, null when idle. */
  file: string | null;
  /** The data file's full path, to open it again (null when idle, for a live run or a recorded session). */
  path: string | null;
  /** The NQ bar file opened beside it for es_nq_correlation (OpenReplayRequest.nqPath), null without one. */
  nqPath: string | null;
  format: FeedFormatDTO | null;
  timeframe: TimeframeDTO;
  /** Market time of the replay (Unix ms), null before the first record. */
  marketTs: number | null;
  /** Zone the market clock is shown in. */
  timeZone: string;
  barsProcessed: number;
  /** Completed bars per wall second over the last second. */
  barsPerSecond: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** The error that stopped the replay, when state is 'error'. */
  error: string | null;
  /** Journal run id of this replay, null when idle. */
  runId: number | null;
  /** Battle Navale signals emitted so far. */
  signals: number;
  /** The recorded session being replayed, null for a file replay or when idle. */
  recorded: RecordedStatusDTO | null;
  /** A live run (issue 6): market time is the wall time and play, pause, step and speed do not apply. */
  live: boolean;
}

/**
 * A recorded session's replay cursor and how its replay compares with the
 * journal (engine/run/recorded.ts, [Note: recorded sessions]).
 */
export interface RecordedStatusDTO {
  runId: number;
  /** Trade date, YYYY-MM-DD. */
  sessionId: string;
  /** 'file': the run's own data file; 'journal': its journaled bars (the file is gone or changed). */
  source: 'file' | 'journal';
  /** Open of the session's first bar and end of its last, Unix ms. */
  startTs: number;
  endTs: number;
  /** Bars of the session shown: the cursor (0 before the first). */
  bar: number;
  /** Bars in the session. */
  bars: number;
  /** Journaled signals up to the cursor (plus replayed ones the journal lacks), and how many matched exactly. */
  signalsChecked: number;
  signalsMatched: number;
  /** Journaled trades entered by the cursor, and how many matched (entry, then exit and P&L). */
  tradesChecked: number;
  tradesMatched: number;
  /** The first differences, in plain words. */
  differences: string[];
  differenceCount: number;
  /** Checkpoints held of the session's state (issue 19): a step back starts from the latest at or before its bar, not from the run's first record. */
  checkpoints: number;
}

/** One closed session of a recorded run (the Sessions view, `mia sessions --json`). */
export interface RecordedSessionDTO {
  runId: number;
  sessionId: string;
  sessionKind: string;
  runKind: 'backtest' | 'replay' | 'live';
  source: string;
  format: string | null;
  symbol: string;
  timeframe: string;
  mode: string | null;
  execution: string | null;
  /** Unix ms. */
  startTs: number;
  endTs: number;
  bars: number;
  trades: number;
  netPnlUsd: number;
  signals: number;
  alerts: number;
  /** Wall time the run was recorded, Unix ms. */
  recordedAt: number;
  /** running | completed | stopped | failed | interrupted (the engine stopped during the run: found at the next start). */
  runStatus: string;
  /** The session was cut short: the last session of a run the engine did not finish (issue 16). */
  partial: boolean;
}

/** A mark on the replay timeline: its time and kind only, never its side, price or outcome. */
export interface TimelineMarkDTO {
  ts: number;
  kind: 'signal' | 'trade' | 'alert';
  /** Signal id (signals, trades) or the alert's event kind. */
  ref: string;
  /** The cursor (session bars shown) at which the mark is first visible. */
  bar: number;
}

/** The open recorded session's timeline. */
export interface TimelineDTO {
  runId: number;
  sessionId: string;
  startTs: number;
  endTs: number;
  /** Open time of each of the session's bars, Unix ms. */
  barTs: number[];
  marks: TimelineMarkDTO[];
}

/**
 * Levels around price, points; null where undefined: a signal's (with the
 * gamma levels, engine/method/decision.ts SignalLevels) or a session's.
 */
export interface SignalLevelsDTO {
  readonly vwap: number | null;
  readonly vwapSigma: number | null;
  readonly poc: number | null;
  readonly vah: number | null;
  readonly val: number | null;
  readonly pPoc: number | null;
  readonly pVah: number | null;
  readonly pVal: number | null;
  readonly callWall?: number | null;
  readonly putWall?: number | null;
  readonly zeroGamma?: number | null;
  readonly netGex?: number | null;
}

/** The regime as journaled (battle-navale.md section 9): strength 0..1, Dow structure, VWAP slope in points over 10 bars. */
export interface RegimeStateDTO {
  readonly regime: string;
  readonly strength: number;
  readonly structure: { readonly direction: -1 | 0 | 1; readonly share: number };
  readonly vwapSlope: number;
}

/** A base as a DECISION snapshot holds it (section 2). Prices points. */
export interface SnapshotBaseDTO {
  readonly id: number;
  readonly rating: string;
  readonly type: string;
  readonly low: number;
  readonly high: number;
  readonly quality: number;
  readonly breakout: 'up' | 'down';
}

/**
 * The method's DECISION snapshot (engine/method/snapshot.ts), as much of it
 * as the windows read: features 0..1 with their weights, confluence and
 * grade, the battle (sections 1-5), the regime and the levels. Non-finite
 * numbers were journaled as null.
 */
export interface MethodDecisionDataDTO {
  readonly kind: 'DECISION';
  readonly version: number;
  readonly features: Readonly<Record<string, number>>;
  readonly confluence: number;
  readonly grade: string;
  readonly config: { readonly weights: Readonly<Record<string, number>> };
  readonly battle: {
    readonly balance: { readonly balance: number; readonly vikings: number; readonly defenders: number; readonly deltaRatio: number | null };
    readonly signal: { readonly s: number; readonly status: string };
    readonly tc: number;
    readonly goldenRule: string;
    readonly bases: { readonly governing: SnapshotBaseDTO | null; readonly violated: boolean };
  };
  readonly regime: RegimeStateDTO;
  readonly levels: {
    readonly session: SignalLevelsDTO | null;
    readonly gamma: { readonly callWall: number; readonly putWall: number; readonly zeroGamma: number | null } | null;
  };
}

/** PRE_ANALYSIS: the market and the account when the signal was emitted. Prices points, P&L USD. */
export interface PreAnalysisDataDTO {
  readonly ts: number;
  readonly price: number;
  /** The bar that fired the signal (open time Unix ms, prices points, volume contracts). */
  readonly bar: { readonly ts: number; readonly open: number; readonly high: number; readonly low: number; readonly close: number; readonly volume: number };
  /** ATR14 in points; null before 15 bars. */
  readonly atr14Points: number | null;
  readonly sessionPhase: string;
  readonly regime: RegimeStateDTO;
  readonly levels: SignalLevelsDTO;
  readonly battle: { readonly balance: number; readonly signal: number; readonly candidate: 'LONG' | 'SHORT' | null; readonly goldenRule: string };
  /** Signed contracts held. */
  readonly position: number;
  readonly dailyPnlUsd: number;
  readonly killSwitch: KillSwitchDTO['state'];
}

/** Who decided a signal and how (a trade's DECISION). */
export interface ApprovalDecisionDTO {
  /** APPROVED, SENT (AUTO), or 'would-be' for a DATA_COLLECTION signal. */
  readonly status: string;
  readonly who: string;
  readonly why?: string;
  /** Market time of the decision and of the queueing, Unix ms. */
  readonly when?: number;
  readonly queuedAt?: number;
  readonly execution?: ExecutionDTO;
  readonly contracts?: number;
  readonly riskUsd?: number;
  /** Section 12's size multiplier. */
  readonly multiplier?: number;
  /** Why the size was reduced, in words. */
  readonly reduced?: readonly string[];
}

/** A trade's DECISION: the method's snapshot (null when it was not built) and the approval. */
export interface TradeDecisionDataDTO {
  readonly decision: MethodDecisionDataDTO | null;
  readonly approval: ApprovalDecisionDTO;
}

/** EXECUTION: one entry fill, the average so far, and what it means against the signal. Prices points. */
export interface ExecutionDataDTO {
  readonly fill: { readonly orderId: string; readonly price: number; readonly ts: number; readonly qty: number; readonly slippageTicks: number; readonly commissionUsd: number };
  /** Contracts filled at entry so far, and their average price. */
  readonly filledQty: number;
  readonly averagePrice: number;
  readonly signalEntry: number;
  /** Ticks the average entry is worse (+) or better (-) than the signal's. */
  readonly entryDriftTicks: number;
  readonly bid: number | null;
  readonly ask: number | null;
  readonly stop: number;
  readonly target: number;
  readonly rewardRisk: number;
  readonly riskTicks: number;
}

/** POSITION_UPDATE at a bar's close: the excursion so far. */
export interface PositionUpdateDataDTO {
  readonly price: number;
  readonly maeTicks: number;
  readonly mfeTicks: number;
  readonly unrealizedTicks: number;
  readonly unrealizedUsd: number;
}

/**
 * How a trade ended: its stop or target filled; closed at market by the kill
 * switch, by the trader's Flatten or Reverse ('flatten'), by the time exit or
 * the flatten before the session's end (issue 18), at the last price of its
 * contract when a multi-contract backtest moves to the next ('contract-roll',
 * issue 19), or because the broker refused its stop or target twice
 * ('unprotected', issue 16).
 */
export type ExitReasonDTO = 'stop' | 'target' | 'kill-switch' | 'unprotected' | 'flatten' | 'time-exit' | 'session-end' | 'contract-roll';

/** FINAL_RESULT: the closed trade. P&L USD net of commissions. */
export interface FinalResultDataDTO {
  readonly pnlUsd: number;
  readonly pnlTicks: number;
  readonly commissionsUsd: number;
  readonly exitPrice: number;
  readonly exitTs: number;
  readonly qty: number;
  readonly exitReason: ExitReasonDTO;
  readonly holdingMs: number;
  readonly maeTicks: number;
  readonly mfeTicks: number;
  /** The target reached first (or a forced exit in profit). */
  readonly signalRight: boolean;
  /** How "right" was judged: the target or the stop reached first, else the sign of the P&L of a forced exit. */
  readonly judgedBy: 'stop' | 'target' | 'pnl';
}

/** The payload of each trade snapshot kind. */
export interface TradeSnapshotDataDTO {
  PRE_ANALYSIS: PreAnalysisDataDTO;
  DECISION: TradeDecisionDataDTO;
  EXECUTION: ExecutionDataDTO;
  POSITION_UPDATE: PositionUpdateDataDTO;
  FINAL_RESULT: FinalResultDataDTO;
}

/**
 * One snapshot of a signal's or trade's story (battle-navale.md section 13;
 * engine/execution/trader.ts), as journaled. A signal with no trade has its
 * method DECISION only.
 */
export type SnapshotDTO =
  | { kind: 'PRE_ANALYSIS'; ts: number; data: PreAnalysisDataDTO }
  | { kind: 'DECISION'; ts: number; data: TradeDecisionDataDTO | MethodDecisionDataDTO }
  | { kind: 'EXECUTION'; ts: number; data: ExecutionDataDTO }
  | { kind: 'POSITION_UPDATE'; ts: number; data: PositionUpdateDataDTO }
  | { kind: 'FINAL_RESULT'; ts: number; data: FinalResultDataDTO };

/** What the inspector shows for a signal, as known at the replay cursor. */
export interface SignalStoryDTO {
  runId: number;
  signal: { id: string; ts: number; tsEvent: number; side: string; setup: string; grade: string; entry: number; stop: number; target: number; confidence: number; mode: string };
  /** Its trade; exit, P&L and MAE/MFE stay null until the cursor passes the exit. */
  trade: {
    id: string;
    kind: string;
    entryTs: number | null;
    entryPrice: number | null;
    exitTs: number | null;
    exitPrice: number | null;
    exitReason: string | null;
    pnlUsd: number | null;
    maeTicks: number | null;
    mfeTicks: number | null;
  } | null;
  /** Snapshots stamped at or before the cursor, in order. */
  snapshots: SnapshotDTO[];
}

/** A backup archive in the backup folder. */
export interface BackupArchiveDTO {
  path: string;
  name: string;
  bytes: number;
  /** When it was written, Unix ms. */
  createdAt: number;
}

/** The backup settings and what the backup folder holds. */
export interface BackupStateDTO {
  folder: string;
  /** Archives kept; older ones are deleted after each backup. */
  keep: number;
  /** The scheduled daily backup. */
  daily: boolean;
  /** Wall time of the last backup, Unix ms. */
  lastBackupAt: number | null;
  archives: BackupArchiveDTO[];
}

/** A finished backup. */
export interface BackupResultDTO {
  archive: BackupArchiveDTO;
  /** Wall ms it took. */
  ms: number;
  /** Rows per table in the archived journal. */
  rows: Record<string, number>;
  /** Archives deleted by retention. */
  deleted: string[];
}

/** A finished restore: the engine runs on the restored journal, HALTED. */
export interface RestoreResultDTO {
  archive: string;
  /** Where the replaced journal was kept. */
  replacedKeptAt: string | null;
  schemaVersion: number;
  ms: number;
}

/** A market-data file the engine can open. */
export interface DataFileDTO {
  path: string;
  name: string;
  format: FeedFormatDTO;
  bytes: number;
}

/** How to open a replay. */
export interface OpenReplayRequest {
  path: string;
  /** Timeframe of bars built from ticks; default 1m. */
  timeframe?: TimeframeDTO;
  /** Zone of zone-less CSV timestamps; default America/New_York. */
  timeZone?: string;
  /** Levels per Globex (default) or RTH session. */
  sessionKind?: 'globex' | 'rth';
  /**
   * Open paused at this market time (Unix ms) instead of the file's start:
   * the records before it are processed unseen and the window loads what
   * they showed from the snapshot (the window reopening a replay where it
   * was after the engine was restarted).
   */
  resumeAt?: number;
  /**
   * An NQ bar file over the same times (CSV or JSONL at the same timeframe
   * or finer), for es_nq_correlation (battle-navale.md section 7); neutral
   * without one.
   */
  nqPath?: string;
}

/** Engine liveness and identity. */
export interface HeartbeatDTO {
  /** Engine wall time, Unix ms. */
  ts: number;
  pid: number;
  version: string;
  dataDir: string;
}

/** Everything a newly connected window needs to draw the current replay. */
export interface ReplaySnapshotDTO {
  status: ReplayStatusDTO;
  bars: BarDTO[];
  /** levels[i] belongs to bars[i]. */
  levels: (LevelsDTO | null)[];
  forming: { bar: BarDTO; levels: LevelsDTO | null } | null;
  sessions: SessionDTO[];
  rejections: RejectionDTO[];
  /** The method's state at the last bar, null before any. */
  analysis: AnalysisDTO | null;
  signals: SignalDTO[];
  /** Confirmed bases, oldest first. */
  bases: BaseDTO[];
  violations: BaseViolationDTO[];
  gamma: GammaDTO | null;
}

/** Operating mode (battle-navale.md section 11). */
export type ModeDTO = 'DATA_COLLECTION' | 'PAPER' | 'LIVE';

/** MANUAL: each signal waits for approval; AUTO: risk-approved signals go out at once. */
export type ExecutionDTO = 'MANUAL' | 'AUTO';

/** The kill switch (section 12). Times Unix ms. */
export interface KillSwitchDTO {
  readonly state: 'ACTIVE' | 'REDUCING' | 'HALTED';
  /** manual, daily-loss, max-drawdown, critical-error, broker-lost, stale-data, performance. */
  readonly trigger: string | null;
  readonly detail: string | null;
  readonly trippedAt: number | null;
  /** The venue confirmed no position and no working order. */
  readonly flat: boolean;
  readonly updatedAt: number;
}

/** A signal in (or out of) the approval queue. Prices points, risk USD, times market Unix ms. */
export interface ApprovalDTO {
  readonly signalId: string;
  readonly side: SideDTO;
  readonly setup: string;
  readonly grade: GradeDTO;
  readonly confidence: number;
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
  readonly riskTicks: number;
  readonly contracts: number;
  readonly riskUsd: number;
  readonly queuedAt: number;
  readonly expiresAt: number;
  /** PENDING, APPROVED, SENT (AUTO), REJECTED, EXPIRED, REFUSED (by the risk check). */
  readonly status: 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED' | 'SENT' | 'REFUSED';
  readonly who: string | null;
  readonly why: string | null;
  readonly decidedAt: number | null;
  readonly execution: ExecutionDTO;
}

/** An order at the venue. Prices points. */
export interface OrderDTO {
  readonly id: string;
  readonly role: 'entry' | 'stop' | 'target' | 'close';
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET' | 'LIMIT' | 'STOP';
  readonly qty: number;
  readonly price: number | null;
  readonly status: 'PENDING' | 'WORKING' | 'FILLED' | 'CANCELLED';
  readonly ocaGroup: string | null;
  readonly submittedTs: number;
}

/** An execution. Price points (slippage included), commission USD. */
export interface FillDTO {
  readonly orderId: string;
  readonly role: OrderDTO['role'];
  readonly side: OrderDTO['side'];
  readonly qty: number;
  readonly price: number;
  readonly ts: number;
  readonly slippageTicks: number;
  readonly commissionUsd: number;
}

/** The position and account. USD unless named; ticks per contract. */
export interface PositionDTO {
  /** Signed contracts. */
  readonly qty: number;
  readonly avgPrice: number | null;
  readonly markPrice: number | null;
  readonly unrealizedUsd: number;
  readonly unrealizedTicks: number;
  /** Realized P&L net of commissions. */
  readonly realizedUsd: number;
  readonly realizedTicks: number;
  readonly commissionsUsd: number;
  /** The account's equity and its peak, for the drawdown rule. */
  readonly equityUsd: number;
  readonly peakEquityUsd: number;
  readonly drawdownUsd: number;
  /**
   * Where the equity comes from (issue 16): 'broker', the broker's net
   * liquidation value (IB NetLiquidation, DTC cash balance + open P&L) and
   * the high-water mark of its readings; 'trader', the starting equity the
   * trader set, plus P&L; 'default', no starting equity set (the risk
   * config's, shown as such).
   */
  readonly equitySource: EquitySourceDTO;
  /** The run's book: its starting equity plus the day carried in and the run's P&L (the equity curve's last point; equals `equityUsd` unless the broker's). */
  readonly runEquityUsd: number;
}

/** Where the account's equity comes from (PositionDTO.equitySource). */
export type EquitySourceDTO = 'broker' | 'trader' | 'default';

/** Today's totals against the section 12 limits. */
export interface LimitsDTO {
  readonly dailyPnlUsd: number;
  readonly dailyLossLimitUsd: number;
  readonly dailyLossWarningUsd: number;
  readonly tradesToday: number;
  readonly maxTradesPerDay: number;
  readonly consecutiveLosses: number;
  readonly lossStreakPause: number;
  /** Entries paused until then (market Unix ms), or null. */
  readonly pausedUntil: number | null;
  readonly openRiskUsd: number;
  readonly maxRiskPerTradeUsd: number;
  readonly drawdownUsd: number;
  readonly maxDrawdownUsd: number;
}

/** A trade. Prices points, P&L USD net of commissions, MAE/MFE ticks. */
export interface TradeDTO {
  readonly id: string;
  /** The signal it traded; `ADOPTED-<id>` for an adopted broker position, `MANUAL-<id>` for the trader's own order. */
  readonly signalId: string;
  /** The method's signal, a broker position the trader adopted (issue 16), or the trader's own order (issue 18). */
  readonly source: 'method' | 'adopted' | 'manual';
  readonly kind: 'paper' | 'would-be';
  readonly side: SideDTO;
  /** The signal's setup, or ADOPTED, or MANUAL. */
  readonly setup: string;
  /** The signal's grade; null for an adopted position. */
  readonly grade: GradeDTO | null;
  readonly qty: number;
  readonly entryTs: number | null;
  readonly entryPrice: number | null;
  readonly stop: number;
  readonly target: number;
  readonly exitTs: number | null;
  readonly exitPrice: number | null;
  readonly exitReason: string | null;
  readonly pnlUsd: number | null;
  readonly pnlTicks: number | null;
  readonly maeTicks: number;
  readonly mfeTicks: number;
}

/** Closed-trade metrics; ratios null when undefined (per trade, not annualised). */
export interface MetricsDTO {
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  readonly winRate: number | null;
  readonly netPnlUsd: number;
  readonly grossProfitUsd: number;
  readonly grossLossUsd: number;
  readonly profitFactor: number | null;
  readonly expectancyUsd: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly maxDrawdownUsd: number;
}

/** Everything the execution panels show. */
/**
 * The order route's broker as it reported itself (issue 16): its position is
 * the account's, read again at every connect and reconnect.
 */
export interface BrokerAccountDTO {
  /** Signed contracts the broker holds; null until it answered the positions request of its current connection. */
  readonly positionQty: number | null;
  /** Points; null when flat or unknown. */
  readonly avgPrice: number | null;
  /** Contracts the broker holds that no trade of the workstation accounts for: LIVE is refused while it is not 0. */
  readonly unknownQty: number;
  /** Working orders at the broker the workstation did not send (placed in TWS or Sierra Chart, or before a restart). */
  readonly unknownOrders: number;
  /** Contracts other than the traded one the account holds a position in: the open-positions limit counts them. */
  readonly otherPositions: number;
}

export interface ExecutionStateDTO {
  readonly mode: ModeDTO;
  readonly execution: ExecutionDTO;
  /** LIVE needs a connected broker (issue 6); false until then. */
  readonly brokerConnected: boolean;
  /** The order route's broker's own account state; null without a broker. */
  readonly broker: BrokerAccountDTO | null;
  readonly killSwitch: KillSwitchDTO;
  /** Signals waiting for the trader, oldest first. */
  readonly queue: ApprovalDTO[];
  /** The last decisions, newest first. */
  readonly recent: ApprovalDTO[];
  /** Working and pending orders. */
  readonly orders: OrderDTO[];
  /** Every fill of the run (chart markers). */
  readonly fills: FillDTO[];
  readonly position: PositionDTO;
  readonly limits: LimitsDTO;
  readonly trades: TradeDTO[];
  /** Metrics of the run (the session) and of today's trading day. */
  readonly performance: { readonly session: MetricsDTO; readonly day: MetricsDTO; readonly dayId: string | null };
  /** [time, equity USD]: the start, each closed trade, and now. */
  readonly equityCurve: [number, number][];
  /** Market time of the last record, Unix ms. */
  readonly marketTs: number | null;
  /** The last `execution` event this state includes (ExecutionDeltaDTO.seq): a window applies only later ones. */
  readonly seq: number;
  /** Which run the trades, fills and equity curve belong to (it changes when a run opens or closes). */
  readonly run: number;
}

/**
 * The execution state without the run's growing lists (trades, fills, the
 * equity curve): the panels' head, and what an RPC that changes the
 * execution state answers (the window hears the rest as an event).
 */
export type ExecutionHeadDTO = Omit<ExecutionStateDTO, 'trades' | 'fills' | 'equityCurve' | 'seq' | 'run'>;

/**
 * A change of the execution state (the `execution` event), merged by the
 * window into its ExecutionStateDTO: the head whole; the trades that are new
 * or changed (by id); the fills and the closed-trade equity points appended
 * from an index. The first change of each run (`reset`) carries its lists
 * from the start; one of another run without `reset` means the window
 * missed the start, and reads getExecution().
 */
export interface ExecutionDeltaDTO {
  readonly seq: number;
  readonly run: number;
  readonly reset: boolean;
  readonly head: ExecutionHeadDTO;
  readonly trades: TradeDTO[];
  readonly fillsFrom: number;
  readonly fills: FillDTO[];
  /** [time, equity USD]: the start and each closed trade (the window adds "now" from the head). */
  readonly equityFrom: number;
  readonly equity: [number, number][];
}

/** A broker connection's state (engine/live/types.ts LinkState). */
export type LinkStateDTO = 'disconnected' | 'connecting' | 'connected' | 'data-farm-down' | 'reconnecting' | 'lost';

/** A connection's state for the Connections panel. */
export interface LinkStatusDTO {
  state: LinkStateDTO;
  /** When the state began, Unix ms. */
  sinceMs: number;
  /** The last error in plain words. */
  lastError: string | null;
  /** Accounts the server offers. */
  accounts: string[];
}

/** Interactive Brokers TWS / Gateway connection settings. */
export interface IbSettingsDTO {
  host: string;
  /** 7497 TWS paper, 7496 TWS live, 4002 Gateway paper, 4001 Gateway live. */
  port: number;
  clientId: number;
}

/** Sierra Chart DTC server connection settings. The password is never sent back, only whether one is set. */
export interface DtcSettingsDTO {
  host: string;
  port: number;
  encoding: 'binary' | 'json';
  username: string;
  password?: string;
  hasPassword?: boolean;
  /** The contract as Sierra Chart names it; the front month (e.g. ESZ25-CME) when empty. */
  symbol: string;
}

/** Account P&L as Interactive Brokers reports it (reqPnL), USD. */
export interface IbPnlDTO {
  dailyUsd: number;
  unrealizedUsd: number;
  realizedUsd: number;
}

/** Which broker a role is given to. */
export type BrokerIdDTO = 'ib' | 'dtc';

/** The Connections panel's state. */
export interface ConnectionsDTO {
  ib: { settings: IbSettingsDTO; status: LinkStatusDTO; pnl: IbPnlDTO | null };
  dtc: { settings: DtcSettingsDTO; status: LinkStatusDTO };
  /** Where market data comes from, and where orders go. */
  dataSource: BrokerIdDTO;
  orderRoute: BrokerIdDTO;
  /** The front-month contract and when it rolls (Unix ms). */
  contract: { root: string; localSymbol: string; sierraSymbol: string; rollMs: number };
  /** The SCID files live trades are recorded to (one per contract, the traded one first), with the trades written so far. */
  recordings: { file: string; records: number }[];
  /** The last SPX chain pass from Interactive Brokers: its source, when (Unix ms), SPX spot (index points) and the ES-SPX basis (points). */
  gamma: { source: string; atMs: number; spot: number; basisPoints: number | null } | null;
  /** The account orders go to at the order route's broker (LIVE asks the trader to type it). */
  account: string | null;
}

/**
 * Engine RPC (comlink). Every method returns a promise; a failure rejects with
 * an `Error` whose `name`, `message` and `kind` crossed the boundary.
 */
/**
 * The trader's settings (issue 18): section 12's limits, the sizing, the
 * simulated venue's costs. Units in the names; percent 0-100. The engine's
 * zod schema (engine/settings.ts, TraderSettingsSchema) is this shape.
 */
export interface TraderSettingsDTO {
  version: 2;
  risk: {
    maxRiskPerTradeUsd: number;
    dailyLossLimitUsd: number;
    maxTradesPerDay: number;
    lossStreakPause: number;
    pauseMinutes: number;
    maxDrawdownPct: number;
    maxContractsPerSignal: number;
    maxOpenPositions: number;
    budgetOfDailyLimitPct: number;
    budgetOfRemainingPct: number;
  };
  sizing: { baseContracts: number; kelly: boolean; kellyFraction: number };
  paper: { commissionPerSideUsd: number; slippageTicks: number };
  /** Section 11's thresholds per mode, section 10's trading window (New York "HH:MM"), stop distances (ticks) and reward:risk. */
  method: {
    modes: Record<'DATA_COLLECTION' | 'PAPER' | 'LIVE', { minConfidence: number; minConfluence: number; minGrade: 'NO_TRADE' | 'WEAK' | 'STRONG' | 'PREMIUM'; minBaseQuality: number }>;
    window: { start: string; end: string; noEntryStart: string; noEntryEnd: string };
    stops: { trendTicks: number; rangeTicks: number; otherTicks: number };
    targets: { trendRR: number; rangeRR: number; otherRR: number; minRR: number };
  };
  /** A MANUAL approval expires unanswered after this long, or when price moves this many ticks past the entry. */
  approval: { expirySeconds: number; expiryTicks: number };
  /** The trader's own orders: the ladder's starting quantity (contracts) and the ATM bracket, ticks from the entry's fill. */
  orders: { contracts: number; stopTicks: number; targetTicks: number };
  /** Position management, off by default; null turns a rule off. Ticks, ATR multiples, completed bars, a New York "HH:MM". */
  management: { breakevenAfterTicks: number | null; breakevenOffsetTicks: number; trailTicks: number | null; trailAtrMultiple: number | null; timeExitBars: number | null; flattenAt: string | null };
}

/** The trader's own entry: side, type, contracts, price (points) for a limit or stop; the ATM bracket in ticks, the settings' when omitted. */
export interface PlaceOrderRequest {
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT' | 'STOP';
  qty: number;
  price?: number;
  stopTicks?: number;
  targetTicks?: number;
}

/** One price of the ladder. Points; volume and sizes contracts. */
export interface LadderRowDTO {
  readonly price: number;
  /** Contracts traded at this price in the session so far (the volume profile's row). */
  readonly volume: number;
  /** Resting size at this price from market depth; null without depth. */
  readonly bidSize: number | null;
  readonly askSize: number | null;
}

/** The DOM / price ladder (issue 18). Prices points. */
export interface LadderDTO {
  readonly tickSize: number;
  /** The last trade, and the best bid and ask (null: none yet, or the data has no quote). */
  readonly last: number | null;
  readonly bid: number | null;
  readonly ask: number | null;
  /** Highest price first. */
  readonly rows: LadderRowDTO[];
  /** Whether the sizes come from market depth. */
  readonly depth: boolean;
  /** The settings' quantity and ATM bracket (ticks), what a click sends. */
  readonly atm: { readonly contracts: number; readonly stopTicks: number; readonly targetTicks: number };
  /** Market time of the last record, Unix ms. */
  readonly marketTs: number | null;
}

/** One journaled change of the trader's settings. `ts` wall time, Unix ms. */
export interface SettingChangeDTO {
  ts: number;
  who: string;
  field: string;
  from: unknown;
  to: unknown;
  reason: string;
}

/** The trader's settings and what is in force. */
export interface SettingsDTO {
  settings: TraderSettingsDTO;
  /** False: nothing saved yet, these are the defaults (section 12's numbers, or the engine's configuration). */
  saved: boolean;
  /** A raised daily loss limit waits for the next session: the limit in force until then, USD; null: none. */
  dailyLossLimitInForceUsd: number | null;
  /** The starting equity runs off a broker count their drawdown from (setStartingEquity), USD; null: the default. */
  startingEquityUsd: number | null;
  /** The last changes, newest first. */
  changes: SettingChangeDTO[];
}

/** A new settings document and why; `who` defaults to the trader. */
export interface SetSettingsRequest {
  settings: TraderSettingsDTO;
  reason: string;
  /** Who changes them, as journaled: the trader in the window (default), the command line, or an imported file. */
  who?: 'trader' | 'cli' | 'import';
}

export interface EngineApi {
  /** Liveness (the watchdog's heartbeat). */
  ping(): Promise<HeartbeatDTO>;
  /** Files in the configured market-data folder (non-recursive, .scid/.csv/.jsonl). */
  listDataFiles(): Promise<DataFileDTO[]>;
  /**
   * Opens a file for replay, paused at its start. Closes any current replay.
   * @throws kind 'not-found' when the file does not exist, 'bad-file' when its header is unreadable.
   */
  openReplay(req: OpenReplayRequest): Promise<ReplayStatusDTO>;
  play(): Promise<ReplayStatusDTO>;
  pause(): Promise<ReplayStatusDTO>;
  /** Advances by one completed bar while paused. */
  step(): Promise<ReplayStatusDTO>;
  setSpeed(speed: ReplaySpeedDTO): Promise<ReplayStatusDTO>;
  closeReplay(): Promise<ReplayStatusDTO>;
  /** The current replay's state so far, for a window that (re)connects. */
  getReplaySnapshot(): Promise<ReplaySnapshotDTO>;
  /**
   * Loads an SPX option chain (CBOE quote-table CSV): its gamma levels apply
   * to the method from the next bar of this replay and of replays opened later.
   * A folder of chains: each applies from its snapshot time on (the data's
   * market time), in this replay and replays opened later; the levels in
   * force now are returned (null before the first chain's time).
   * @throws kind 'not-found' when the file does not exist, 'bad-file' naming the line and field when it cannot be read (a folder: when none of its chains can), 'bad-request' for a non-finite basis.
   */
  loadChain(req: LoadChainRequest): Promise<GammaDTO | null>;
  /** Removes the gamma levels. */
  clearChain(): Promise<null>;
  /** The trader's settings, the daily loss limit in force and the last changes. */
  getSettings(): Promise<SettingsDTO>;
  /**
   * Saves the trader's settings (every change journaled with the reason) for
   * the open run from its next check and for runs opened later. A change that
   * loosens a risk limit is refused while a position or a working order is
   * open or the kill switch is not ACTIVE; a raised daily loss limit takes
   * effect at the next session. The simulated venue's costs apply to runs
   * opened later.
   * @throws kind 'bad-request' naming the field and why (a bad value, a loosening refused, an empty reason).
   */
  setSettings(req: SetSettingsRequest): Promise<SettingsDTO>;
  /** The execution panels' state (works with no replay open). */
  getExecution(): Promise<ExecutionStateDTO>;
  /**
   * Switches the mode. LIVE is refused ('bad-request') until the order route's broker is connected
   * and a live run is open, and needs `confirmAccount`: the account id typed by the trader.
   */
  setMode(mode: ModeDTO, confirmAccount?: string): Promise<ExecutionHeadDTO>;
  /** The connections, their states and the routing. */
  getConnections(): Promise<ConnectionsDTO>;
  /**
   * Connects to a broker with these settings (saved for next time); resolves once logged on.
   * When it is the data source, a live run opens on it, backfilled for the current session.
   * @throws kind 'bad-request' with the broker's words when the connection or logon fails.
   */
  connect(req: { broker: 'ib'; settings: IbSettingsDTO } | { broker: 'dtc'; settings: DtcSettingsDTO }): Promise<ConnectionsDTO>;
  disconnect(broker: BrokerIdDTO): Promise<ConnectionsDTO>;
  /** Where market data comes from and where orders go ('bad-request' while LIVE has orders or a position open). */
  setRouting(req: { dataSource: BrokerIdDTO; orderRoute: BrokerIdDTO }): Promise<ConnectionsDTO>;
  setExecution(execution: ExecutionDTO): Promise<ExecutionHeadDTO>;
  /** Approves a queued signal ('bad-request' when it is no longer waiting). */
  approve(signalId: string): Promise<ExecutionHeadDTO>;
  reject(signalId: string, reason?: string): Promise<ExecutionHeadDTO>;
  /** The manual trigger of the kill switch. */
  killSwitch(reason?: string): Promise<KillSwitchDTO>;
  /** Re-arms a HALTED switch; needs a reason ('bad-request' without one or while REDUCING). Opens nothing. */
  resetKillSwitch(reason: string): Promise<KillSwitchDTO>;
  /**
   * Cancels every working order at the order route's broker and closes its
   * position with a market order (a position the workstation did not open,
   * found at connect). Its fills are the broker's word.
   * @throws kind 'bad-request' without a connected broker, or in LIVE (the kill switch flattens a live run).
   */
  flattenAtBroker(): Promise<ExecutionHeadDTO>;
  /**
   * Adopts the position the order route's broker holds beyond the
   * workstation's trades (issue 16): LIVE, with the account id typed as for
   * setMode('LIVE'), and the live run takes the position as a trade,
   * protected at once by a stop and a target `stopTicks`/`targetTicks`
   * (whole ticks) from the broker's average price in one OCA group.
   * @throws kind 'bad-request' as setMode('LIVE'), when nothing is unknown at the broker, while orders placed
   *   elsewhere are working there, while the kill switch is not ACTIVE, or when the broker refuses the pair.
   */
  adoptBrokerPosition(req: { confirmAccount: string; stopTicks: number; targetTicks: number }): Promise<ExecutionHeadDTO>;
  /**
   * Sets the starting equity (USD, positive; null clears it) that runs whose
   * orders are not at a broker count their drawdown from (issue 16). Saved;
   * runs opened from now on use it, the open run keeps the one it opened
   * with. A run trading at a broker uses the broker's net liquidation value.
   * Journaled with the settings' changes (`reason`, or where it was set).
   * @throws kind 'bad-request' for a value that is not a positive finite number.
   */
  setStartingEquity(usd: number | null, reason?: string): Promise<ExecutionHeadDTO>;
  /**
   * The price ladder of the open run (issue 18): `rows` prices by tick
   * centred on `centre` (points; the last trade when omitted), with the
   * session's volume at each and the best bid and ask; null with no run
   * open. The working orders and the position are the execution state's.
   */
  getLadder(rows: number, centre?: number): Promise<LadderDTO | null>;
  /**
   * The trader's own entry (the ladder, the chart): a limit, stop or market
   * order with the ATM bracket (ticks from the entry's fill; the settings'
   * when omitted), through the same risk check and kill switch as the
   * method's, journaled with source `manual`.
   * @throws kind 'bad-request' naming the refusal (the risk rule and its numbers, a flatten in progress), a bad field,
   *   no run open, a recorded session (read-only), or the venue's refusal.
   */
  placeOrder(req: PlaceOrderRequest): Promise<ExecutionHeadDTO>;
  /**
   * Moves a working order to `price` (points): a drag of its line on the
   * chart. At IB the order placed again under its id; at DTC a cancel-replace.
   * @throws kind 'bad-request' when the order is not working, or the move would fill a stop at once or risk more than the per-trade limit.
   */
  modifyOrder(orderId: string, price: number): Promise<ExecutionHeadDTO>;
  /** Cancels one working entry (with its bracket) or an order placed elsewhere. @throws kind 'bad-request' for a position's stop or target. */
  cancelOrder(orderId: string): Promise<ExecutionHeadDTO>;
  /** Cancels every working order; with a position open only with `unprotect` true (it strips the stop and target). */
  cancelAll(unprotect?: boolean): Promise<ExecutionHeadDTO>;
  /** Flatten: every working order cancelled and the position closed at market; trading stays armed (not the kill switch). */
  flatten(): Promise<ExecutionHeadDTO>;
  /** Reverse: flatten, then the same contracts the other way at market with the ATM bracket. @throws kind 'bad-request' when flat. */
  reverse(): Promise<ExecutionHeadDTO>;
  /** Every closed session in the journal, newest first. */
  listSessions(): Promise<RecordedSessionDTO[]>;
  /**
   * Opens a recorded session for a read-only replay, paused before its first bar. Closes any current replay.
   * @throws kind 'not-found' when the journal has no such session.
   */
  openSession(req: { runId: number; sessionId: string }): Promise<ReplayStatusDTO>;
  /**
   * Moves a recorded session's cursor to `bar` session bars shown (back or forward), paused; the
   * windows get a `replay.seeked` snapshot. 'bad-request' for a file replay or a bar out of range.
   */
  seek(bar: number): Promise<ReplayStatusDTO>;
  /** One bar back in a recorded session (seek to the cursor - 1). */
  stepBack(): Promise<ReplayStatusDTO>;
  /** The open recorded session's timeline ('no-replay' without one). */
  getTimeline(): Promise<TimelineDTO>;
  /**
   * A signal's story in the open replay's run, as known at the cursor.
   * @throws kind 'not-found' when the signal is not in the run or not yet emitted.
   */
  getSignalStory(signalId: string): Promise<SignalStoryDTO>;
  /** Backup settings and archives. */
  getBackups(): Promise<BackupStateDTO>;
  /** Changes how many archives are kept (1-100) and the daily schedule. */
  setBackupSettings(req: { keep?: number; daily?: boolean }): Promise<BackupStateDTO>;
  /**
   * Writes a backup archive now (progress as `backup` events).
   * @throws kind 'bad-request' naming the cause when the folder is missing, unwritable or the disk is full.
   */
  backup(): Promise<BackupResultDTO>;
  /**
   * Checks `archivePath` and, only if every check passes, swaps it in as the
   * journal; the kernel restarts on it HALTED. Nothing is changed when a check fails.
   * @throws kind 'bad-file' for a corrupt, truncated or foreign archive, or a newer schema; 'not-found' for a missing file.
   */
  restore(archivePath: string): Promise<RestoreResultDTO>;
  /** The Research view's state (issue 19). */
  getResearch(): Promise<ResearchStateDTO>;
  /**
   * Starts a sweep or a walk-forward on worker threads (one job at a time):
   * the data goes through the market pipeline once, then each configuration
   * is backtested; progress comes as `research` events. Resolves at once.
   * @throws kind 'bad-request' naming the parameter or field (not a numeric setting, a bad range, a value the settings refuse,
   *   walk-forward without windows) or while a job runs; 'not-found' for data that does not exist.
   */
  startResearch(req: ResearchRequest): Promise<ResearchJobDTO>;
  /** Cancels the running job: the backtests done are kept (state 'cancelled'); null when none runs. */
  cancelResearch(): Promise<ResearchJobDTO | null>;
  /**
   * The last ended job's report: one self-contained HTML page (no script)
   * with the sweep's table, the deflated Sharpe and PBO, the walk-forward's
   * windows and stitched curve, and the best configuration's own backtest
   * (equity and drawdown, monthly table, by setup, Monte Carlo fan).
   * @throws kind 'bad-request' when no job has ended with a run.
   */
  getResearchReport(): Promise<string>;
}

/** Research (issue 19): what a sweep ranks its configurations by (higher is better; max drawdown: lower). */
export type ResearchMetricDTO = 'netPnlUsd' | 'profitFactor' | 'sharpe' | 'sharpeAnnual' | 'sortinoAnnual' | 'calmar' | 'winRate' | 'maxDrawdownUsd' | 'trades';

/** A swept setting's values: listed, or from `from` to `to` by `step` (both ends included when on the step). */
export type ResearchValuesDTO = number[] | { from: number; to: number; step: number };

/**
 * A sweep or a walk-forward of the trader's settings over a dataset (the
 * saved settings are the base; each parameter a numeric field by its dotted
 * path, e.g. `risk.maxRiskPerTradeUsd`).
 */
export interface ResearchRequest {
  kind: 'sweep' | 'walk-forward';
  /** A data file, a folder or a glob of contract files (a series). */
  path: string;
  timeframe?: TimeframeDTO;
  /** Zone of zone-less CSV timestamps (America/New_York when omitted). */
  timeZone?: string;
  /** Records from (inclusive) and before (exclusive), Unix ms; the whole data when omitted. */
  fromTs?: number;
  toTs?: number;
  parameters: Record<string, ResearchValuesDTO>;
  /** Draw this many distinct configurations of the grid (seeded) instead of every one. */
  random?: { count: number; seed: number };
  metric: ResearchMetricDTO;
  /** Worker threads (one per core when omitted). */
  workers?: number;
  /** Walk-forward windows, in sessions: optimise on `inSessions`, trade the next `outSessions`, roll by `stepSessions` (default `outSessions`). */
  walkForward?: { inSessions: number; outSessions: number; stepSessions?: number };
}

/** One configuration's backtest. USD; Sharpe and Sortino per trade unless annualised; null where undefined. */
export interface ResearchRunDTO {
  id: number;
  values: Record<string, number>;
  trades: number;
  netPnlUsd: number;
  profitFactor: number | null;
  winRate: number | null;
  sharpe: number | null;
  sharpeAnnual: number | null;
  sortinoAnnual: number | null;
  calmar: number | null;
  maxDrawdownUsd: number;
  ordersHash: string;
}

/** One walk-forward window: its sessions (ids), the configuration chosen in-sample, and both results. */
export interface ResearchWindowDTO {
  inFrom: string;
  inTo: string;
  outFrom: string;
  outTo: string;
  chosen: ResearchRunDTO;
  outOfSample: ResearchRunDTO;
}

/** A research job: its state, progress and, once ended, its results. */
export interface ResearchJobDTO {
  id: number;
  kind: 'sweep' | 'walk-forward';
  path: string;
  metric: ResearchMetricDTO;
  /** preparing: the data through the market pipeline (once); running: the configurations' backtests. */
  state: 'preparing' | 'running' | 'done' | 'cancelled' | 'failed';
  /** Backtests done and to do. */
  done: number;
  total: number;
  configurations: number;
  workers: number;
  startedAt: number;
  endedAt: number | null;
  /** Why it failed. */
  message: string | null;
  /** Once ended: every run done, in configuration order (a walk-forward: each window's chosen configuration, in-sample). */
  runs: ResearchRunDTO[];
  /** A sweep's best configuration by the metric; a walk-forward's last window's choice. */
  bestId: number | null;
  /** The best's deflated Sharpe ratio (0-1) and the sweep's probability of backtest overfitting (0-1). */
  deflatedSharpe: number | null;
  pbo: number | null;
  walkForward: {
    windows: ResearchWindowDTO[];
    /** [session id, out-of-sample equity so far, USD]. */
    equity: [string, number][];
    outOfSampleNetUsd: number;
    efficiency: number | null;
    stability: Record<string, { values: number[]; distinct: number; sd: number }>;
  } | null;
}

/** The Research view's state: the job (running or last), the settings that can be swept with their values now, the metrics, the default workers. */
export interface ResearchStateDTO {
  job: ResearchJobDTO | null;
  parameters: { path: string; value: number | null }[];
  metrics: ResearchMetricDTO[];
  workers: number;
}

/** Kinds of error the engine reports. */
export type EngineErrorKind = 'not-found' | 'bad-file' | 'bad-request' | 'no-replay' | 'internal';

/** An error as it crosses a process boundary. */
export interface EngineErrorDTO {
  name: string;
  message: string;
  kind: EngineErrorKind;
}

/** The engine's event stream. */
export type EngineEvent =
  | { type: 'replay.opened'; status: ReplayStatusDTO }
  | { type: 'replay.status'; status: ReplayStatusDTO }
  /** A recorded session's cursor moved (seek, step back): everything to draw now replaces what was drawn. */
  | { type: 'replay.seeked'; snapshot: ReplaySnapshotDTO }
  /** Backup progress: phase, share done (0-1), and the archive when done. */
  | { type: 'backup'; phase: 'copying' | 'compressing' | 'done' | 'failed'; fraction: number; archive: string | null; message: string | null }
  /** The journal was restored: everything shown before belongs to the replaced journal. */
  | { type: 'restored'; result: RestoreResultDTO }
  /**
   * A completed decision bar with its levels and the method's analysis at its close.
   * In a batch only the last bar.closed carries the analysis (the windows
   * show the latest); the others have null.
   */
  | { type: 'bar.closed'; bar: BarDTO; levels: LevelsDTO | null; analysis: AnalysisDTO | null; tsInit: number }
  | { type: 'base.confirmed'; base: BaseDTO }
  | { type: 'base.violated'; violation: BaseViolationDTO }
  | { type: 'signal'; signal: SignalDTO }
  /** Gamma levels loaded (or cleared: null). */
  | { type: 'gamma'; gamma: GammaDTO | null }
  /** The bar being built from ticks (replaces the previous forming bar). */
  | { type: 'bar.forming'; bar: BarDTO; levels: LevelsDTO | null }
  | { type: 'session.closed'; session: SessionDTO }
  | { type: 'feed.rejected'; rejection: RejectionDTO; total: number }
  | { type: 'alert'; level: 'info' | 'warning' | 'critical'; message: string; ts: number }
  /** The execution panels' state changed (approvals, orders, fills, position, kill switch): what changed. */
  | { type: 'execution'; delta: ExecutionDeltaDTO }
  /** A connection's state, the routing or the recording changed. */
  | { type: 'connections'; connections: ConnectionsDTO }
  /** A research job started, progressed or ended (issue 19). */
  | { type: 'research'; job: ResearchJobDTO };

/** One message on the event channel: events in order, at most one batch a frame. */
export interface EngineEventBatch {
  seq: number;
  events: EngineEvent[];
}

/**
 * The window's answer on the event channel once it has applied batch `seq`
 * (flow control: the engine keeps at most a couple of batches unanswered
 * per window, and a max-speed replay waits for a window that is behind;
 * engine/bus.ts `EventFlow`).
 */
export interface EngineEventAck {
  ack: number;
}

/**
 * A frame of the headless shell's WebSocket, carrying both channels:
 * `rpc` frames hold comlink messages, `events` frames hold an EngineEventBatch,
 * `ack` frames the window's EngineEventAck.
 */
export type WireFrame = { ch: 'rpc'; msg: unknown } | { ch: 'events'; batch: EngineEventBatch } | { ch: 'ack'; seq: number };

/**
 * Path of the headless shell's WebSocket; the run's token goes in `?token=`.
 * A type, so the contract stays type-only: users write the literal and the
 * compiler checks it.
 */
export type EngineSocketPath = '/engine';

