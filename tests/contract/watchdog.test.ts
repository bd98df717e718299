/**
 * The watchdog (architecture.md, "Processes"; issue 4, item 7): the real
 * engine behind the headless shell is frozen (SIGSTOP), misses its
 * heartbeats for 2 s, is killed and restarted, and comes back HALTED with
 * the trigger saying why. POSIX only (SIGSTOP).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startShell } from '../../main/headless/shell';
import { eventually } from '../support/manual-clock';
import { ENGINE_ENTRY, RENDERER_DIR, SHARED_DATA } from '../support/paths';
import { connectTestClient } from '../support/ws-client';

describe.skipIf(process.platform === 'win32')('engine watchdog', () => {
  it('restarts an engine that stops answering heartbeats, and it comes back HALTED', async () => {
    const lines: string[] = [];
    const shell = await startShell({
      dataDir: mkdtempSync(join(tmpdir(), 'mia-watchdog-')),
      marketDataDir: join(SHARED_DATA, 'es'),
      rendererDir: RENDERER_DIR,
      engineEntry: ENGINE_ENTRY,
      log: (l) => lines.push(l),
    });
    try {
      const before = await connectTestClient(shell.port, shell.token);
      expect((await before.api.getExecution()).killSwitch.state).toBe('ACTIVE');
      before.close();
      const frozen = shell.enginePid!;
      process.kill(frozen, 'SIGSTOP');
      await eventually(() => expect(shell.restarts).toBe(1), 15_000, 50);
      expect(shell.enginePid).not.toBe(frozen);
      expect(lines.some((l) => l.includes('no heartbeat answer'))).toBe(true);
      await eventually(async () => {
        const after = await connectTestClient(shell.port, shell.token);
        try {
          expect((await after.api.getExecution()).killSwitch).toMatchObject({ state: 'HALTED', trigger: 'critical-error', flat: true });
        } finally {
          after.close();
        }
      }, 15_000, 100);
    } finally {
      await shell.close();
    }
  }, 40_000);
});
