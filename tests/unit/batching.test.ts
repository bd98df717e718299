/**
 * Event batching to the windows (at most one batch per 16 ms, the first after
 * a quiet 16 ms at the end of its turn: issue 6's tick-to-chart latency) and
 * the renderer's once-per-frame re-render of the chrome.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineEventBatch } from '../../engine/contract.js';
import { EventFlow } from '../../engine/bus.js';
import { BATCH_MS, EventBatcher, MAX_UNACKED } from '../../engine/rpc/serve.js';
import { oncePerFrame } from '../../renderer/src/chart/model.js';
import { ManualClock } from '../support/manual-clock.js';

const alert = (message: string): EngineEvent => ({ type: 'alert', level: 'info', message, ts: 0 });

describe('EventBatcher', () => {
  it('posts the first event after a quiet BATCH_MS at the end of its turn, and coalesces a burst after it into one batch BATCH_MS later', () => {
    const clock = new ManualClock();
    const turn: (() => void)[] = [];
    const endTurn = (): void => turn.splice(0).forEach((cb) => cb());
    const posted: { at: number; batch: EngineEventBatch }[] = [];
    const b = new EventBatcher(clock, (batch) => posted.push({ at: clock.now(), batch }), (cb) => turn.push(cb));
    const t0 = clock.now();
    b.push(alert('a'));
    b.push(alert('b')); // the same turn: joins it
    expect(posted).toHaveLength(0);
    expect(clock.pending).toBe(0); // no timer: nothing waits for the clock
    endTurn();
    expect(posted.map((p) => [p.at - t0, p.batch.events.length])).toEqual([[0, 2]]);
    clock.advance(3);
    b.push(alert('c'));
    endTurn();
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
    b.push(alert('e')); // quiet for longer than BATCH_MS: at the end of the turn again
    endTurn();
    expect(posted.at(-1)?.at).toBe(t0 + BATCH_MS + 40);
    expect(posted.map((p) => p.batch.seq)).toEqual([1, 2, 3]);
  });

  it('ends the turn with a microtask by default', async () => {
    const posted: EngineEventBatch[] = [];
    const b = new EventBatcher(new ManualClock(), (batch) => posted.push(batch));
    b.push(alert('a'));
    b.push(alert('b'));
    expect(posted).toHaveLength(0);
    await Promise.resolve();
    expect(posted.map((p) => p.events.length)).toEqual([2]);
  });
});

describe('EventBatcher flow control (issue 15: the transport never queues a backlog in front of RPCs)', () => {
  it('holds the next batch while MAX_UNACKED are unanswered, says the window is behind while a batch is unanswered or events wait, and sends what waited, coalesced, on the ack', () => {
    const clock = new ManualClock();
    const turn: (() => void)[] = [];
    const endTurn = (): void => turn.splice(0).forEach((cb) => cb());
    const flow = new EventFlow();
    const posted: EngineEventBatch[] = [];
    const b = new EventBatcher(clock, (batch) => posted.push(batch), (cb) => turn.push(cb), flow);
    const caughtUp: number[] = [];
    expect(flow.behind()).toBe(false);
    b.push(alert('a0'));
    expect(flow.behind()).toBe(true); // an event waits to be sent
    endTurn();
    expect(posted.map((p) => p.seq)).toEqual([1]);
    expect(flow.behind()).toBe(true); // batch 1 is unanswered
    b.ack(1);
    expect(flow.behind()).toBe(false);
    for (let i = 1; i <= MAX_UNACKED; i += 1) {
      clock.advance(BATCH_MS);
      b.push(alert(`a${i}`));
      endTurn();
    }
    expect(posted.map((p) => p.seq)).toEqual([1, 2, 3]);
    flow.whenCaughtUp(() => caughtUp.push(clock.now()));
    b.push(alert('b'));
    b.push(alert('c'));
    endTurn();
    clock.advance(10 * BATCH_MS);
    expect(posted).toHaveLength(3); // held: the window has not applied 2 and 3
    b.ack(2);
    expect(posted.map((p) => [p.seq, p.events.map((e) => (e.type === 'alert' ? e.message : e.type))])).toEqual([
      [1, ['a0']],
      [2, ['a1']],
      [3, ['a2']],
      [4, ['b', 'c']],
    ]);
    expect(flow.behind()).toBe(true); // 3 and 4 unanswered
    expect(caughtUp).toHaveLength(0);
    b.ack(4);
    expect(flow.behind()).toBe(false);
    expect(caughtUp).toHaveLength(1);
    b.ack(99); // not a batch that was sent: ignored
    b.dispose();
    expect(flow.behind()).toBe(false);
  });

  it('a batch carries the analysis of its last closed bar only, and leaves the events it was given as they were', () => {
    const clock = new ManualClock();
    const turn: (() => void)[] = [];
    const posted: EngineEventBatch[] = [];
    const b = new EventBatcher(clock, (batch) => posted.push(batch), (cb) => turn.push(cb), new EventFlow());
    const bar = (ts: number): EngineEvent => ({
      type: 'bar.closed',
      bar: { ts, tf: '1m', open: 1, high: 1, low: 1, close: 1, volume: 1, bidVolume: 0, askVolume: 0, delta: 0, trades: 1 } as never,
      levels: null,
      analysis: { ts } as never,
      tsInit: ts,
    });
    const given = [bar(1), bar(2), bar(3)];
    for (const e of given) b.push(e);
    turn.splice(0).forEach((cb) => cb());
    expect(posted[0]!.events.map((e) => (e.type === 'bar.closed' ? e.analysis : undefined))).toEqual([null, null, { ts: 3 }]);
    expect(given.map((e) => (e.type === 'bar.closed' ? e.analysis : undefined))).toEqual([{ ts: 1 }, { ts: 2 }, { ts: 3 }]);
  });

  it('without a flow it never holds a batch (a consumer that does not acknowledge)', () => {
    const clock = new ManualClock();
    const posted: EngineEventBatch[] = [];
    const turn: (() => void)[] = [];
    const b = new EventBatcher(clock, (batch) => posted.push(batch), (cb) => turn.push(cb));
    for (let i = 0; i < 5; i += 1) {
      b.push(alert(String(i)));
      turn.splice(0).forEach((cb) => cb());
      clock.advance(BATCH_MS);
    }
    expect(posted).toHaveLength(5);
  });
});

describe('oncePerFrame', () => {
  it('runs once per animation frame however often it is triggered, and not after it is cancelled', () => {
    const frames = new Map<number, () => void>();
    let id = 0;
    let runs = 0;
    const f = oncePerFrame(
      () => (runs += 1),
      (run) => {
        frames.set(++id, run);
        return id;
      },
      (i) => frames.delete(i),
    );
    f.trigger();
    f.trigger();
    f.trigger();
    expect(frames.size).toBe(1);
    expect(runs).toBe(0);
    for (const [i, run] of [...frames]) {
      frames.delete(i);
      run();
    }
    expect(runs).toBe(1);
    f.trigger(); // after the frame ran: asks for the next one
    expect(frames.size).toBe(1);
    f.cancel();
    expect(frames.size).toBe(0);
    expect(runs).toBe(1);
  });
});
