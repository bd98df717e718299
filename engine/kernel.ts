/**
 * The composition root (architecture.md, "The kernel"): builds the
 * engine-wide services once, by constructor injection (the event bus, the
 * clock, the journal with its kill switch and settings, the live
 * connections, the open-run slot, the gamma levels in force), and assembles
 * the `EngineApi` from its panels in engine/api/. No singletons, no
 * module-level state: every process or test that needs an engine calls
 * `createKernel`.
 */
import { join } from 'node:path';
import { backupApi } from './api/backup.js';
import { connectionsApi } from './api/connections.js';
import { executionApi } from './api/execution.js';
import type { ActiveRun, KernelParts } from './api/parts.js';
import { replayApi } from './api/replay.js';
import { EventBus, EventFlow } from './bus.js';
import type { Clock } from './clock.js';
import type { EngineApi, EngineEvent, GammaDTO, ReplayStatusDTO } from './contract.js';
import { ES, type Instrument } from './domain.js';
import { toExecutionHeadDTO, toGammaDTO, type ExecutionSource } from './dto.js';
import type { GammaLevels } from './gamma/gex.js';
import { LiveManager, type SavedConnections } from './live/manager.js';
import { methodConfig, type MethodConfig } from './method/config.js';
import { KillSwitch, MemoryKillSwitchStore } from './risk/kill-switch.js';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from './risk/sizing.js';
import { LiveDriver } from './run/drivers/live.js';
import { ExecutionFeed } from './run/execution-feed.js';
import type { GammaInForce } from './run/node.js';
import { LIVE_SCHEDULER, type Scheduler } from './scheduler.js';
import { readExecutionSettings, SettingsStore, type ExecutionSettings } from './settings.js';
import { openDb, type Db } from './store/db.js';
import { SqliteKillSwitchStore } from './store/kill-switch-store.js';
import { SessionCalendar } from './time/sessions.js';

/** How the kernel is set up. */
export interface KernelConfig {
  /** Folder of the journal database (and, later, backups and models). */
  readonly dataDir: string;
  /** Folder whose data files the file picker lists. */
  readonly marketDataDir: string;
  readonly version: string;
  readonly instrument?: Instrument;
  /** Open a journal database in dataDir (default true; false for tests that need none). */
  readonly journal?: boolean;
  /** The Battle Navale method's configuration; the spec's defaults when omitted. */
  readonly method?: MethodConfig;
  /** Section 12's numbers; the spec's defaults when omitted. */
  readonly risk?: RiskConfig;
  /**
   * Trip the kill switch as the kernel starts (critical-error): the watchdog
   * restarted a frozen engine, so it comes back HALTED whatever was stored.
   */
  readonly haltOnStart?: string | null;
  /** Backup folder when the settings name none (default `<dataDir>/backups`). */
  readonly backupDir?: string;
  /** Where paced runs yield to the event loop (default Node's; [Note: responsive engine]). */
  readonly scheduler?: Scheduler;
}

/** A running engine. */
export interface Kernel {
  readonly api: EngineApi;
  readonly bus: EventBus<EngineEvent>;
  /** Whether the windows keep up with the bus (their batchers say; a max-speed replay waits for them). */
  readonly flow: EventFlow;
  /** The journal (a new handle after a restore). */
  readonly db: Db | null;
  /** The workstation's latched kill switch (a new one, read from the restored journal, after a restore). */
  readonly killSwitch: KillSwitch;
  /** Stops any replay and closes the database. */
  close(): Promise<void>;
}

/** The journal and what lives in it; rebuilt after a restore. */
interface Store {
  readonly db: Db | null;
  readonly killSwitch: KillSwitch;
  readonly settings: SettingsStore;
}

