/**
 * The kill switch's latch file (issue 16): a small file beside the journal,
 * allocated once when the engine starts, then overwritten in place and
 * fsynced on every transition, so it can still be written when the disk is
 * full and the journal cannot; it is read with the journal at start, and the
 * newer of the two wins.
 *
 * Layout: two slots of `SLOT_BYTES` bytes. A write goes to the slot after
 * the last one written, so a write torn by a crash or a power cut spoils
 * only that slot and the other still holds the previous state. A slot is
 * `{"seq":N,"status":{...}}` + "\n" + the sha256 (hex) of that JSON, padded
 * with NUL bytes.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { storedTrigger, type KillSwitchEvent, type KillSwitchState, type KillSwitchStatus, type KillSwitchStore } from '../risk/kill-switch.js';

/** Bytes per slot (one page: written in place, it needs no new block on a full disk). */
export const SLOT_BYTES = 4096;
/** The longest `detail` kept in the latch (the journal keeps it whole). */
const DETAIL_CHARS = 1024;
const STATES: readonly KillSwitchState[] = ['ACTIVE', 'REDUCING', 'HALTED'];

interface Slot {
  readonly seq: number;
  readonly status: KillSwitchStatus;
}

/** The latch file, open for the engine's life. */
export class KillSwitchLatch {
  private seq: number;

  private constructor(
    private readonly fd: number,
    readonly path: string,
    private last: Slot | null,
  ) {
    this.seq = last?.seq ?? 0;
  }

  /**
   * Opens (creating and allocating it when missing) the latch file at `path`.
   * @throws Error (from node:fs, with the path) when it can neither be opened nor created.
   */
  static open(path: string): KillSwitchLatch {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      fd = openSync(path, 'w+');
      writeSync(fd, Buffer.alloc(2 * SLOT_BYTES), 0, 2 * SLOT_BYTES, 0);
      fsyncSync(fd);
    }
    const slots = [readSlot(fd, 0), readSlot(fd, 1)].filter((s): s is Slot => s !== null);
    const last = slots.sort((a, b) => b.seq - a.seq)[0] ?? null;
    return new KillSwitchLatch(fd, path, last);
  }

  /** The last state written whole (null: none yet, or both slots unreadable). */
  read(): KillSwitchStatus | null {
    return this.last?.status ?? null;
  }

  /**
   * Writes `status` into the next slot and fsyncs it before returning.
   * @throws Error (from node:fs) when the write or the fsync fails.
   */
  write(status: KillSwitchStatus): void {
    const seq = this.seq + 1;
    const kept: KillSwitchStatus = { ...status, detail: status.detail === null ? null : status.detail.slice(0, DETAIL_CHARS) };
    const json = JSON.stringify({ seq, status: kept });
    const bytes = Buffer.alloc(SLOT_BYTES);
    bytes.write(`${json}\n${sha256(json)}`, 0, 'utf8');
    writeSync(this.fd, bytes, 0, SLOT_BYTES, (seq % 2) * SLOT_BYTES);
    fsyncSync(this.fd);
    this.seq = seq;
    this.last = { seq, status: kept };
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * The kill switch kept twice: in the latch file, written first, and in the
 * journal. `load` takes the newer of the two (by `updatedAt`; the latch on a
 * tie), so a transition the journal could not write (a full disk) still wins
 * after a restart. `save` reports a failed copy to `failed` and throws only
 * when neither copy was written.
 */
export class LatchedKillSwitchStore implements KillSwitchStore {
  constructor(
    private readonly latch: KillSwitchLatch | null,
    private readonly journal: KillSwitchStore,
    private readonly failed: (copy: 'latch file' | 'journal', error: Error) => void,
  ) {}

  load(): KillSwitchStatus | null {
    const a = this.latch?.read() ?? null;
    const b = this.journal.load();
    if (a === null) return b;
    if (b === null) return a;
    return a.updatedAt >= b.updatedAt ? a : b;
  }

  /** @throws Error (the journal's) when neither the latch file nor the journal took the transition. */
  save(status: KillSwitchStatus, event: KillSwitchEvent): void {
    let latched = false;
    if (this.latch !== null) {
      try {
        this.latch.write(status);
        latched = true;
      } catch (e) {
        this.failed('latch file', e as Error);
      }
    }
    try {
      this.journal.save(status, event);
    } catch (e) {
      this.failed('journal', e as Error);
      if (!latched) throw e;
    }
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Slot `i` if it holds a whole, valid record; null otherwise (never written, torn, or not ours). */
function readSlot(fd: number, i: number): Slot | null {
  const bytes = Buffer.alloc(SLOT_BYTES);
  const n = readSync(fd, bytes, 0, SLOT_BYTES, i * SLOT_BYTES);
  const text = bytes.subarray(0, n).toString('utf8').replace(/\0+$/, '');
  const cut = text.lastIndexOf('\n');
  if (cut < 0) return null;
  const json = text.slice(0, cut);
  if (sha256(json) !== text.slice(cut + 1)) return null;
  try {
    const v = JSON.parse(json) as { seq?: unknown; status?: Partial<KillSwitchStatus> };
    const s = v.status;
    if (typeof v.seq !== 'number' || s === undefined || !STATES.includes(s.state as KillSwitchState) || typeof s.flat !== 'boolean' || typeof s.updatedAt !== 'number') return null;
    const trigger = storedTrigger(s.trigger);
    return {
      seq: v.seq,
      status: { state: s.state as KillSwitchState, trigger, detail: typeof s.detail === 'string' ? s.detail : null, trippedAt: typeof s.trippedAt === 'number' ? s.trippedAt : null, flat: s.flat, updatedAt: s.updatedAt },
    };
  } catch {
    return null;
  }
}
