/**
 * The kill switch's latch file (engine/store/latch.ts, issue 16): the last
 * state written whole survives a reopen; a torn last write falls back to the
 * one before; a file that is not a latch reads as nothing; the newer of the
 * latch and the journal wins.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryKillSwitchStore, type KillSwitchStatus } from '../../engine/risk/kill-switch';
import { KillSwitchLatch, LatchedKillSwitchStore, SLOT_BYTES } from '../../engine/store/latch';

const status = (state: KillSwitchStatus['state'], updatedAt: number): KillSwitchStatus => ({ state, trigger: state === 'ACTIVE' ? null : 'manual', detail: state === 'ACTIVE' ? null : 'test', trippedAt: state === 'ACTIVE' ? null : updatedAt, flat: state !== 'REDUCING', updatedAt });
const file = (): string => join(mkdtempSync(join(tmpdir(), 'mia-latch-')), 'kill-switch.latch');

describe('the latch file', () => {
  it('keeps the last state across a reopen, in a file of two fixed slots', () => {
    const path = file();
    const l = KillSwitchLatch.open(path);
    expect(l.read()).toBeNull();
    l.write(status('REDUCING', 1000));
    l.write(status('HALTED', 2000));
    l.close();
    expect(readFileSync(path)).toHaveLength(2 * SLOT_BYTES);
    const again = KillSwitchLatch.open(path);
    expect(again.read()).toEqual(status('HALTED', 2000));
    again.write(status('ACTIVE', 3000)); // goes on numbering from the last slot read
    again.close();
    expect(KillSwitchLatch.open(path).read()).toEqual(status('ACTIVE', 3000));
  });

  it('a write torn by a crash spoils its slot only: the state before it is read', () => {
    const path = file();
    const l = KillSwitchLatch.open(path);
    l.write(status('REDUCING', 1000)); // slot 1
    l.write(status('HALTED', 2000)); // slot 0
    l.close();
    const bytes = readFileSync(path);
    bytes.fill(0x20, 40, 60); // slot 0 half rewritten
    writeFileSync(path, bytes);
    expect(KillSwitchLatch.open(path).read()).toEqual(status('REDUCING', 1000));
  });

  it('reads a file that is not a latch as nothing', () => {
    const path = file();
    writeFileSync(path, 'not a latch\n0000');
    expect(KillSwitchLatch.open(path).read()).toBeNull();
  });

  it('the newer of latch and journal wins; a failed copy is reported, and only both failing throws', () => {
    const path = file();
    const latch = KillSwitchLatch.open(path);
    const journal = new MemoryKillSwitchStore();
    const failed: string[] = [];
    const store = new LatchedKillSwitchStore(latch, journal, (copy, e) => failed.push(`${copy}: ${e.message}`));
    const event = { ts: 0, from: 'ACTIVE', to: 'HALTED', trigger: 'manual', who: 'test', reason: null } as const;
    store.save(status('HALTED', 2000), event);
    expect(store.load()).toEqual(status('HALTED', 2000));
    journal.status = status('ACTIVE', 3000); // a later reset the latch missed
    expect(store.load()).toEqual(status('ACTIVE', 3000));
    const full = new LatchedKillSwitchStore(latch, { load: () => null, save: () => { throw new Error('database or disk is full'); } }, (copy, e) => failed.push(`${copy}: ${e.message}`));
    full.save(status('REDUCING', 4000), event);
    expect(failed).toEqual(['journal: database or disk is full']);
    expect(full.load()).toEqual(status('REDUCING', 4000));
    const none = new LatchedKillSwitchStore(null, { load: () => null, save: () => { throw new Error('read-only'); } }, () => undefined);
    expect(() => none.save(status('HALTED', 5000), event)).toThrow('read-only');
  });
});
