/**
 * The engine's scheduler: where work yields to the event loop, and the
 * monotonic timer slices are measured on. With engine/clock.ts's LiveClock it
 * is the only place `setImmediate` and `queueMicrotask` appear in engine/**
 * (lint enforces it), so a test can run any driver on a scheduler of its own.
 *
 * [Note: responsive engine] A max-speed replay runs in slices of at most
 * `SLICE_MS` of monotonic time, then yields with `afterIo`, which lets
 * libuv's poll phase run first: heartbeats, RPCs (pause, step, the kill
 * switch) and broker sockets are served between any two slices, on a busy
 * machine too. A slice is measured on `monotonicMs` (performance.now), not
 * on the wall clock, which may jump.
 */
import type { TimerHandle } from './clock.js';

/** Yielding and slice timing. */
export interface Scheduler {
  /** A monotonic time in ms (arbitrary origin), for measuring how long work ran. */
  monotonicMs(): number;
  /** Runs `cb` once pending I/O has been served (Node's setImmediate). */
  afterIo(cb: () => void): TimerHandle;
  /** Runs `cb` at the end of the current turn, before any I/O (a microtask). */
  endOfTurn(cb: () => void): void;
}

/** Node's event loop. */
export const LIVE_SCHEDULER: Scheduler = {
  monotonicMs: () => performance.now(),
  afterIo: (cb) => {
    const h = setImmediate(cb);
    return { cancel: () => clearImmediate(h) };
  },
  endOfTurn: (cb) => queueMicrotask(cb),
};
