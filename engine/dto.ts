/**
 * Domain values -> contract DTOs: plain, JSON-safe objects, NaN as null.
 */
import type {
  AnalysisDTO,
  ApprovalDTO,
  BarDTO,
  BaseDTO,
  BrokerAccountDTO,
  ExecutionDTO,
  ExecutionHeadDTO,
  FillDTO,
  GammaDTO,
  KillSwitchDTO,
  LevelsDTO,
  ModeDTO,
  RejectionDTO,
  SessionDTO,
  SignalDTO,
  TradeDTO,
} from './contract.js';
import type { Trader } from './execution/trader.js';
import { tradeSetup, tradeSignalId, type Approval, type TradeRecord } from './execution/records.js';
import type { Fill } from './venue/orders.js';
import { performanceOf } from './perf/metrics.js';
import type { KillSwitchStatus } from './risk/kill-switch.js';
import type { RiskConfig } from './risk/sizing.js';
import type { Bar } from './domain.js';
import type { Rejection } from './feeds/rejections.js';
import { GAMMA_ASSUMPTIONS, type GammaLevels } from './gamma/gex.js';
import type { LevelsSnapshot, SessionSummary } from './indicators/session-levels.js';
import type { Decision, TradingSignal } from './method/decision.js';
import type { Base } from './method/bases.js';

/** A finite number, or null for NaN and infinities. */
export function orNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function toBarDTO(b: Bar): BarDTO {
  return {
    ts: b.ts,
    tf: b.tf,
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    bidVolume: b.bidVolume,
    askVolume: b.askVolume,
    delta: b.delta,
    trades: b.trades,
    hasOrderFlow: b.hasOrderFlow,
  };
}

export function toLevelsDTO(l: LevelsSnapshot | null): LevelsDTO | null {
  if (l === null) return null;
  return {
    sessionId: l.sessionId,
    vwap: orNull(l.vwap),
    vwapSigma: orNull(l.vwapSigma),
    poc: orNull(l.poc),
    vah: orNull(l.vah),
    val: orNull(l.val),
    pPoc: orNull(l.pPoc),
    pVah: orNull(l.pVah),
    pVal: orNull(l.pVal),
    sessionHigh: orNull(l.sessionHigh),
    sessionLow: orNull(l.sessionLow),
  };
}

export function toSessionDTO(s: SessionSummary): SessionDTO {
  return {
    id: s.id,
    kind: s.kind,
    startTs: s.startTs,
    endTs: s.endTs,
    bars: s.bars,
    volume: s.volume,
    high: s.high,
    low: s.low,
    vwap: orNull(s.vwap),
    vwapSigma: orNull(s.vwapSigma),
    poc: orNull(s.poc),
    vah: orNull(s.vah),
    val: orNull(s.val),
  };
}

export function toRejectionDTO(r: Rejection): RejectionDTO {
  return { file: r.file, location: r.location, field: r.field, reason: r.reason, message: r.message };
}

export function toAnalysisDTO(d: Decision): AnalysisDTO {
  return {
    ts: d.bar.ts,
    balance: d.balance.balance,
    vikings: d.balance.vikings,
    defenders: d.balance.defenders,
    status: d.signal.status,
    s: d.signal.s,
    candidate: d.signal.candidate,
    tc: d.tc,
    goldenRule: d.goldenRule,
    goldenRuleViolated: d.bases.violated,
    governingBaseId: d.bases.governing?.id ?? null,
    baseQuality: d.signal.baseQuality,
    regime: d.regime.regime,
    regimeStrength: d.regime.strength,
    confluence: d.confluence.score,
    grade: d.confluence.grade,
    confluenceSide: d.confluence.side,
    features: { ...d.confluence.features },
    missingInputs: [...d.confluence.missing],
  };
}

export function toBaseDTO(b: Base): BaseDTO {
  return {
    id: b.id,
    startTs: b.startTs,
    endTs: b.endTs,
    confirmedTs: b.confirmedTs,
    bars: b.bars,
    high: b.high,
    low: b.low,
    type: b.type,
    quality: b.quality,
    rating: b.rating,
    qualified: b.qualified,
  };
}

