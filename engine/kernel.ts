/**
 * The composition root (architecture.md, "The kernel"): builds the engine's
 * parts once, by constructor injection, and exposes them as the `EngineApi`
 * and the event bus. No singletons, no module-level state: every process or
 * test that needs an engine calls `createKernel`.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EventBus, EventFlow } from './bus.js';
import type { Clock, ReplaySpeed } from './clock.js';
import type {
  DataFileDTO,
  EngineApi,
  EngineEvent,
  ExecutionDTO,
  ExecutionHeadDTO,
  ExecutionStateDTO,
  GammaDTO,
  HeartbeatDTO,
  KillSwitchDTO,
  LoadChainRequest,
  ModeDTO,
  ConnectionsDTO,
  BrokerIdDTO,
  OpenReplayRequest,
  BackupStateDTO,
  RecordedSessionDTO,
  ReplaySnapshotDTO,
  ReplayStatusDTO,
  ReplaySpeedDTO,
  SignalStoryDTO,
  TimelineDTO,
} from './contract.js';
import { ES, type Instrument, type MarketRecord, type Timeframe } from './domain.js';
import { toExecutionHeadDTO, toGammaDTO, toKillSwitchDTO, type ExecutionSource } from './dto.js';
import { ExecutionFeed } from './run/execution-feed.js';
import { EngineError } from './errors.js';
import { detectFormat, openFeed } from './feeds/index.js';
import { RejectionLog } from './feeds/rejections.js';
import { ChainError, readChain } from './gamma/chain.js';
import { gammaLevels, type GammaLevels } from './gamma/gex.js';
import { MODES, methodConfig, type MethodConfig, type Mode } from './method/config.js';
import { OrderError } from './venue/orders.js';
import { PacedDriver } from './run/drivers/paced.js';
import { LiveDriver } from './run/drivers/live.js';
import type { RecordedReplay } from './run/recorded.js';
import type { OpenRun, RunOptions } from './run/run.js';
import { LIVE_SCHEDULER, type Scheduler } from './scheduler.js';
import { BackupError, createBackup, listArchives, restoreBackup } from './store/backup.js';
import { HistoryError, journalBars, journaledSignals, journaledTrades, listSessions, loadRun, loadSession, runScript, sessionTimeline, signalStory, type RecordedRun, type RecordedSession } from './store/history.js';
import { KillSwitch, KillSwitchError, MemoryKillSwitchStore } from './risk/kill-switch.js';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from './risk/sizing.js';
import { openDb, type Db } from './store/db.js';
import { SqliteKillSwitchStore } from './store/kill-switch-store.js';
import { Zone } from './time/zone.js';
import { SessionCalendar } from './time/sessions.js';
import { LiveManager, type SavedConnections } from './live/manager.js';

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

/** Backup settings (settings key 'backup'). */
interface BackupSettings {
  keep: number;
  daily: boolean;
  lastBackupAt: number | null;
}

const DEFAULT_BACKUP: BackupSettings = { keep: 7, daily: true, lastBackupAt: null };
/** The daily backup: first look a minute after start, then every hour; due 24 h after the last one. */
const DAILY_FIRST_CHECK_MS = 60_000;
const DAILY_CHECK_MS = 3_600_000;
const DAY_MS = 86_400_000;

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

const TIMEFRAMES: readonly Timeframe[] = ['1m', '5m', '15m', '1h'];
const SPEEDS: readonly ReplaySpeedDTO[] = [1, 5, 25, 100, 'max'];
const DATA_EXTENSIONS = /\.(scid|csv|jsonl|ndjson)$/i;

