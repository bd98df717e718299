/**
 * The composition root (architecture.md, "The kernel"): builds the engine's
 * parts once, by constructor injection, and exposes them as the `EngineApi`
 * and the event bus. No singletons, no module-level state: every process or
 * test that needs an engine calls `createKernel`.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EventBus } from './bus.js';
import type { Clock, ReplaySpeed } from './clock.js';
import type {
  DataFileDTO,
  EngineApi,
  EngineEvent,
  ExecutionDTO,
  ExecutionStateDTO,
  GammaDTO,
  HeartbeatDTO,
  KillSwitchDTO,
  LoadChainRequest,
  ModeDTO,
  OpenReplayRequest,
  ReplaySnapshotDTO,
  ReplayStatusDTO,
  ReplaySpeedDTO,
} from './contract.js';
import { ES, type Instrument, type Timeframe } from './domain.js';
import { toExecutionStateDTO, toGammaDTO, toKillSwitchDTO } from './dto.js';
import { EngineError } from './errors.js';
import { detectFormat } from './feeds/index.js';
import { ChainError, readChain } from './gamma/chain.js';
import { gammaLevels, type GammaLevels } from './gamma/gex.js';
import { MODES, methodConfig, type MethodConfig, type Mode } from './method/config.js';
import { OrderError } from './venue/sim.js';
import { Replay } from './replay/controller.js';
import { KillSwitch, KillSwitchError, MemoryKillSwitchStore } from './risk/kill-switch.js';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from './risk/sizing.js';
import { openDb, type Db } from './store/db.js';
import { SqliteKillSwitchStore } from './store/kill-switch-store.js';
import { Zone } from './time/zone.js';

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
}

/** A running engine. */
export interface Kernel {
  readonly api: EngineApi;
  readonly bus: EventBus<EngineEvent>;
  readonly db: Db | null;
  /** The workstation's latched kill switch. */
  readonly killSwitch: KillSwitch;
  /** Stops any replay and closes the database. */
  close(): Promise<void>;
}

const TIMEFRAMES: readonly Timeframe[] = ['1m', '5m', '15m', '1h'];
const SPEEDS: readonly ReplaySpeedDTO[] = [1, 10, 60, 600, 'max'];
const DATA_EXTENSIONS = /\.(scid|csv|jsonl|ndjson)$/i;