export function toSignalDTO(s: TradingSignal): SignalDTO {
  const g = s.battle.governingBase;
  return {
    id: s.id,
    ts: s.ts,
    tsEvent: s.tsEvent,
    side: s.side,
    setup: s.setup,
    label: s.label,
    reason: s.reason,
    entry: s.entry,
    stop: s.stop,
    target: s.target,
    rewardRisk: s.rewardRisk,
    confidence: s.confidence,
    confluence: s.confluence,
    grade: s.grade,
    regime: s.regime,
    battle: {
      b: s.battle.b,
      tc: s.battle.tc,
      q: s.battle.q,
      s: s.battle.s,
      status: s.battle.status,
      battleStrength: s.battle.battleStrength,
      confidence: s.battle.confidence,
      goldenRule: s.battle.goldenRule,
      baseId: g?.id ?? null,
      baseRating: g?.rating ?? null,
    },
    features: { ...s.features },
    missingInputs: [...s.missingInputs],
  };
}

export function toGammaDTO(g: GammaLevels, basisPoints: number): GammaDTO {
  return {
    source: g.source,
    date: g.date,
    spot: g.spot,
    basisPoints,
    netGex: g.netGex,
    callWall: g.callWall,
    putWall: g.putWall,
    zeroGamma: g.zeroGamma,
    es: { callWall: g.callWall + basisPoints, putWall: g.putWall + basisPoints, zeroGamma: g.zeroGamma === null ? null : g.zeroGamma + basisPoints },
    profile: g.profile.map((p) => ({ spot: p.spot, gex: p.gex })),
    assumptions: [...GAMMA_ASSUMPTIONS],
  };
}

/** The kill switch as the screen shows it. */
export function toKillSwitchDTO(s: KillSwitchStatus): KillSwitchDTO {
  return { state: s.state, trigger: s.trigger, detail: s.detail, trippedAt: s.trippedAt, flat: s.flat, updatedAt: s.updatedAt };
}

function toApprovalDTO(a: Approval): ApprovalDTO {
  const s = a.signal;
  return {
    signalId: s.id,
    side: s.side,
    setup: s.setup,
    grade: s.grade,
    confidence: s.confidence,
    entry: s.entry,
    stop: s.stop,
    target: s.target,
    riskTicks: s.riskTicks,
    contracts: a.contracts,
    riskUsd: a.riskUsd,
    queuedAt: a.queuedAt,
    expiresAt: a.expiresAt,
    status: a.status,
    who: a.who,
    why: a.why,
    decidedAt: a.decidedAt,
    execution: a.execution,
  };
}

/** A trade for the screen, the backtest summary and its report. */
export function toTradeDTO(t: TradeRecord): TradeDTO {
  return {
    id: t.id,
    signalId: tradeSignalId(t),
    source: t.source,
    kind: t.kind,
    side: t.plan.side,
    setup: tradeSetup(t),
    grade: t.signal?.grade ?? null,
    qty: t.qty,
    entryTs: t.entryTs,
    entryPrice: t.entryPrice,
    stop: t.plan.stop,
    target: t.plan.target,
    exitTs: t.exitTs,
    exitPrice: t.exitPrice,
    exitReason: t.cancelled ? 'cancelled' : t.exitReason,
    pnlUsd: t.pnlUsd,
    pnlTicks: t.pnlTicks,
    maeTicks: t.maeTicks,
    mfeTicks: t.mfeTicks,
  };
}

/** What the execution panels are built from. */
export interface ExecutionSource {
  readonly mode: ModeDTO;
  readonly execution: ExecutionDTO;
  readonly brokerConnected: boolean;
  readonly broker: BrokerAccountDTO | null;
  readonly killSwitch: KillSwitchStatus;
  readonly risk: RiskConfig;
  /** Whether the trader set the starting equity (`risk.accountEquityUsd`) or it is the default. */
  readonly startingEquitySource: 'trader' | 'default';
  /** The open run's trader; null when no run is open. */
  readonly trader: Trader | null;
  readonly marketTs: number | null;
}