/** Builds the engine. `wall` is the only source of time (LiveClock in production). */
export function createKernel(config: KernelConfig, wall: Clock): Kernel {
  const instrument = config.instrument ?? ES;
  const bus = new EventBus<EngineEvent>((err) => {
    process.emitWarning(`event subscriber failed: ${String(err)}`);
  });
  const flow = new EventFlow();
  const scheduler = config.scheduler ?? LIVE_SCHEDULER;
  const method = config.method ?? methodConfig();
  const risk = config.risk ?? DEFAULT_RISK_CONFIG;
  const paths = { dataDir: config.dataDir, marketDataDir: config.marketDataDir, journalPath: join(config.dataDir, 'journal.sqlite'), backupDir: config.backupDir ?? null };

  /** Opens the journal with its kill switch and settings (no listener yet: `wire` adds it). */
  const openStore = (): Store => {
    const db = config.journal === false ? null : openDb(paths.journalPath);
    return { db, killSwitch: new KillSwitch(db === null ? new MemoryKillSwitchStore() : new SqliteKillSwitchStore(db), wall), settings: new SettingsStore(db) };
  };
  let store = openStore();
  const exec: ExecutionSettings = readExecutionSettings(store.settings, method.mode);
  /** The open run and its driver (the open-run slot): at most one. */
  let open: ActiveRun | null = null;
  /** The gamma levels in force: applied to the open run and to runs opened later. */
  let gamma: (GammaInForce & { readonly dto: GammaDTO }) | null = null;
  /** ReplayStatusDTO.seq: one count for every run and the idle state. */
  let statusSeq = 0;
  const nextStatusSeq = (): number => ++statusSeq;

  const executionFeed = new ExecutionFeed();
  const liveCalendar = new SessionCalendar('globex', instrument.timeZone);
  const live: LiveManager = new LiveManager({
    wall,
    instrument,
    marketDataDir: config.marketDataDir,
    calendar: liveCalendar,
    load: () => store.settings.get<Partial<SavedConnections>>('connections'),
    save: (c) => store.settings.set('connections', c),
    publish: (connections) => bus.publish({ type: 'connections', connections }),
    alert: (level, message) => bus.publish({ type: 'alert', level, message, ts: wall.now() }),
    // Live connections open live runs through the same slot as a replay.
    openRun: async (source, venue) => {
      await parts.closeRun();
      const r = new LiveDriver(parts.runOptions(source, { timeframe: '1m', timeZone: instrument.timeZone, sessionKind: 'globex' }), venue, parts.runDeps(), liveCalendar);
      open = r;
      bus.publish({ type: 'replay.opened', status: r.status() });
      parts.publishExecution();
      return r;
    },
    run: () => (open instanceof LiveDriver ? open : null),
    endOfTurn: (cb) => scheduler.endOfTurn(cb),
    executionChanged: () => parts.publishExecution(),
    setGamma: (levels, basisPoints) => void parts.applyGamma(levels, basisPoints),
  });

  const executionSource = (): ExecutionSource => ({ mode: exec.mode, execution: exec.execution, brokerConnected: live.brokerConnected(), killSwitch: store.killSwitch.status, risk, trader: open?.run.trader ?? null, marketTs: open?.run.marketTs() ?? null });

  const parts: KernelParts = {
    version: config.version,
    paths,
    instrument,
    wall,
    bus,
    live,
    db: () => store.db,
    killSwitch: () => store.killSwitch,
    settings: () => store.settings,
    reopenStore: () => {
      store = openStore();
      // The restored journal's execution settings are the workstation's now.
      Object.assign(exec, readExecutionSettings(store.settings, method.mode));
      wire(null);
    },
    exec,
    saveExecution: () => store.settings.set('execution', { mode: exec.mode, execution: exec.execution }),
    publishExecution: () => bus.publish({ type: 'execution', delta: executionFeed.delta(executionSource()) }),
    executionHead: () => toExecutionHeadDTO(executionSource()),
    executionFull: () => executionFeed.full(executionSource()),
    run: () => open,
    setRun: (r) => {
      open = r;
    },
    async closeRun() {
      if (open !== null) await open.close();
      open = null;
      const ks = store.killSwitch;
      if (ks.state === 'REDUCING') ks.confirmFlat('engine');
    },
    runOptions: (file, o) => ({ file, instrument, ...o, method: { ...method, mode: exec.mode }, gamma, execution: exec.execution, risk }),
    runDeps: () => ({ wall, bus, db: store.db, killSwitch: store.killSwitch, executionChanged: parts.publishExecution, nextStatusSeq, scheduler, flow }),
    idleStatus: (): ReplayStatusDTO => ({
      seq: nextStatusSeq(),
      state: 'idle',
      speed: 1,
      file: null,
      path: null,
      format: null,
      timeframe: '1m',
      marketTs: null,
      timeZone: instrument.timeZone,
      barsProcessed: 0,
      barsPerSecond: 0,
      rejected: 0,
      rejectedByReason: {},
      error: null,
      runId: null,
      signals: 0,
      recorded: null,
      live: false,
    }),
    gamma: () => gamma,
    applyGamma: (levels: GammaLevels | null, basisPoints: number) => {
      gamma = levels === null ? null : { levels, basisPoints, dto: toGammaDTO(levels, basisPoints) };
      open?.run.setGamma(levels, basisPoints);
      bus.publish({ type: 'gamma', gamma: gamma?.dto ?? null });
      return gamma?.dto ?? null;
    },
  };

  /**
   * The kill switch's changes reach the windows; with no run open, no venue
   * holds anything, so a halt is flat at once. A switch stored mid-halt (or
   * the watchdog's `haltReason`) is settled the same way.
   */
  function wire(haltReason: string | null): void {
    const ks = store.killSwitch;
    ks.onChange((s) => {
      parts.publishExecution();
      if (s.state === 'REDUCING' && (open === null || open.run.recorded !== null)) ks.confirmFlat('engine');
    });
    if (haltReason !== null) ks.trip('critical-error', haltReason, 'watchdog');
    if (ks.state === 'REDUCING') ks.confirmFlat('engine');
  }
  wire(config.haltOnStart ?? null);

  const backup = backupApi(parts);
  const api: EngineApi = { ...replayApi(parts), ...executionApi(parts), ...connectionsApi(parts), ...backup.api };

  return {
    api,
    bus,
    flow,
    get db() {
      return store.db;
    },
    get killSwitch() {
      return store.killSwitch;
    },
    async close(): Promise<void> {
      backup.stop();
      live.close();
      if (open !== null) await open.close();
      open = null;
      store.db?.close();
      store = { ...store, db: null };
    },
  };
}
