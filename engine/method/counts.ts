/** Signal counts by setup, side and grade, for run summaries (CLI `--json`, replay status). */
import type { TradingSignal } from './decision.js';

/** Counts of the signals of a run. */
export interface SignalCounts {
  total: number;
  bySetup: Record<string, number>;
  bySide: Record<string, number>;
  byGrade: Record<string, number>;
}

/** Empty counts. */
export function emptySignalCounts(): SignalCounts {
  return { total: 0, bySetup: {}, bySide: {}, byGrade: {} };
}

/** Adds one signal to `c` (mutates it). */
export function countSignal(c: SignalCounts, s: TradingSignal): void {
  c.total += 1;
  c.bySetup[s.setup] = (c.bySetup[s.setup] ?? 0) + 1;
  c.bySide[s.side] = (c.bySide[s.side] ?? 0) + 1;
  c.byGrade[s.grade] = (c.byGrade[s.grade] ?? 0) + 1;
}
