/**
 * The composition root (architecture.md, "The kernel"): builds the
 * engine-wide services once, by constructor injection (the event bus, the
 * clock, the journal with its kill switch and settings, the live
 * connections, the open-run slot, the gamma levels in force), and assembles
 * the `EngineApi` from its panels in engine/api/. No singletons, no
 * module-level state: every process or test that needs an engine calls
 * `createKernel`.
 */
import { mkdirSync } from 'node:fs';
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
import { managementOf, methodOf, readAccountSettings, readExecutionSettings, readTraderSettings, riskOf, SettingsStore, traderSettingsOf, type ExecutionSettings, type TraderSettings } from './settings.js';
import { researchApi } from './api/research.js';
import { settingsApi } from './api/settings.js';
import { openDb, SchemaTooNewError, type Db } from './store/db.js';
import { dayCarry, markInterruptedRuns } from './store/journal.js';
import type { DayCarry } from './execution/records.js';
import { SqliteKillSwitchStore } from './store/kill-switch-store.js';
import { KillSwitchLatch, LatchedKillSwitchStore } from './store/latch.js';
import { DataDirLock, DataDirLockedError } from './store/lock.js';
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
  /** A chain in force older than this many trading days at a bar is said (default 3, GAMMA_MAX_AGE_TRADING_DAYS). */
  readonly gammaMaxAgeTradingDays?: number;
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
  readonly latch: KillSwitchLatch | null;
  readonly killSwitch: KillSwitch;
  readonly settings: SettingsStore;
}

/**
 * The data folder cannot hold the journal (missing parent, read-only,
 * not a folder, no space): the engine does not start, and says where and
 * what to do instead of SQLite's "unable to open database file".
 */
