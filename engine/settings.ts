/**
 * Reading and saving the workstation's settings: JSON values by key in the
 * journal's settings table, which outlive runs and restarts (and travel in
 * backups). The execution settings (mode, MANUAL/AUTO), the backup settings
 * and the connections live here. An engine without a journal keeps none.
 */
import type { ExecutionMode } from './execution/records.js';
import { MODES, type Mode } from './method/config.js';
import type { Db } from './store/db.js';

/** One setting key per concern. */
export type SettingKey = 'execution' | 'backup' | 'connections' | 'account';

/** The settings table of one journal. */
export class SettingsStore {
  constructor(private readonly db: Db | null) {}

  /** The value saved under `key`, or null (none saved, or no journal). */
  get<T>(key: SettingKey): T | null {
    const row = this.db?.prepare(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.value) as T);
  }

  /** Saves `value` (JSON) under `key`; nothing without a journal. */
  set(key: SettingKey, value: unknown): void {
    this.db?.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, JSON.stringify(value));
  }
}

/** The mode and MANUAL/AUTO, as the top bar shows them. */
export interface ExecutionSettings {
  mode: Mode;
  execution: ExecutionMode;
}

/**
 * The saved execution settings; `defaultMode` (the method config's) when
 * none. LIVE never comes back by itself: no broker is connected at start.
 */
export function readExecutionSettings(s: SettingsStore, defaultMode: Mode): ExecutionSettings {
  const saved = s.get<{ mode?: unknown; execution?: unknown }>('execution');
  const mode = (MODES as readonly unknown[]).includes(saved?.mode) ? (saved?.mode as Mode) : defaultMode;
  return { mode: mode === 'LIVE' ? 'PAPER' : mode, execution: saved?.execution === 'AUTO' ? 'AUTO' : 'MANUAL' };
}

/** Backup settings: archives kept, the daily backup, and when the last one ran (Unix ms). */
export interface BackupSettings {
  keep: number;
  daily: boolean;
  lastBackupAt: number | null;
}

const DEFAULT_BACKUP: BackupSettings = { keep: 7, daily: true, lastBackupAt: null };

/** The saved backup settings over the defaults (7 archives, daily). */
export function readBackupSettings(s: SettingsStore): BackupSettings {
  return { ...DEFAULT_BACKUP, ...s.get<Partial<BackupSettings>>('backup') };
}

/**
 * The account's equity settings (issue 16): the starting equity the trader
 * set for runs whose orders are not at a broker (null: not set, the risk
 * config's default stands and is shown as such), and the high-water mark of
 * each broker account's net liquidation value, by `<broker>:<account>`
 * (the drawdown rule's peak, kept across restarts). USD.
 */
export interface AccountSettings {
  startingEquityUsd: number | null;
  brokerPeaksUsd: Record<string, number>;
}

/** The saved account settings; values that are not positive finite numbers are dropped. */
export function readAccountSettings(s: SettingsStore): AccountSettings {
  const saved = s.get<{ startingEquityUsd?: unknown; brokerPeaksUsd?: unknown }>('account');
  const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  const peaks: Record<string, number> = {};
  if (typeof saved?.brokerPeaksUsd === 'object' && saved.brokerPeaksUsd !== null) {
    for (const [k, v] of Object.entries(saved.brokerPeaksUsd)) if (positive(v)) peaks[k] = v;
  }
  return { startingEquityUsd: positive(saved?.startingEquityUsd) ? saved.startingEquityUsd : null, brokerPeaksUsd: peaks };
}
