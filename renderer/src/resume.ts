/**
 * Where the window's replay was, kept in the window's session storage so a
 * reload finds it: after the engine was restarted by the watchdog (Electron's
 * main reloads the window; in the headless shell the trader presses
 * Reconnect), the window offers to reopen the replay there. The kill switch
 * is not part of it: it comes back from the engine, latched.
 */
import type { EngineApi, ReplayStatusDTO, TimeframeDTO } from '../../engine/contract';

/** A replay to reopen. */
export type ResumePoint =
  /** A data file, at market time `atTs` (Unix ms). */
  | { kind: 'file'; path: string; file: string; timeframe: TimeframeDTO; atTs: number; nqPath?: string }
  /** A recorded session, at bar `bar` of its bars. */
  | { kind: 'session'; runId: number; sessionId: string; bar: number; atTs: number | null };

const KEY = 'mia:resume-point';

/** The resume point of a replay's status, null when there is nothing to reopen (idle, live, ended). */
export function resumePointOf(s: ReplayStatusDTO | null): ResumePoint | null {
  if (s === null || (s.state !== 'playing' && s.state !== 'paused') || s.live) return null;
  if (s.recorded !== null) return { kind: 'session', runId: s.recorded.runId, sessionId: s.recorded.sessionId, bar: s.recorded.bar, atTs: s.marketTs };
  if (s.path === null || s.file === null || s.marketTs === null) return null;
  return { kind: 'file', path: s.path, file: s.file, timeframe: s.timeframe, atTs: s.marketTs, ...(s.nqPath !== null ? { nqPath: s.nqPath } : {}) };
}

/** Keeps `p` (null: forgets it). */
export function saveResumePoint(p: ResumePoint | null): void {
  try {
    if (p === null) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, JSON.stringify(p));
  } catch {
    // Storage refused (private mode, quota): the offer is a convenience, the replay is unaffected.
  }
}

/** The kept resume point, or null. */
export function loadResumePoint(): ResumePoint | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw === null ? null : (JSON.parse(raw) as ResumePoint);
  } catch {
    return null;
  }
}

/** Reopens `p` paused where it was. @throws what openReplay, openSession or seek throw (a file gone: not-found). */
export async function reopen(api: Pick<EngineApi, 'openReplay' | 'openSession' | 'seek'>, p: ResumePoint): Promise<void> {
  if (p.kind === 'file') {
    await api.openReplay({ path: p.path, timeframe: p.timeframe, resumeAt: p.atTs, ...(p.nqPath !== undefined ? { nqPath: p.nqPath } : {}) });
    return;
  }
  await api.openSession({ runId: p.runId, sessionId: p.sessionId });
  if (p.bar > 0) await api.seek(p.bar);
}
