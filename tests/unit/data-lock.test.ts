/**
 * One engine per data folder (issue 16, item 16): while an engine of another
 * process holds the folder, a second engine, `mia restore` and `mia backup`
 * are refused with its pid, and nothing of the journal is touched; a lock
 * left by a process that is gone (a crash) is taken over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock';
import { main } from '../../engine/cli/mia';
import { createKernel } from '../../engine/kernel';
import { DataDirLockedError } from '../../engine/store/lock';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** Another live process holding the folder's lock, as a running app's engine would. */
function otherEngineHolds(dir: string): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(c);
  writeFileSync(join(dir, 'engine.lock'), `${c.pid}\n`);
  return c;
}

describe('the data folder lock', () => {
  it('refuses a second engine and mia restore / backup while another engine runs, naming its pid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-lock-'));
    const k = createKernel({ dataDir: dir, marketDataDir: dir, version: 'test' }, new LiveClock());
    await k.close(); // a journal exists
    const other = otherEngineHolds(dir);
    expect(() => createKernel({ dataDir: dir, marketDataDir: dir, version: 'test' }, new LiveClock())).toThrow(DataDirLockedError);
    expect(() => createKernel({ dataDir: dir, marketDataDir: dir, version: 'test' }, new LiveClock())).toThrow(`is in use by another MIA engine (pid ${other.pid})`);
    const err: string[] = [];
    const archive = join(dir, 'some.zip');
    writeFileSync(archive, 'not used');
    expect(await main(['restore', archive, '--data-dir', dir], () => undefined, (s) => err.push(s))).not.toBe(0);
    expect(err.join('')).toMatch(new RegExp(`in use by another MIA engine \\(pid ${other.pid}\\)`));
    err.length = 0;
    expect(await main(['backup', '--data-dir', dir], () => undefined, (s) => err.push(s))).not.toBe(0);
    expect(err.join('')).toMatch(/in use by another MIA engine/);
    expect(readFileSync(join(dir, 'engine.lock'), 'utf8').trim()).toBe(String(other.pid)); // the holder's lock is left alone
  });

  it('names a data folder that cannot hold the journal, and what to do, instead of "unable to open database file" (issue 16)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-lock-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const inside = join(file, 'data');
    expect(() => createKernel({ dataDir: inside, marketDataDir: dir, version: 'test' }, new LiveClock())).toThrow(
      new RegExp(`^the data folder ${inside.replace(/[/.-]/g, '\\$&')} cannot hold the journal \\(.*ENOTDIR.*\\): the engine does not start without it; choose a writable folder with --data-dir`),
    );
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-lock-'));
    const gone = otherEngineHolds(dir);
    gone.kill('SIGKILL');
    await new Promise((r) => gone.once('exit', r));
    const k = createKernel({ dataDir: dir, marketDataDir: dir, version: 'test' }, new LiveClock());
    expect(readFileSync(join(dir, 'engine.lock'), 'utf8').trim()).toBe(String(process.pid));
    await k.close();
    expect(existsSync(join(dir, 'engine.lock'))).toBe(false);
  });
});
