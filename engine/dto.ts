/**
 * Domain values -> contract DTOs: plain, JSON-safe objects, NaN as null.
 */
import type { AnalysisDTO, BarDTO, BaseDTO, GammaDTO, LevelsDTO, RejectionDTO, SessionDTO, SignalDTO } from './contract.js';
import type { Bar } from './domain.js';
import type { Rejection } from './feeds/rejections.js';
import { GAMMA_ASSUMPTIONS, type GammaLevels } from './gamma/gex.js';
import type { LevelsSnapshot, SessionSummary } from './indicators/session-levels.js';
import type { Decision, TradingSignal } from './method/analyzer.js';
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
