/**
 * The EngineApi of backup and restore (engine/api/parts.ts): the settings,
 * a one-click backup with progress, a checked restore that swaps the journal
 * and comes back HALTED, and the daily backup on the injected clock.
 */
import { join } from 'node:path';
import type { TimerHandle } from '../clock.js';
import type { BackupStateDTO, EngineApi } from '../contract.js';
import { EngineError } from '../errors.js';
import { readBackupSettings, type BackupSettings } from '../settings.js';
import { BackupError, createBackup, listArchives, restoreBackup } from '../store/backup.js';
import { journalOf, type KernelParts } from './parts.js';

type BackupApi = Pick<EngineApi, 'getBackups' | 'setBackupSettings' | 'backup' | 'restore'>;

/** The daily backup: first look a minute after start, then every hour; due 24 h after the last one. */
const DAILY_FIRST_CHECK_MS = 60_000;
const DAILY_CHECK_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The backup panel's calls, and the daily schedule (`stop` ends it). */
export function backupApi(k: KernelParts): { api: BackupApi; stop: () => void } {
  const { bus, wall, paths } = k;
  let settings: BackupSettings = readBackupSettings(k.settings());
  let running = false;
  const folder = (): string => paths.backupDir ?? join(paths.dataDir, 'backups');
  const save = (next: BackupSettings): void => {
    settings = next;
    k.settings().set('backup', settings);
  };
  const state = (): BackupStateDTO => ({ folder: folder(), keep: settings.keep, daily: settings.daily, lastBackupAt: settings.lastBackupAt, archives: listArchives(folder()) });

  const api: BackupApi = {
    async getBackups() {
      return state();
    },

    async setBackupSettings(req) {
      const keep = req?.keep ?? settings.keep;
      if (!Number.isSafeInteger(keep) || keep < 1 || keep > 100) throw new EngineError('bad-request', 'setBackupSettings: "keep" must be an integer from 1 to 100');
      const daily = req?.daily ?? settings.daily;
      if (typeof daily !== 'boolean') throw new EngineError('bad-request', 'setBackupSettings: "daily" must be true or false');
      save({ ...settings, keep, daily });
      return state();
    },

    async backup() {
      const d = journalOf(k);
      if (running) throw new EngineError('bad-request', 'a backup is already running');
      running = true;
      const t0 = wall.now();
      let lastProgress = -1;
      try {
        k.run()?.run.flushJournal();
        const res = await createBackup({
          db: d,
          dataDir: paths.dataDir,
          marketDataDir: paths.marketDataDir,
          folder: folder(),
          createFolder: paths.backupDir === null,
          keep: settings.keep,
          appVersion: k.version,
          now: t0,
          onProgress: (phase, fraction) => {
            const pct = Math.floor(fraction * 20);
            if (pct === lastProgress) return;
            lastProgress = pct;
            bus.publish({ type: 'backup', phase, fraction, archive: null, message: null });
          },
        });
        save({ ...settings, lastBackupAt: t0 });
        bus.publish({ type: 'backup', phase: 'done', fraction: 1, archive: res.archive.path, message: null });
        return { ...res, ms: wall.now() - t0 };
      } catch (e) {
        const err = backupEngineError(e);
        bus.publish({ type: 'backup', phase: 'failed', fraction: 0, archive: null, message: err.message });
        throw err;
      } finally {
        running = false;
      }
    },

    async restore(archivePath) {
      if (typeof archivePath !== 'string' || archivePath.trim() === '') throw new EngineError('bad-request', 'restore: "archivePath" must be a file path');
      const d = journalOf(k);
      if (running) throw new EngineError('bad-request', 'a backup is running; restore when it is done');
      const t0 = wall.now();
      let closed = false;
      let result;
      try {
        result = await restoreBackup({
          archive: archivePath,
          journalPath: paths.journalPath,
          folder: folder(),
          now: t0,
          beforeSwap: () => {
            // Every check passed: pause the engine (end the run) and let go of the live journal.
            const open = k.run();
            if (open !== null) void open.close();
            k.setRun(null);
            d.close();
            closed = true;
          },
        });
      } catch (e) {
        if (closed) k.reopenStore(); // the swap failed after the journal closed: the live one is untouched, reopen it
        throw backupEngineError(e);
      }
      // The engine restarts on the restored journal, whose kill switch restoreBackup latched HALTED.
      k.reopenStore();
      settings = readBackupSettings(k.settings());
      const out = { archive: archivePath, replacedKeptAt: result.replacedKeptAt, schemaVersion: result.manifest.schemaVersion, ms: wall.now() - t0 };
      bus.publish({ type: 'restored', result: out });
      bus.publish({ type: 'replay.status', status: k.idleStatus() });
      k.publishExecution();
      return out;
    },
  };

  /** The daily backup: due 24 h after the last one, checked hourly on the injected clock. */
  let timer: TimerHandle = wall.setTimer(wall.now() + DAILY_FIRST_CHECK_MS, check);
  function check(): void {
    timer = wall.setTimer(wall.now() + DAILY_CHECK_MS, check);
    const last = settings.lastBackupAt;
    if (k.db() === null || !settings.daily || running || (last !== null && wall.now() - last < DAY_MS)) return;
    api.backup().catch((e: unknown) => {
      bus.publish({ type: 'alert', level: 'warning', message: `Daily backup failed: ${(e as Error).message}`, ts: wall.now() });
    });
  }

  return { api, stop: () => timer.cancel() };
}

/** A backup or restore failure as the renderer sees it. */
function backupEngineError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  if (!(e instanceof BackupError)) return new EngineError('internal', (e as Error).message);
  const kind = e.kind === 'not-found' ? 'not-found' : e.kind === 'corrupt' || e.kind === 'foreign' || e.kind === 'newer-schema' ? 'bad-file' : 'bad-request';
  return new EngineError(kind, e.message);
}