/** Builds the engine. `wall` is the only source of time (LiveClock in production). */
export function createKernel(config: KernelConfig, wall: Clock): Kernel {
  const instrument = config.instrument ?? ES;
  const bus = new EventBus<EngineEvent>((err) => {
    process.emitWarning(`event subscriber failed: ${String(err)}`);
  });
  const db = config.journal === false ? null : openDb(join(config.dataDir, 'journal.sqlite'));
  const method = config.method ?? methodConfig();
  const risk = config.risk ?? DEFAULT_RISK_CONFIG;
  const killSwitch = new KillSwitch(db === null ? new MemoryKillSwitchStore() : new SqliteKillSwitchStore(db), wall);
  // The execution settings outlive runs and restarts (settings table); the mode starts from the method config.
  const saved = readExecutionSettings(db);
  let mode: Mode = saved?.mode ?? method.mode;
  let execution: ExecutionDTO = saved?.execution ?? 'MANUAL';
  if (mode === 'LIVE') mode = 'PAPER'; // LIVE never comes back by itself: no broker is connected at start
  let replay: Replay | null = null;

  const executionState = (): ExecutionStateDTO =>
    toExecutionStateDTO({ mode, execution, brokerConnected: false, killSwitch: killSwitch.status, risk, trader: replay?.trader ?? null, marketTs: replay?.marketTs() ?? null });
  const publishExecution = (): void => bus.publish({ type: 'execution', state: executionState() });
  killSwitch.onChange((s) => {
    publishExecution();
    if (s.state === 'REDUCING' && replay === null) killSwitch.confirmFlat('engine'); // no run: no venue holds anything
  });
  if (config.haltOnStart != null) killSwitch.trip('critical-error', config.haltOnStart, 'watchdog');
  // A switch stored mid-halt: no run is open yet, so no venue holds anything.
  if (killSwitch.state === 'REDUCING') killSwitch.confirmFlat('engine');
  const saveSettings = (): void => {
    db?.prepare(`INSERT INTO settings (key, value) VALUES ('execution', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(JSON.stringify({ mode, execution }));
  };
  /** The loaded chain, applied to the current replay and to replays opened later. */
  let chain: { levels: GammaLevels; basisPoints: number; dto: GammaDTO } | null = null;

  const idleStatus = (): ReplayStatusDTO => ({
    state: 'idle',
    speed: 1,
    file: null,
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
  });

  const current = (): Replay => {
    if (replay === null) throw new EngineError('no-replay', 'No replay is open: open a data file first');
    return replay;
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
      const st = await stat(req.path).catch(() => null);
      if (st === null || !st.isFile()) throw new EngineError('not-found', `${req.path}: no such file`);
      await closeRun();
      replay = await Replay.open(
        { file: req.path, instrument, timeframe, timeZone, sessionKind, method: { ...method, mode }, gamma: chain, execution, risk },
        { wall, bus, db, killSwitch, executionChanged: publishExecution },
      );
      const status = replay.status();
      bus.publish({ type: 'replay.opened', status });
      publishExecution();
      return status;
    },

    async play(): Promise<ReplayStatusDTO> {
      const r = current();
      r.play();
      return r.status();
    },

    async pause(): Promise<ReplayStatusDTO> {
      const r = current();
      r.pause();
      return r.status();
    },

    async step(): Promise<ReplayStatusDTO> {
      const r = current();
      await r.step();
      return r.status();
    },

    async setSpeed(speed: ReplaySpeedDTO): Promise<ReplayStatusDTO> {
      if (!SPEEDS.includes(speed)) throw new EngineError('bad-request', `setSpeed: speed must be one of ${SPEEDS.join(', ')}`);
      const r = current();
      r.setSpeed(speed as ReplaySpeed);
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
      const gamma = chain?.dto ?? null;
      if (replay === null) return { status: idleStatus(), bars: [], levels: [], forming: null, sessions: [], rejections: [], analysis: null, signals: [], bases: [], violations: [], gamma };
      const h = replay.history;
      return {
        status: replay.status(),
        bars: h.bars.slice(),
        levels: h.levels.slice(),
        forming: replay.forming(),
        sessions: h.sessions.slice(),
        rejections: h.rejections.slice(),
        analysis: h.analysis,
        signals: h.signals.slice(),
        bases: h.bases.slice(),
        violations: h.violations.slice(),
        gamma,
      };
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
      chain = { levels, basisPoints, dto: toGammaDTO(levels, basisPoints) };
      replay?.setGamma(levels, basisPoints);
      bus.publish({ type: 'gamma', gamma: chain.dto });
      return chain.dto;
    },

    async clearChain(): Promise<null> {
      chain = null;
      replay?.setGamma(null);
      bus.publish({ type: 'gamma', gamma: null });
      return null;
    },

    async getExecution(): Promise<ExecutionStateDTO> {
      return executionState();
    },

    async setMode(next: ModeDTO): Promise<ExecutionStateDTO> {
      if (!(MODES as readonly string[]).includes(next)) throw new EngineError('bad-request', `setMode: mode must be one of ${MODES.join(', ')}`);
      if (next === 'LIVE') throw new EngineError('bad-request', 'setMode: LIVE needs a connected broker; connect Interactive Brokers or Sierra Chart first');
      mode = next;
      replay?.setMode(next);
      saveSettings();
      publishExecution();
      return executionState();
    },

    async setExecution(next: ExecutionDTO): Promise<ExecutionStateDTO> {
      if (next !== 'MANUAL' && next !== 'AUTO') throw new EngineError('bad-request', 'setExecution: must be MANUAL or AUTO');
      execution = next;
      replay?.trader.setExecution(next);
      saveSettings();
      publishExecution();
      return executionState();
    },

    async approve(signalId: string): Promise<ExecutionStateDTO> {
      decide(() => current().trader.approve(String(signalId)));
      return executionState();
    },

    async reject(signalId: string, reason?: string): Promise<ExecutionStateDTO> {
      const why = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'rejected by the trader';
      decide(() => current().trader.reject(String(signalId), why));
      return executionState();
    },

    async killSwitch(reason?: string): Promise<KillSwitchDTO> {
      const detail = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'kill switch pressed';
      if (replay !== null) replay.trader.trip('manual', detail, 'trader');
      else killSwitch.trip('manual', detail, 'trader');
      replay?.publishExecution();
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
  };

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
    replay?.publishExecution();
  }

  return {
    api,
    bus,
    db,
    killSwitch,
    async close(): Promise<void> {
      if (replay !== null) await replay.close();
      replay = null;
      db?.close();
    },
  };
}

/** The MANUAL/AUTO toggle and mode saved by the last session, if any. */
function readExecutionSettings(db: Db | null): { mode: Mode; execution: ExecutionDTO } | null {
  const row = db?.prepare(`SELECT value FROM settings WHERE key = 'execution'`).get() as { value: string } | undefined;
  if (row === undefined) return null;
  const v = JSON.parse(row.value) as { mode?: unknown; execution?: unknown };
  const mode = (MODES as readonly unknown[]).includes(v.mode) ? (v.mode as Mode) : 'PAPER';
  const execution = v.execution === 'AUTO' ? 'AUTO' : 'MANUAL';
  return { mode, execution };
}