function dataDirError(dataDir: string, e: unknown): Error {
  const why = e instanceof Error ? e.message : String(e);
  return new Error(`the data folder ${dataDir} cannot hold the journal (${why}): the engine does not start without it; choose a writable folder with --data-dir, or make this one writable`);
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
  const paths = { dataDir: config.dataDir, marketDataDir: config.marketDataDir, journalPath: join(config.dataDir, 'journal.sqlite'), latchPath: join(config.dataDir, 'kill-switch.latch'), backupDir: config.backupDir ?? null };

  // One engine per data folder: another process on the same journal is refused (store/lock.ts).
  let folderLock: DataDirLock | null = null;
  if (config.journal !== false) {
    try {
      mkdirSync(config.dataDir, { recursive: true });
      folderLock = DataDirLock.acquire(config.dataDir);
    } catch (e) {
      if (e instanceof DataDirLockedError) throw e;
      throw dataDirError(config.dataDir, e);
    }
  }
  const critical = (message: string): void => bus.publish({ type: 'alert', level: 'critical', message, ts: wall.now() });
  /**
   * Opens the journal with its kill switch and settings (no listener yet:
   * `wire` adds it). The kill switch is kept in the latch file too, written
   * first (store/latch.ts): a full disk cannot keep it from latching.
   */
  const openStore = (): Store => {
    let db: Db | null = null;
    try {
      db = config.journal === false ? null : openDb(paths.journalPath);
    } catch (e) {
      if (e instanceof SchemaTooNewError) throw e;
      folderLock?.release();
      throw dataDirError(config.dataDir, e);
    }
    if (db === null) return { db, latch: null, killSwitch: new KillSwitch(new MemoryKillSwitchStore(), wall), settings: new SettingsStore(db) };
    let latch: KillSwitchLatch | null = null;
    try {
      latch = KillSwitchLatch.open(paths.latchPath);
    } catch (e) {
      critical(`The kill switch's latch file ${paths.latchPath} cannot be opened (${(e as Error).message}): the journal alone keeps it`);
    }
    const ksStore = new LatchedKillSwitchStore(latch, new SqliteKillSwitchStore(db), (copy, e) => critical(`The kill switch could not be written to the ${copy}: ${e.message}`));
    const killSwitch = new KillSwitch(ksStore, wall, (e, next) => critical(`The kill switch is ${next.state} but could not be saved anywhere (${e.message}): it will not survive a restart`));
    return { db, latch, killSwitch, settings: new SettingsStore(db) };
  };
  let store = openStore();
  const exec: ExecutionSettings = readExecutionSettings(store.settings, method.mode);
  /** The open run and its driver (the open-run slot): at most one. */
  let open: ActiveRun | null = null;
  /** The gamma levels in force: applied to the open run and to runs opened later. */
  let gamma: (GammaInForce & { readonly dto: GammaDTO }) | null = null;
  /** Or a folder's chains, each from its snapshot time on (replaces `gamma`, and is replaced by it). */
  let gammaSchedule: readonly GammaInForce[] = [];
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
    openRun: async (source, venue, nq) => {
      await parts.closeRun();
      // The day's results of earlier live runs (a restart, a reconnect) count against today's limits.
      const earlierToday = (ts: number, runId: number | null): DayCarry | null => {
        const s = liveCalendar.sessionAt(ts);
        return s === null || store.db === null ? null : dayCarry(store.db, s.openTs, s.closeTs, runId);
      };
      const r = new LiveDriver({ ...parts.runOptions(source, { timeframe: '1m', timeZone: instrument.timeZone, sessionKind: 'globex' }), nq }, venue, { ...parts.runDeps(), earlierToday, brokerEquity: () => live.brokerEquity() }, liveCalendar);
      open = r;
      bus.publish({ type: 'replay.opened', status: r.status() });
      parts.publishExecution();
      return r;
    },
    run: () => (open instanceof LiveDriver ? open : null),
    endOfTurn: (cb) => scheduler.endOfTurn(cb),
    executionChanged: () => parts.publishExecution(),
    setGamma: (levels, basisPoints) => void parts.applyGamma(levels, basisPoints),
    killSwitch: () => store.killSwitch,
    // PAPER on live data pays the simulated costs the trader set, as a replay does.
    simulatedCosts: () => (traderSettings.saved ? traderSettings.settings.paper : undefined),
    brokerPeak: {
      get: (key) => readAccountSettings(store.settings).brokerPeaksUsd[key] ?? null,
      raise: (key, usd) => {
        const a = readAccountSettings(store.settings);
        store.settings.set('account', { ...a, brokerPeaksUsd: { ...a.brokerPeaksUsd, [key]: usd } });
      },
    },
  });

  /** The risk config for runs opened now: the starting equity the trader set, over the config's (issue 16). */
  /**
   * The trader's settings (issue 18): the saved ones, else those of the
   * engine's risk config. A saved document that cannot be read is kept as it
   * is, said, and the defaults stand.
   */
  const loadTraderSettings = (): { settings: TraderSettings; saved: boolean } => {
    try {
      const saved = store.settings.get('trader') !== null;
      return { settings: saved ? readTraderSettings(store.settings) : traderSettingsOf(risk, method), saved };
    } catch (e) {
      critical(`The saved settings cannot be read (${(e as Error).message}): the defaults are in force until they are saved again; the saved document is kept as it is`);
      return { settings: traderSettingsOf(risk, method), saved: false };
    }
  };
  let traderSettings = loadTraderSettings();
  /** The trading session of the wall clock now ('YYYY-MM-DD'), null outside one (a raised daily loss limit waits for the next). */
  const sessionNow = (): string | null => liveCalendar.sessionAt(wall.now())?.id ?? null;
  /** A raised daily loss limit waiting for the next session: the limit until then, USD (null: none, or that session is over). */
  const deferredDailyLoss = (): number | null => {
    const d = store.settings.get<{ dailyLossLimitUsd: number; sessionId: string | null } | null>('trader-deferred');
    return d !== null && d.sessionId === sessionNow() ? d.dailyLossLimitUsd : null;
  };
  /** The risk config of runs opened now: the trader's settings and starting equity over the engine's config (issue 16, 18). */
  const riskNow = (): { risk: RiskConfig; startingEquitySource: 'trader' | 'default' } => {
    const usd = readAccountSettings(store.settings).startingEquityUsd;
    const held = deferredDailyLoss();
    const own = traderSettings.saved ? riskOf(traderSettings.settings, risk) : risk;
    const ruled = held === null ? own : { ...own, dailyLossLimitUsd: held };
    return usd === null ? { risk: ruled, startingEquitySource: 'default' } : { risk: { ...ruled, accountEquityUsd: usd }, startingEquitySource: 'trader' };
  };
  /** The open run shows the equity it opened with; with none open, what the next run gets. */
  const executionSource = (): ExecutionSource => {
    const opened = open === null ? riskNow() : { risk: open.run.opts.risk, startingEquitySource: open.run.opts.startingEquitySource ?? 'default' };
    return { mode: exec.mode, execution: exec.execution, brokerConnected: live.brokerConnected(), broker: live.brokerAccount(), killSwitch: store.killSwitch.status, ...opened, trader: open?.run.trader ?? null, marketTs: open?.run.marketTs() ?? null };
  };

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
      store.latch?.close();
      store = openStore();
      // The restored journal's execution settings are the workstation's now.
      Object.assign(exec, readExecutionSettings(store.settings, method.mode));
      traderSettings = loadTraderSettings();
      wire(null);
    },
    traderSettings: () => traderSettings,
    dailyLossLimitInForce: () => {
      const t = open?.run.trader.riskInForce ?? null;
      if (t !== null) return t.pendingDailyLossUsd === null ? null : t.risk.dailyLossLimitUsd;
      return deferredDailyLoss();
    },
    saveTraderSettings: (next, changes, who, reason) => {
      const before = riskNow().risk.dailyLossLimitUsd;
      const raised = changes.some((c) => c.field === 'risk.dailyLossLimitUsd' && c.loosens);
      store.settings.saveTrader(next, changes, who, reason, wall.now());
      // A raised daily loss limit waits for the next session, also for runs opened before it (a reconnect, a restart).
      if (raised) store.settings.set('trader-deferred', { dailyLossLimitUsd: deferredDailyLoss() ?? before, sessionId: sessionNow() });
      else if (changes.some((c) => c.field === 'risk.dailyLossLimitUsd')) store.settings.set('trader-deferred', null);
      traderSettings = { settings: next, saved: true };
      open?.run.trader.setRisk(riskOf(next, open.run.opts.risk));
      open?.run.trader.setManagement(managementOf(next));
      parts.publishExecution();
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
      settleWithoutRun();
    },
    runOptions: (file, o) => ({
      file,
      instrument,
      ...o,
      method: { ...(traderSettings.saved ? methodOf(traderSettings.settings, method) : method), mode: exec.mode },
      gamma,
      gammaSchedule,
      gammaMaxAgeTradingDays: config.gammaMaxAgeTradingDays,
      ...(traderSettings.saved
        ? { simulated: traderSettings.settings.paper, management: managementOf(traderSettings.settings), approval: { timeoutMs: traderSettings.settings.approval.expirySeconds * 1000, expiryTicks: traderSettings.settings.approval.expiryTicks } }
        : {}),
      execution: exec.execution,
      ...riskNow(),
    }),
    runDeps: () => ({ wall, bus, db: store.db, killSwitch: store.killSwitch, executionChanged: parts.publishExecution, nextStatusSeq, scheduler, flow }),
    idleStatus: (): ReplayStatusDTO => ({
      seq: nextStatusSeq(),
      state: 'idle',
      speed: 1,
      file: null,
      path: null,
      nqPath: null,
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
      gammaSchedule = [];
      open?.run.setGamma(levels, basisPoints);
      bus.publish({ type: 'gamma', gamma: gamma?.dto ?? null });
      return gamma?.dto ?? null;
    },
    applyGammaSchedule: (schedule) => {
      gamma = null;
      gammaSchedule = schedule;
      const now = open?.run.setGammaSchedule(schedule) ?? null;
      bus.publish({ type: 'gamma', gamma: now });
      return now;
    },
  };

  /**
   * A halt with no run trading: the simulated venues are gone with their
   * runs, so it is flat at once, unless a broker is the order route: then
   * only the broker's positions say flat (the live manager reads them and
   * flattens at the broker).
   */
  function settleWithoutRun(): void {
    if (live.brokerAttached()) live.killSwitchChanged();
    else if (store.killSwitch.state === 'REDUCING') store.killSwitch.confirmFlat('engine');
  }

  /**
   * The kill switch's changes reach the windows and the broker. At start
   * (and after a restore): runs left `running` were interrupted; if one was
   * live, a broker may hold a position nobody confirmed, so the switch comes
   * back HALTED awaiting the broker (issue 16: never a false flat), whatever
   * it was. Otherwise a switch stored mid-halt (or the watchdog's
   * `haltReason`) is settled as with no run.
   */
  function wire(haltReason: string | null): void {
    const ks = store.killSwitch;
    // Flat is the account's: the open run's venue and the order route's broker both.
    ks.watchVenue('run', () => open === null || open.run.recorded !== null || open.run.trader.venueFlat());
    ks.watchVenue('broker', () => live.brokerFlat());
    ks.onChange(() => {
      parts.publishExecution();
      if (open === null || open.run.recorded !== null) settleWithoutRun();
      else live.killSwitchChanged();
    });
    const interrupted = store.db === null ? [] : markInterruptedRuns(store.db, wall.now());
    const liveRuns = interrupted.filter((r) => r.kind === 'live');
    if (haltReason !== null) ks.trip('critical-error', haltReason, 'watchdog');
    if (liveRuns.length > 0) {
      ks.awaitBroker('critical-error', `the engine stopped during the live run ${liveRuns.map((r) => `#${r.id} (${r.source})`).join(', ')}: the broker's positions are not confirmed yet`);
      bus.publish({ type: 'alert', level: 'critical', message: `The engine stopped during a live run: the kill switch is HALTED until the broker's positions are read (connect the order route)`, ts: wall.now() });
    } else settleWithoutRun();
  }
  wire(config.haltOnStart ?? null);

  const backup = backupApi(parts);
  const research = researchApi(parts);
  const api: EngineApi = { ...replayApi(parts), ...executionApi(parts), ...connectionsApi(parts), ...settingsApi(parts), ...backup.api, ...research.api };

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
      research.stop();
      live.close();
      if (open !== null) await open.close();
      open = null;
      store.db?.close();
      store.latch?.close();
      store = { ...store, db: null, latch: null };
      folderLock?.release();
      folderLock = null;
    },
  };
}
