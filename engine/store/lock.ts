/**
 * One engine per data folder (issue 16, item 16): the engine holds
 * `<dataDir>/engine.lock` (its pid) while it runs. Another process that
 * opens the same journal (a second app, `mia restore`, `mia backup`) is
 * refused with the holder's pid, so a restore cannot replace the journal
 * under a running app, and the start-up recovery (interrupted runs, the kill
 * switch awaiting the broker) runs only in the engine that owns the folder.
 * A lock whose process is gone (a crash) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The data folder is in use by another live process. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`${dataDir} is in use by another MIA engine (pid ${pid}): close MIA Workstation (or that command) first; the app's own Sessions view and Backup button work while it runs`);
  }
}

/**
 * Whether process `pid` is alive (EPERM: alive, someone else's). A zombie
 * (exited, not yet reaped: an engine killed with its shell, reparented to an
 * init that is slow to reap) is not (Linux: state Z in /proc/<pid>/stat).
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (Windows, macOS): kill(pid, 0) said it is there
  }
}

/** The lock held on a data folder. */
export class DataDirLock {
  private constructor(
    private readonly file: string,
    private readonly pid: number,
  ) {}

  /**
   * Takes the folder's lock for this process (again, if this process holds it already).
   * @throws DataDirLockedError when another live process holds it.
   */
  static acquire(dataDir: string, pid = process.pid): DataDirLock {
    const file = join(dataDir, 'engine.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, `${pid}\n`);
        closeSync(fd);
        return new DataDirLock(file, pid);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      if (holder === pid) return new DataDirLock(file, pid);
      if (Number.isSafeInteger(holder) && holder > 0 && alive(holder)) throw new DataDirLockedError(dataDir, holder);
      unlinkSync(file); // stale: its process is gone
    }
    throw new DataDirLockedError(dataDir, -1);
  }

  /** Gives the lock up (only if this process still holds it). */
  release(): void {
    try {
      if (Number.parseInt(readFileSync(this.file, 'utf8').trim(), 10) === this.pid) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}
