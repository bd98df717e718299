/**
 * Domain values -> contract DTOs: plain, JSON-safe objects, NaN as null.
 */
import type { BarDTO, LevelsDTO, RejectionDTO, SessionDTO } from './contract.js';
import type { Bar } from './domain.js';
import type { Rejection } from './feeds/rejections.js';
import type { LevelsSnapshot, SessionSummary } from './indicators/session-levels.js';

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
