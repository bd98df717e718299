/**
 * What a replay and a chain may open (issue 16, items 12 and 22): regular,
 * non-empty data files only, refused by name otherwise, and never a word of
 * the content of a file that is not recognised as data (the engine's
 * environment in /proc/self/environ was echoed in the error).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LiveClock } from '../../engine/clock';
import { createKernel } from '../../engine/kernel';
import { toErrorDTO } from '../../engine/rpc/serve';
import { SHARED_DATA } from '../support/paths';

const dir = mkdtempSync(join(tmpdir(), 'mia-open-'));
const k = createKernel({ dataDir: dir, marketDataDir: SHARED_DATA, version: 'test' }, new LiveClock());
afterAll(() => k.close());

const SECRET = 'MIA_SECRET_TOKEN=hunter2';
/** What the window is told (the RPC boundary's error shape). */
const refusal = (p: Promise<unknown>): Promise<{ kind: string; message: string }> => p.then(() => ({ kind: 'accepted', message: '' }), (e: unknown) => toErrorDTO(e));

describe('opening a file that is not a data file', () => {
  it('refuses kernel files, devices, folders and empty files by name, before reading them', async () => {
    expect(await refusal(k.api.openReplay({ path: '/proc/self/environ' }))).toMatchObject({ kind: 'bad-file', message: '/proc/self/environ: is empty' });
    expect(await refusal(k.api.openReplay({ path: '/dev/zero' }))).toMatchObject({ kind: 'bad-file', message: '/dev/zero: is not a regular file (a device, a pipe or a socket)' });
    // A folder is a series of contract files (issue 19): one without any is refused by name.
    const none = mkdtempSync(join(tmpdir(), 'mia-open-none-'));
    expect(await refusal(k.api.openReplay({ path: none }))).toMatchObject({ kind: 'bad-file', message: `${none}: a folder with no data file (.scid, .csv, .jsonl, .txt)` });
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect(await refusal(k.api.openReplay({ path: empty }))).toMatchObject({ kind: 'bad-file', message: `${empty}: is empty` });
    expect(await refusal(k.api.openReplay({ path: join(dir, 'missing.csv') }))).toMatchObject({ kind: 'not-found' });
    expect(await refusal(k.api.loadChain({ path: '/dev/zero' }))).toMatchObject({ kind: 'bad-file', message: '/dev/zero: is not a regular file (a device, a pipe or a socket)' });
  });

  it('never echoes the content of a file it does not recognise, whatever its name', async () => {
    const env = `${SECRET}\0PATH=/usr/bin\0HOME=/root\0`;
    for (const name of ['environ', 'environ.csv', 'environ.txt']) {
      const f = join(dir, name);
      writeFileSync(f, env);
      const e = await refusal(k.api.openReplay({ path: f }));
      expect(e.kind, name).toBe('bad-file');
      expect(e.message, name).not.toContain('hunter2');
      expect(e.message, name).not.toContain('PATH=');
    }
    expect((await refusal(k.api.openReplay({ path: join(dir, 'environ') }))).message).toBe(`${join(dir, 'environ')}: not a Sierra Chart .scid, bar CSV, JSONL or trades-with-depth file (neither its name nor its first bytes are of a supported format)`);
  });

  it('still names a real header that lacks a column, so the trader can fix the file', async () => {
    const f = join(dir, 'bars.csv');
    writeFileSync(f, 'Date,Time,Open,High,Low\n2023-09-25,09:30,1,2,0.5\n');
    const e = await refusal(k.api.openReplay({ path: f }));
    expect(e).toMatchObject({ kind: 'bad-file', message: expect.stringMatching(/missing column "close" \(header is "Date,Time,Open,High,Low"\)/) });
  });
});
