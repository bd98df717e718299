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
import type { DataFileDTO, EngineApi, EngineEvent, GammaDTO, HeartbeatDTO, LoadChainRequest, OpenReplayRequest, ReplaySnapshotDTO, ReplayStatusDTO, ReplaySpeedDTO } from './contract.js';
import { ES, type Instrument, type Timeframe } from './domain.js';
import { toGammaDTO } from './dto.js';
import { EngineError } from './errors.js';
import { detectFormat } from './feeds/index.js';
import { ChainError, readChain } from './gamma/chain.js';
import { gammaLevels, type GammaLevels } from './gamma/gex.js';
import { methodConfig, type MethodConfig } from './method/config.js';
import { Replay } from './replay/controller.js';
import { openDb, type Db } from './store/db.js';
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
}

/** A running engine. */
export interface Kernel {
  readonly api: EngineApi;
  readonly bus: EventBus<EngineEvent>;
  readonly db: Db | null;
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
  let replay: Replay | null = null;
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
      if (replay !== null) await replay.close();
      replay = null;
      replay = await Replay.open({ file: req.path, instrument, timeframe, timeZone, sessionKind, method, gamma: chain }, { wall, bus, db });
      const status = replay.status();
      bus.publish({ type: 'replay.opened', status });
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
      if (replay !== null) await replay.close();
      replay = null;
      const status = idleStatus();
      bus.publish({ type: 'replay.status', status });
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
  };

  return {
    api,
    bus,
    db,
    async close(): Promise<void> {
      if (replay !== null) await replay.close();
      replay = null;
      db?.close();
    },
  };
}