/** The execution panels' head: everything but the run's growing lists. O(queue + recent decisions + working orders + closed trades). */
export function toExecutionHeadDTO(k: ExecutionSource): ExecutionHeadDTO {
  const r = k.risk;
  const t = k.trader;
  const limitsBase = {
    dailyLossLimitUsd: r.dailyLossLimitUsd,
    dailyLossWarningUsd: r.dailyLossWarning * r.dailyLossLimitUsd,
    maxTradesPerDay: r.maxTradesPerDay,
    lossStreakPause: r.lossStreakPause,
    maxRiskPerTradeUsd: r.maxRiskPerTradeUsd,
  };
  if (t === null) {
    const empty = performanceOf([]);
    return {
      mode: k.mode,
      execution: k.execution,
      brokerConnected: k.brokerConnected,
      broker: k.broker,
      killSwitch: toKillSwitchDTO(k.killSwitch),
      queue: [],
      recent: [],
      orders: [],
      position: { qty: 0, avgPrice: null, markPrice: null, unrealizedUsd: 0, unrealizedTicks: 0, realizedUsd: 0, realizedTicks: 0, commissionsUsd: 0, equityUsd: r.accountEquityUsd, peakEquityUsd: r.accountEquityUsd, drawdownUsd: 0, equitySource: k.startingEquitySource, runEquityUsd: r.accountEquityUsd },
      limits: { ...limitsBase, dailyPnlUsd: 0, tradesToday: 0, consecutiveLosses: 0, pausedUntil: null, openRiskUsd: 0, drawdownUsd: 0, maxDrawdownUsd: r.maxDrawdownShare * r.accountEquityUsd },
      performance: { session: empty, day: empty, dayId: null },
      marketTs: k.marketTs,
    };
  }
  const p = t.portfolio;
  const rs = t.riskState();
  const account = t.account();
  const drawdownUsd = account.peakEquityUsd - account.equityUsd;
  const closedPaper = t.closedTrades().filter((x) => x.kind === 'paper');
  const perf = t.performance();
  const pausedUntil = rs.consecutiveLosses >= r.lossStreakPause ? rs.lastLossTs + r.pauseMs : null;
  return {
    mode: k.mode,
    execution: k.execution,
    brokerConnected: k.brokerConnected,
    broker: k.broker,
    killSwitch: toKillSwitchDTO(k.killSwitch),
    queue: t.queue().map(toApprovalDTO),
    recent: t.recentApprovals().map(toApprovalDTO),
    orders: t.workingOrders().map((o) => ({ id: o.id, role: o.role, side: o.side, type: o.type, qty: o.qty, price: o.price ?? null, status: o.status, ocaGroup: o.ocaGroup ?? null, submittedTs: o.submittedTs })),
    position: {
      qty: p.qty,
      avgPrice: orNull(p.avgPrice),
      markPrice: orNull(t.markPrice),
      unrealizedUsd: p.unrealizedUsd(),
      unrealizedTicks: p.unrealizedTicks(),
      realizedUsd: p.realizedUsd - p.commissionsUsd,
      realizedTicks: closedPaper.reduce((a, x) => a + x.pnlTicks! * x.qty, 0),
      commissionsUsd: p.commissionsUsd,
      equityUsd: account.equityUsd,
      peakEquityUsd: account.peakEquityUsd,
      drawdownUsd,
      equitySource: account.source === 'broker' ? 'broker' : k.startingEquitySource,
      runEquityUsd: p.equityUsd(),
    },
    limits: {
      ...limitsBase,
      dailyPnlUsd: t.dailyPnlUsd(),
      tradesToday: rs.tradesToday,
      consecutiveLosses: rs.consecutiveLosses,
      pausedUntil: pausedUntil !== null && k.marketTs !== null && pausedUntil > k.marketTs ? pausedUntil : null,
      openRiskUsd: rs.openRiskUsd,
      drawdownUsd,
      maxDrawdownUsd: r.maxDrawdownShare * account.peakEquityUsd,
    },
    performance: { session: perf.run, day: perf.day, dayId: perf.sessionId },
    marketTs: k.marketTs,
  };
}

/** [time, equity USD] of the run's start (once its first trade entered) and after each closed paper trade. */
export function closedEquityPoints(t: Trader, startingEquityUsd: number): [number, number][] {
  const first = t.trades[0];
  const start: [number, number][] = first !== undefined && first.entryTs !== null ? [[first.entryTs, startingEquityUsd]] : [];
  return [...start, ...t.equityCurve.map(([ts, eq]): [number, number] => [ts, eq])];
}

/** A fill as the windows see it. */
export function toFillDTO(f: Fill): FillDTO {
  return { ...f };
}
