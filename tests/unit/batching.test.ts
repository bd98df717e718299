/**
 * Event batching to the windows and the renderer's frame scheduler: at most
 * one batch (one update) per 16 ms, and the first after a quiet 16 ms at once
 * (issue 6's tick-to-chart latency).
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBatch } from '../../engine/contract.js';
import { BATCH_MS, EventBatcher } from '../../engine/rpc/serve.js';
import { leadingFrames } from '../../renderer/src/chart/model.js';
import { ManualClock } from '../support/manual-clock.js';

const alert = (message: string): EngineEvent => ({ type: 'alert', level: 'info', message, ts: 0 });

describe('EventBatcher', () => {
  it('posts the first event after a quiet BATCH_MS at once, and coalesces a burst after it into one batch BATCH_MS later', () => {
    const clock = new ManualClock();
    const posted: { at: number; batch: EngineEventBatch }[] = [];
    const b = new EventBatcher(clock, (batch) => posted.push({ at: clock.now(), batch }));
    const t0 = clock.now();
    b.push(alert('a'));
    b.push(alert('b')); // the same turn: joins it
    clock.advance(0);
    expect(posted.map((p) => [p.at - t0, p.batch.events.length])).toEqual([[0, 2]]);
    clock.advance(3);
    b.push(alert('c'));
    clock.advance(5);
    b.push(alert('d'));
    clock.advance(7);
    expect(posted).toHaveLength(1); // 15 ms since the last batch
    clock.advance(1);
    expect(posted.map((p) => [p.at - t0, p.batch.events.map((e) => (e.type === 'alert' ? e.message : ''))])).toEqual([
      [0, ['a', 'b']],
      [BATCH_MS, ['c', 'd']],
    ]);
    clock.advance(40);
    b.push(alert('e')); // quiet for longer than BATCH_MS: at once again
    clock.advance(0);
    expect(posted.at(-1)?.at).toBe(t0 + BATCH_MS + 40);
  });
});

describe('leadingFrames', () => {
  it('runs after a quiet frame in a microtask, and waits for the animation frame while updates keep coming', async () => {
    let t = 1000;
    const frames: (() => void)[] = [];
    const schedule = leadingFrames((cb) => frames.push(cb), () => t);
    const ran: string[] = [];
    schedule(() => ran.push('first'));
    await Promise.resolve();
    expect(ran).toEqual(['first']);
    t += 5;
    schedule(() => ran.push('second'));
    await Promise.resolve();
    expect(ran).toEqual(['first']); // within 16 ms of the last: the next frame
    expect(frames).toHaveLength(1);
    t += 11;
    frames.shift()?.();
    expect(ran).toEqual(['first', 'second']);
    t += 30;
    schedule(() => ran.push('third'));
    await Promise.resolve();
    expect(ran).toEqual(['first', 'second', 'third']);
  });
});