/** Builds the engine. `wall` is the only source of time (LiveClock in production). */
export function createKernel(config: KernelConfig, wall: Clock): Kernel {
  const instrument = config.instrument ?? ES;
  const bus = new EventBus<EngineEvent>((err) => {
    process.emitWarning(`event subscriber failed: ${String(err)}`);
  });
  const flow = new EventFlow();
  const journalPath = join(config.dataDir, 'journal.sqlite');
  const method = config.method ?? methodConfig();
  const risk = config.risk ?? DEFAULT_RISK_CONFIG;
  /** The open run and its driver (the open-run slot): at most one. */
  let replay: PacedDriver | LiveDriver | null = null;
  // The journal, the kill switch and the settings are (re)built by openStore: at start and after a restore.
  let db: Db | null = null;
  let killSwitch!: KillSwitch;
  let mode!: Mode;
  let execution!: ExecutionDTO;
  let backupSettings!: BackupSettings;
  let backupRunning = false;

  /** The live connections; built below, after the store (whose kill switch may publish the execution state first). */
  // eslint-disable-next-line prefer-const -- assigned once, after openStore: a const here would be in its temporal dead zone when the store publishes
  let live: LiveManager | undefined;
  /** What the execution panels are built from, now. */
  const executionSource = (): ExecutionSource => ({ mode, execution, brokerConnected: live?.brokerConnected() ?? false, killSwitch: killSwitch.status, risk, trader: replay?.run.trader ?? null, marketTs: replay?.run.marketTs() ?? null });
  const executionFeed = new ExecutionFeed();
  /** The head of the execution state: what an RPC that changed it answers. */
  const executionHead = (): ExecutionHeadDTO => toExecutionHeadDTO(executionSource());
  const publishExecution = (): void => bus.publish({ type: 'execution', delta: executionFeed.delta(executionSource()) });
  /** Whether a run trades on the workstation's switch (a recorded session has its own). */
  const liveRun = (): boolean => replay !== null && replay.run.recorded === null;

  /** Opens the journal and builds what lives in it: the kill switch, the execution and backup settings. */
  function openStore(haltReason: string | null): void {
    db = config.journal === false ? null : openDb(journalPath);
    killSwitch = new KillSwitch(db === null ? new MemoryKillSwitchStore() : new SqliteKillSwitchStore(db), wall);
    // The execution settings outlive runs and restarts (settings table); the mode starts from the method config.
    const saved = readSetting<{ mode?: unknown; execution?: unknown }>(db, 'execution');
    mode = (MODES as readonly unknown[]).includes(saved?.mode) ? (saved?.mode as Mode) : method.mode;
    execution = saved?.execution === 'AUTO' ? 'AUTO' : 'MANUAL';
    if (mode === 'LIVE') mode = 'PAPER'; // LIVE never comes back by itself: no broker is connected at start
    backupSettings = { ...DEFAULT_BACKUP, ...readSetting<Partial<BackupSettings>>(db, 'backup') };
    killSwitch.onChange((s) => {
      publishExecution();
      if (s.state === 'REDUCING' && !liveRun()) killSwitch.confirmFlat('engine'); // no run: no venue holds anything
    });
    if (haltReason !== null) killSwitch.trip('critical-error', haltReason, 'watchdog');
    // A switch stored mid-halt: no run is open yet, so no venue holds anything.
    if (killSwitch.state === 'REDUCING') killSwitch.confirmFlat('engine');
  }
  openStore(config.haltOnStart ?? null);

  const saveSetting = (key: string, value: unknown): void => {
    db?.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, JSON.stringify(value));
  };
  const saveSettings = (): void => saveSetting('execution', { mode, execution });
  const backupFolder = (): string => config.backupDir ?? join(config.dataDir, 'backups');
  const backupState = (): BackupStateDTO => ({ folder: backupFolder(), keep: backupSettings.keep, daily: backupSettings.daily, lastBackupAt: backupSettings.lastBackupAt, archives: listArchives(backupFolder()) });
  const journal = (): Db => {
    if (db === null) throw new EngineError('bad-request', 'this engine runs without a journal');
    return db;
  };
  /** The loaded chain, applied to the current replay and to replays opened later. */
  let chain: { levels: GammaLevels; basisPoints: number; dto: GammaDTO } | null = null;

  const idleStatus = (): ReplayStatusDTO => ({
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
  });

  const snapshotOf = (driver: PacedDriver | LiveDriver | null): ReplaySnapshotDTO => {
    const r = driver?.run ?? null;
    const gamma = r?.recorded != null ? r.gamma : (chain?.dto ?? null);
    if (r === null) return { status: idleStatus(), bars: [], levels: [], forming: null, sessions: [], rejections: [], analysis: null, signals: [], bases: [], violations: [], gamma };
    const h = r.history;
    return {
      status: r.status(),
      bars: h.bars.slice(),
      levels: h.levels.slice(),
      forming: r.forming(),
      sessions: h.sessions.slice(),
      rejections: h.rejections.slice(),
      analysis: h.analysis,
      signals: h.signals.slice(),
      bases: h.bases.slice(),
      violations: h.violations.slice(),
      gamma,
    };
  };

  const recordedOf = (): { replay: PacedDriver; recorded: RecordedReplay } => {
    const r = current();
    if (!(r instanceof PacedDriver) || r.run.recorded === null) throw new EngineError('bad-request', 'only a recorded session (Sessions view) can step back or seek; a data file replays forward');
    return { replay: r, recorded: r.run.recorded.recorded };
  };
  const scheduler = config.scheduler ?? LIVE_SCHEDULER;
  const replayDeps = () => ({ wall, bus, db, killSwitch, executionChanged: publishExecution, scheduler, flow });
  /** The options a new run starts with: the workstation's settings now. */
  const runOptions = (file: string, o: Pick<RunOptions, 'timeframe' | 'timeZone' | 'sessionKind'>): RunOptions => ({ file, instrument, ...o, method: { ...method, mode }, gamma: chain, execution, risk });

  const current = (): PacedDriver | LiveDriver => {
    if (replay === null) throw new EngineError('no-replay', 'No replay is open: open a data file first');
    return replay;
  };

  /** Gamma levels in force from now on (a chain file, or IB's live chain): the run, the journal and the windows. */
  const applyGamma = (levels: GammaLevels, basisPoints: number): GammaDTO => {
    chain = { levels, basisPoints, dto: toGammaDTO(levels, basisPoints) };
    replay?.run.setGamma(levels, basisPoints);
    bus.publish({ type: 'gamma', gamma: chain.dto });
    return chain.dto;
  };

  /** Live connections (issue 6): they open live runs through the same path as a replay. */
  const liveCalendar = new SessionCalendar('globex', instrument.timeZone);
  live = new LiveManager({
    wall,
    instrument,
    marketDataDir: config.marketDataDir,
    calendar: liveCalendar,
    load: () => readSetting<Partial<SavedConnections>>(db, 'connections'),
    save: (c) => saveSetting('connections', c),
    publish: (connections) => bus.publish({ type: 'connections', connections }),
    alert: (level, message) => bus.publish({ type: 'alert', level, message, ts: wall.now() }),
    openRun: async (source, venue) => {
      await closeRun();
      const r = new LiveDriver(runOptions(source, { timeframe: '1m', timeZone: instrument.timeZone, sessionKind: 'globex' }), venue, replayDeps(), liveCalendar);
      replay = r;
      bus.publish({ type: 'replay.opened', status: r.status() });
      publishExecution();
      return r;
    },
    run: () => (replay instanceof LiveDriver ? replay : null),
    endOfTurn: (cb) => scheduler.endOfTurn(cb),
    executionChanged: () => publishExecution(),
    setGamma: (levels, basisPoints) => void applyGamma(levels, basisPoints),
  });

  /** @throws EngineError bad-request unless `st` has a host and a port from 1 to 65535. */
  const requireHostPort = (st: { host?: unknown; port?: unknown } | undefined, broker: string): void => {
    if (typeof st?.host !== 'string' || !Number.isInteger(st.port) || (st.port as number) <= 0 || (st.port as number) > 65535) {
      throw new EngineError('bad-request', `connect: ${broker} needs a host and a port from 1 to 65535`);
    }
  };

  /** A connection failure or a refused routing as a bad request, in the broker's words. */
  const liveCall = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError('bad-request', e instanceof Error ? e.message : String(e));
    }
  };

  const api: EngineApi = {
    async ping(): Promise<HeartbeatDTO> {
      return { ts: wall.now(), pid: process.pid, version: config.version, dataDir: config.dataDir };
    },

    async listDataFiles(): Promise<DataFileDTO[]> {
      let names: string[];
      try {
        names = await readdir(config.marketDataDir);
      } catch {
        return [];
      }
      const files: DataFileDTO[] = [];
      for (const name of names.filter((n) => DATA_EXTENSIONS.test(n)).sort()) {
        const path = join(config.marketDataDir, name);
        const st = await stat(path).catch(() => null);
        if (st?.isFile() !== true) continue;
        files.push({ path, name, format: await detectFormat(path), bytes: st.size });
      }
      return files;
    },

    async openReplay(req: OpenReplayRequest): Promise<ReplayStatusDTO> {
      if (typeof req?.path !== 'string' || req.path.trim() === '') throw new EngineError('bad-request', 'openReplay: "path" must be a file path');
      const timeframe = req.timeframe ?? '1m';
      if (!TIMEFRAMES.includes(timeframe)) throw new EngineError('bad-request', `openReplay: "timeframe" must be one of ${TIMEFRAMES.join(', ')}`);
      const sessionKind = req.sessionKind ?? 'globex';
      if (sessionKind !== 'globex' && sessionKind !== 'rth') throw new EngineError('bad-request', 'openReplay: "sessionKind" must be globex or rth');
      const timeZone = req.timeZone ?? instrument.timeZone;
      try {
        new Zone(timeZone);
      } catch {
        throw new EngineError('bad-request', `openReplay: "timeZone" ${JSON.stringify(timeZone)} is not an IANA time zone`);
      }
      const resumeAt = req.resumeAt ?? null;
      if (resumeAt !== null && !Number.isSafeInteger(resumeAt)) throw new EngineError('bad-request', 'openReplay: "resumeAt" must be a market time in Unix ms');
      const st = await stat(req.path).catch(() => null);
      if (st === null || !st.isFile()) throw new EngineError('not-found', `${req.path}: no such file`);
      await closeRun();
      replay = await PacedDriver.open(runOptions(req.path, { timeframe, timeZone, sessionKind }), replayDeps(), resumeAt);
      const status = replay.status();
      bus.publish({ type: 'replay.opened', status });
      publishExecution();
      return status;
    },

    async play(): Promise<ReplayStatusDTO> {
      const r = current();
      if (r instanceof PacedDriver) r.play(); // a live run plays at the market's pace
      return r.status();
    },

    async pause(): Promise<ReplayStatusDTO> {
      const r = current();
      if (r instanceof PacedDriver) r.pause();
      return r.status();
    },

    async step(): Promise<ReplayStatusDTO> {
      const r = current();
      if (r instanceof PacedDriver) await r.step();
      return r.status();
    },

    async setSpeed(speed: ReplaySpeedDTO): Promise<ReplayStatusDTO> {
      if (!SPEEDS.includes(speed)) throw new EngineError('bad-request', `setSpeed: speed must be one of ${SPEEDS.join(', ')}`);
      const r = current();
      if (r instanceof PacedDriver) r.setSpeed(speed as ReplaySpeed);
      return r.status();
    },

    async closeReplay(): Promise<ReplayStatusDTO> {
      await closeRun();
      const status = idleStatus();
      bus.publish({ type: 'replay.status', status });
      publishExecution();
      return status;
    },

    async getReplaySnapshot(): Promise<ReplaySnapshotDTO> {
      return snapshotOf(replay);
    },

    async loadChain(req: LoadChainRequest): Promise<GammaDTO> {
      if (typeof req?.path !== 'string' || req.path.trim() === '') throw new EngineError('bad-request', 'loadChain: "path" must be a file path');
      const basisPoints = req.basisPoints ?? 0;
      if (typeof basisPoints !== 'number' || !Number.isFinite(basisPoints)) throw new EngineError('bad-request', 'loadChain: "basisPoints" must be a finite number of points (ES - SPX)');
      const st = await stat(req.path).catch(() => null);
      if (st === null || !st.isFile()) throw new EngineError('not-found', `${req.path}: no such file`);
      let levels: GammaLevels;
      try {
        levels = gammaLevels(await readChain(req.path));
      } catch (e) {
        if (e instanceof ChainError) throw new EngineError('bad-file', e.message);
        throw e;
      }
      return applyGamma(levels, basisPoints);
    },

    async clearChain(): Promise<null> {
      chain = null;
      replay?.run.setGamma(null);
      bus.publish({ type: 'gamma', gamma: null });
      return null;
    },

    async getExecution(): Promise<ExecutionStateDTO> {
      return executionFeed.full(executionSource());
    },

    async setMode(next: ModeDTO, confirmAccount?: string): Promise<ExecutionHeadDTO> {
      if (!(MODES as readonly string[]).includes(next)) throw new EngineError('bad-request', `setMode: mode must be one of ${MODES.join(', ')}`);
      await liveCall(() => (next === 'LIVE' ? live.goLive(confirmAccount) : live.goPaper()));
      if (next === 'LIVE') bus.publish({ type: 'alert', level: 'warning', message: `LIVE: orders now go to the broker, account ${live.account() ?? ''}`, ts: wall.now() });
      mode = next;
      replay?.run.setMode(next);
      saveSettings();
      publishExecution();
      return executionHead();
    },

    async setExecution(next: ExecutionDTO): Promise<ExecutionHeadDTO> {
      if (next !== 'MANUAL' && next !== 'AUTO') throw new EngineError('bad-request', 'setExecution: must be MANUAL or AUTO');
      execution = next;
      replay?.run.trader.setExecution(next);
      saveSettings();
      publishExecution();
      return executionHead();
    },

    async approve(signalId: string): Promise<ExecutionHeadDTO> {
      decide(() => tradable().trader.approve(String(signalId)));
      return executionHead();
    },

    async reject(signalId: string, reason?: string): Promise<ExecutionHeadDTO> {
      const why = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'rejected by the trader';
      decide(() => tradable().trader.reject(String(signalId), why));
      return executionHead();
    },

    async killSwitch(reason?: string): Promise<KillSwitchDTO> {
      const detail = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'kill switch pressed';
      if (replay !== null && liveRun()) replay.run.trader.trip('manual', detail, 'trader');
      else killSwitch.trip('manual', detail, 'trader');
      replay?.run.publishExecution();
      return toKillSwitchDTO(killSwitch.status);
    },

    async resetKillSwitch(reason: string): Promise<KillSwitchDTO> {
      try {
        killSwitch.reset(typeof reason === 'string' ? reason : '', 'trader');
      } catch (e) {
        if (e instanceof KillSwitchError) throw new EngineError('bad-request', e.message);
        throw e;
      }
      return toKillSwitchDTO(killSwitch.status);
    },

    async getConnections(): Promise<ConnectionsDTO> {
      return live.connections();
    },

    async connect(req): Promise<ConnectionsDTO> {
      if (req?.broker === 'dtc') {
        const st = req.settings;
        requireHostPort(st, 'Sierra Chart');
        if (st.encoding !== 'binary' && st.encoding !== 'json') throw new EngineError('bad-request', 'connect: "encoding" must be binary or json');
        await liveCall(() => live.connectDtc({ ...st, username: String(st.username ?? ''), symbol: String(st.symbol ?? '') }));
        return live.connections();
      }
      if (req?.broker === 'ib') {
        const st = req.settings;
        requireHostPort(st, 'Interactive Brokers');
        if (!Number.isInteger(st.clientId) || st.clientId < 0) throw new EngineError('bad-request', 'connect: "clientId" must be a whole number, 0 or more');
        await liveCall(() => live.connectIb({ host: st.host, port: st.port, clientId: st.clientId }));
        return live.connections();
      }
      throw new EngineError('bad-request', 'connect: "broker" must be ib or dtc');
    },

    async disconnect(broker: BrokerIdDTO): Promise<ConnectionsDTO> {
      if (broker === 'dtc') live.disconnectDtc();
      if (broker === 'ib') live.disconnectIb();
      return live.connections();
    },

    async setRouting(req): Promise<ConnectionsDTO> {
      const ok = (b: unknown): b is BrokerIdDTO => b === 'ib' || b === 'dtc';
      if (!ok(req?.dataSource) || !ok(req.orderRoute)) throw new EngineError('bad-request', 'setRouting: "dataSource" and "orderRoute" must each be ib or dtc');
      await liveCall(() => live.setRouting(req.dataSource, req.orderRoute));
      return live.connections();
    },

    async listSessions(): Promise<RecordedSessionDTO[]> {
      return listSessions(journal());
    },

    async openSession(req: { runId: number; sessionId: string }): Promise<ReplayStatusDTO> {
      if (!Number.isSafeInteger(req?.runId) || typeof req.sessionId !== 'string') throw new EngineError('bad-request', 'openSession: needs {runId: integer, sessionId: "YYYY-MM-DD"}');
      const d = journal();
      let run: RecordedRun;
      let session: RecordedSession;
      try {
        run = loadRun(d, req.runId);
        session = loadSession(d, req.runId, req.sessionId);
      } catch (e) {
        if (e instanceof HistoryError) throw new EngineError('not-found', e.message);
        throw e;
      }
      await closeRun();
      replay = await PacedDriver.openRecorded(await loadRecorded(d, run, session), instrument, replayDeps(), 0);
      const status = replay.status();
      bus.publish({ type: 'replay.opened', status });
      bus.publish({ type: 'gamma', gamma: replay.run.gamma });
      publishExecution();
      return status;
    },

    async seek(bar: number): Promise<ReplayStatusDTO> {
      const { replay: r, recorded } = recordedOf();
      if (!Number.isSafeInteger(bar) || bar < 0 || bar > recorded.session.bars) throw new EngineError('bad-request', `seek: bar must be an integer from 0 to ${recorded.session.bars}`);
      r.pause();
      const next = await PacedDriver.openRecorded(recorded, instrument, replayDeps(), bar);
      await r.close();
      if (replay !== r) {
        await next.close(); // another command replaced the replay meanwhile
        return current().status();
      }
      replay = next;
      bus.publish({ type: 'replay.seeked', snapshot: snapshotOf(next) });
      publishExecution();
      return next.status();
    },

    async stepBack(): Promise<ReplayStatusDTO> {
      const { replay: r } = recordedOf();
      const bar = r.status().recorded?.bar ?? 0;
      return bar === 0 ? r.status() : api.seek(bar - 1);
    },

    async getTimeline(): Promise<TimelineDTO> {
      const { run, session } = recordedOf().recorded;
      return sessionTimeline(journal(), run, session);
    },

    async getSignalStory(signalId: string): Promise<SignalStoryDTO> {
      const r = current();
      const runId = r.status().runId;
      if (runId === null) throw new EngineError('not-found', 'this replay has no journal');
      r.run.flushJournal();
      try {
        return { runId, ...signalStory(journal(), runId, String(signalId), r.run.marketTs() ?? Number.POSITIVE_INFINITY) };
      } catch (e) {
        if (e instanceof HistoryError) throw new EngineError('not-found', e.message);
        throw e;
      }
    },

    async getBackups(): Promise<BackupStateDTO> {
      return backupState();
    },

    async setBackupSettings(req: { keep?: number; daily?: boolean }): Promise<BackupStateDTO> {
      const keep = req?.keep ?? backupSettings.keep;
      if (!Number.isSafeInteger(keep) || keep < 1 || keep > 100) throw new EngineError('bad-request', 'setBackupSettings: "keep" must be an integer from 1 to 100');
      const daily = req?.daily ?? backupSettings.daily;
      if (typeof daily !== 'boolean') throw new EngineError('bad-request', 'setBackupSettings: "daily" must be true or false');
      backupSettings = { ...backupSettings, keep, daily };
      saveSetting('backup', backupSettings);
      return backupState();
    },

    async backup() {
      const d = journal();
      if (backupRunning) throw new EngineError('bad-request', 'a backup is already running');
      backupRunning = true;
      const t0 = wall.now();
      let lastProgress = -1;
      try {
        replay?.run.flushJournal();
        const res = await createBackup({
          db: d,
          dataDir: config.dataDir,
          marketDataDir: config.marketDataDir,
          folder: backupFolder(),
          createFolder: config.backupDir === undefined,
          keep: backupSettings.keep,
          appVersion: config.version,
          now: t0,
          onProgress: (phase, fraction) => {
            const pct = Math.floor(fraction * 20);
            if (pct === lastProgress) return;
            lastProgress = pct;
            bus.publish({ type: 'backup', phase, fraction, archive: null, message: null });
          },
        });
        backupSettings = { ...backupSettings, lastBackupAt: t0 };
        saveSetting('backup', backupSettings);
        bus.publish({ type: 'backup', phase: 'done', fraction: 1, archive: res.archive.path, message: null });
        return { ...res, ms: wall.now() - t0 };
      } catch (e) {
        const err = backupEngineError(e);
        bus.publish({ type: 'backup', phase: 'failed', fraction: 0, archive: null, message: err.message });
        throw err;
      } finally {
        backupRunning = false;
      }
    },

    async restore(archivePath: string) {
      if (typeof archivePath !== 'string' || archivePath.trim() === '') throw new EngineError('bad-request', 'restore: "archivePath" must be a file path');
      const d = journal();
      if (backupRunning) throw new EngineError('bad-request', 'a backup is running; restore when it is done');
      const t0 = wall.now();
      let closed = false;
      let result;
      try {
        result = await restoreBackup({
          archive: archivePath,
          journalPath,
          folder: backupFolder(),
          now: t0,
          beforeSwap: () => {
            // Every check passed: pause the engine (end the run) and let go of the live journal.
            if (replay !== null) void replay.close();
            replay = null;
            d.close();
            closed = true;
          },
        });
      } catch (e) {
        if (closed) openStore(null); // the swap failed after the journal closed: the live one is untouched, reopen it
        throw backupEngineError(e);
      }
      // The engine restarts on the restored journal, whose kill switch restoreBackup latched HALTED.
      openStore(null);
      const out = { archive: archivePath, replacedKeptAt: result.replacedKeptAt, schemaVersion: result.manifest.schemaVersion, ms: wall.now() - t0 };
      bus.publish({ type: 'restored', result: out });
      bus.publish({ type: 'replay.status', status: idleStatus() });
      publishExecution();
      return out;
    },
  };

  /** The run whose trader takes the trader's decisions: not a recorded session, which replays its recorded ones. */
  function tradable(): OpenRun {
    const r = current().run;
    if (r.recorded !== null) throw new EngineError('bad-request', 'a recorded session replays the decisions that were taken; open a data file to trade it');
    return r;
  }

  /** What a recorded session's replay needs from the journal and its data file. */
  async function loadRecorded(d: Db, run: RecordedRun, session: RecordedSession): Promise<RecordedReplay> {
    const recordedBefore = (r: MarketRecord): boolean => (r.kind === 'tick' ? r.tsEvent : r.ts) < session.endTs;
    let records: MarketRecord[] | null = null;
    if (run.kind !== 'live' && (await stat(run.source).catch(() => null))?.isFile() === true) {
      try {
        records = [];
        const feed = await openFeed(run.source, { instrument, barTimeframe: run.timeframe, timeZone: run.timeZone, rejections: new RejectionLog() });
        outer: for await (const block of feed.blocks()) {
          for (const r of block) {
            if (!recordedBefore(r)) break outer;
            records.push(r);
          }
        }
      } catch {
        records = null; // unreadable now: fall back to the journaled bars
      }
    }
    const source = records === null ? 'journal' : 'file';
    return {
      run,
      session,
      records: records ?? journalBars(d, run.id, run.timeframe).filter(recordedBefore),
      source,
      script: runScript(d, run.id),
      signals: journaledSignals(d, run.id, session.startTs, session.endTs),
      trades: journaledTrades(d, run.id, session.startTs, session.endTs),
    };
  }

  /**
   * Ends the open run. Its simulated paper account ends with it; a kill switch
   * still REDUCING on it is confirmed flat, since no venue holds anything now.
   */
  async function closeRun(): Promise<void> {
    if (replay !== null) await replay.close();
    replay = null;
    if (killSwitch.state === 'REDUCING') killSwitch.confirmFlat('engine');
  }

  /** Runs a queue decision, turning "no longer waiting" into a bad request and publishing the result. */
  function decide(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof OrderError) throw new EngineError('bad-request', e.message);
      throw e;
    }
    replay?.run.publishExecution();
  }

  /** The daily backup: due 24 h after the last one, checked hourly on the injected clock. */
  let dailyTimer = wall.setTimer(wall.now() + DAILY_FIRST_CHECK_MS, dailyCheck);
  function dailyCheck(): void {
    dailyTimer = wall.setTimer(wall.now() + DAILY_CHECK_MS, dailyCheck);
    const last = backupSettings.lastBackupAt;
    if (db === null || !backupSettings.daily || backupRunning || (last !== null && wall.now() - last < DAY_MS)) return;
    api.backup().catch((e: unknown) => {
      bus.publish({ type: 'alert', level: 'warning', message: `Daily backup failed: ${(e as Error).message}`, ts: wall.now() });
    });
  }

  return {
    api,
    bus,
    flow,
    get db() {
      return db;
    },
    get killSwitch() {
      return killSwitch;
    },
    async close(): Promise<void> {
      dailyTimer.cancel();
      live.close();
      if (replay !== null) await replay.close();
      replay = null;
      db?.close();
      db = null;
    },
  };
}

/** A backup or restore failure as the renderer sees it. */
function backupEngineError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  if (!(e instanceof BackupError)) return new EngineError('internal', (e as Error).message);
  const kind = e.kind === 'not-found' ? 'not-found' : e.kind === 'corrupt' || e.kind === 'foreign' || e.kind === 'newer-schema' ? 'bad-file' : 'bad-request';
  return new EngineError(kind, e.message);
}

/** A JSON setting, or null when absent. */
function readSetting<T>(db: Db | null, key: string): T | null {
  const row = db?.prepare(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined;
  return row === undefined ? null : (JSON.parse(row.value) as T);
}
