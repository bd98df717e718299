/**
 * The built `mia` command as a process (issue 16, item 21): output piped to
 * a reader that closes early (`mia inspect file | head`) ends it quietly with
 * exit code 0, not an EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../support/paths';

describe('mia as a process', () => {
  it('stops quietly when the reader of its output closes the pipe (mia inspect | head)', async () => {
    const child = spawn(process.execPath, [resolve('dist/cli/mia.cjs'), 'inspect', resolve(SHARED_DATA, 'sierra/ESM23_10ticks.scid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    // Like `head -1` that already has its line: the pipe is closed before mia writes (its next write gets EPIPE).
    child.stdout.destroy();
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});
