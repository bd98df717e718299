/**
 * What the EngineApi's panels (engine/api/*.ts) use of the kernel: the
 * engine-wide services and the open-run slot. engine/kernel.ts builds them
 * once and assembles the API from the panels; a panel checks arguments,
 * calls these and maps errors, nothing else.
 */
import type { EventBus } from '../bus.js';
import type { Clock } from '../clock.js';
import type { EngineEvent, ExecutionHeadDTO, ExecutionStateDTO, GammaDTO, ReplayStatusDTO } from '../contract.js';
import type { Instrument } from '../domain.js';
import { EngineError } from '../errors.js';
import type { GammaLevels } from '../gamma/gex.js';
import type { LiveManager } from '../live/manager.js';
import type { KillSwitch } from '../risk/kill-switch.js';
import type { LiveDriver } from '../run/drivers/live.js';
import type { PacedDeps, PacedDriver } from '../run/drivers/paced.js';
import type { GammaInForce } from '../run/node.js';
import type { RunOptions } from '../run/run.js';
import type { Db } from '../store/db.js';
import type { ExecutionSettings, SettingChange, SettingsStore, TraderSettings } from '../settings.js';

/** The open run's driver. */
export type ActiveRun = PacedDriver | LiveDriver;

/** Where the engine keeps its files. */
export interface KernelPaths {
  readonly dataDir: string;
  readonly marketDataDir: string;
  readonly journalPath: string;
  /** The kill switch's latch file (store/latch.ts). */
  readonly latchPath: string;
  /** The backup folder the trader named, or null for `<dataDir>/backups`. */
  readonly backupDir: string | null;
}

/** The kernel's services, as the panels see them. */
export interface KernelParts {
  readonly version: string;
  readonly paths: KernelPaths;
  readonly instrument: Instrument;
  readonly wall: Clock;
  readonly bus: EventBus<EngineEvent>;
  readonly live: LiveManager;

  /** The journal, null without one (a new handle after a restore). */
  db(): Db | null;
  /** The workstation's latched kill switch (a new one after a restore). */
  killSwitch(): KillSwitch;
  settings(): SettingsStore;
  /** Opens the journal again with what lives in it (after a restore, or a failed one). */
  reopenStore(): void;
  /** The trader's settings in force (saved, or the engine config's when none is). */
  traderSettings(): { readonly settings: TraderSettings; readonly saved: boolean };
  /** A raised daily loss limit waiting for the next session: the limit in force until then, USD; null when none waits. */
  dailyLossLimitInForce(): number | null;
  /** Saves checked settings, journals the changes, and applies them to the open run (engine/api/settings.ts checks first). */
  saveTraderSettings(next: TraderSettings, changes: readonly SettingChange[], who: string, reason: string): void;

  /** The mode and MANUAL/AUTO now; `saveExecution` keeps them. */
  readonly exec: ExecutionSettings;
  saveExecution(): void;
  /** Publishes the execution state's change to the windows. */
  publishExecution(): void;
  executionHead(): ExecutionHeadDTO;
  executionFull(): ExecutionStateDTO;

  /** The open run, or null. */
  run(): ActiveRun | null;
  /** Puts `r` in the open-run slot (the previous one must be closed: `closeRun`). */
  setRun(r: ActiveRun | null): void;
  /** Ends the open run (a kill switch still REDUCING on it is confirmed flat: no venue holds anything now). */
  closeRun(): Promise<void>;
  /** The options a new run starts with: the workstation's settings now. */
  runOptions(file: string, o: Pick<RunOptions, 'timeframe' | 'timeZone' | 'sessionKind'>): RunOptions;
  runDeps(): PacedDeps;
  /** The idle state's status (no run open), numbered like a run's. */
  idleStatus(): ReplayStatusDTO;

  /** The gamma levels in force for runs opened from now on. */
  gamma(): (GammaInForce & { readonly dto: GammaDTO }) | null;
  /** New gamma levels: the run, the journal and the windows. */
  applyGamma(levels: GammaLevels | null, basisPoints: number): GammaDTO | null;
  /** A folder's chains, each from its snapshot time on, for the open run and runs opened later; the levels in force now. */
  applyGammaSchedule(schedule: readonly GammaInForce[]): GammaDTO | null;
}

/** The open run. @throws EngineError no-replay when none is open. */
export function currentRun(k: KernelParts): ActiveRun {
  const r = k.run();
  if (r === null) throw new EngineError('no-replay', 'No replay is open: open a data file first');
  return r;
}

/** The journal. @throws EngineError bad-request when the engine runs without one. */
export function journalOf(k: KernelParts): Db {
  const db = k.db();
  if (db === null) throw new EngineError('bad-request', 'this engine runs without a journal');
  return db;
}
