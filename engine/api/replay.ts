/**
 * The EngineApi of the replay panel and the top bar (engine/api/parts.ts):
 * the data files, opening, pacing and closing a replay, its snapshot for a
 * window that connects, SPX chains, and recorded sessions with their
 * timeline, seek and the signal inspector. Argument checks and error mapping
 * only; the runs are engine/run/'s.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { dataFileProblem } from '../feeds/data-file.js';
import type { ReplaySpeed } from '../clock.js';
import type { EngineApi, ReplaySnapshotDTO, ReplaySpeedDTO } from '../contract.js';
import type { MarketRecord, Timeframe } from '../domain.js';
import { EngineError } from '../errors.js';
import { detectFormat, openFeed } from '../feeds/index.js';
import { FeedError, RejectionLog } from '../feeds/rejections.js';
import { ChainError, readChain, readChains } from '../gamma/chain.js';
import { gammaLevels, type GammaLevels } from '../gamma/gex.js';
import { expandSeriesInputs, isFolderOrGlob, seriesBlocks, seriesFiles } from '../feeds/series.js';
import { PacedDriver } from '../run/drivers/paced.js';
import { nqClosesOfFile } from '../feeds/nq.js';
import type { NqCloses } from '../method/context.js';
import type { RecordedReplay } from '../run/recorded.js';
import type { Db } from '../store/db.js';
import { HistoryError, journalBars, journaledSignals, journaledTrades, listSessions, loadRun, loadSession, runScript, sessionTimeline, signalStory, type RecordedRun, type RecordedSession } from '../store/history.js';
import { Zone } from '../time/zone.js';
import { currentRun, journalOf, type ActiveRun, type KernelParts } from './parts.js';

const TIMEFRAMES: readonly Timeframe[] = ['1m', '5m', '15m', '1h'];
const SPEEDS: readonly ReplaySpeedDTO[] = [1, 5, 25, 100, 'max'];
const DATA_EXTENSIONS = /\.(scid|csv|jsonl|ndjson|txt)$/i;

type ReplayApi = Pick<
  EngineApi,
  | 'ping'
  | 'listDataFiles'
  | 'openReplay'
  | 'play'
  | 'pause'
  | 'step'
  | 'setSpeed'
  | 'closeReplay'
  | 'getReplaySnapshot'
  | 'loadChain'
  | 'clearChain'
  | 'listSessions'
  | 'openSession'
  | 'seek'
  | 'stepBack'
  | 'getTimeline'
  | 'getSignalStory'
>;

/**
 * A replay opens regular, non-empty files only (issue 16): a directory, a
 * device (/dev/zero) or a kernel file (/proc/self/environ reports size 0) is
 * refused by name, before anything is read.
 * @throws EngineError 'not-found' when nothing is there, 'bad-file' when it is not a regular data file.
 */
async function checkDataFile(path: string): Promise<void> {
  const p = await dataFileProblem(path);
  if (p !== null) throw new EngineError(p.missing ? 'not-found' : 'bad-file', p.message);
}

/** The replay panel's calls. */
export function replayApi(k: KernelParts): ReplayApi {
  const { bus, instrument, paths } = k;

  /** Opens `next` in the slot and tells the windows. */
  const opened = (next: ActiveRun): void => {
    k.setRun(next);
    bus.publish({ type: 'replay.opened', status: next.status() });
    next.run.opened();
  };

  const recordedOf = (): { replay: PacedDriver; recorded: RecordedReplay } => {
    const r = currentRun(k);
    if (!(r instanceof PacedDriver) || r.run.recorded === null) throw new EngineError('bad-request', 'only a recorded session (Sessions view) can step back or seek; a data file replays forward');
    return { replay: r, recorded: r.run.recorded.recorded };
  };

  const api: ReplayApi = {
    async ping() {
      return { ts: k.wall.now(), pid: process.pid, version: k.version, dataDir: paths.dataDir };
    },

    async listDataFiles() {
      let names: string[];
      try {
        names = await readdir(paths.marketDataDir);
      } catch {
        return [];
      }
      const files = [];
      for (const name of names.filter((n) => DATA_EXTENSIONS.test(n)).sort()) {
        const path = join(paths.marketDataDir, name);
        const st = await stat(path).catch(() => null);
        if (st?.isFile() !== true) continue;
        // A .txt that is not Sierra Chart's trades with depth (a readme) is no data file.
        const format = await detectFormat(path).catch(() => null);
        if (format !== null) files.push({ path, name, format, bytes: st.size });
      }
      return files;
    },

    async openReplay(req) {
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
      // A folder or a glob of contract files is a series (issue 19): each of its files is checked as it is read.
      const series = await isFolderOrGlob(req.path);
      if (!series) await checkDataFile(req.path);
      let nq: NqCloses | null = null;
      if (req.nqPath !== undefined && req.nqPath.trim() !== '') {
        await checkDataFile(req.nqPath);
        try {
          nq = await nqClosesOfFile(req.nqPath, instrument, timeframe, timeZone);
        } catch (e) {
          if (e instanceof FeedError) throw new EngineError('bad-file', `NQ file: ${e.message}`);
          throw e;
        }
      }
      await k.closeRun();
      let r: PacedDriver;
      try {
        r = await PacedDriver.open({ ...k.runOptions(req.path, { timeframe, timeZone, sessionKind }), nq, nqPath: nq === null ? null : req.nqPath }, k.runDeps(), resumeAt);
      } catch (e) {
        // A series' folder with no data file, or a glob matching none, is a bad file by name as a single one is.
        if (series && e instanceof FeedError) throw new EngineError('bad-file', e.message);
        throw e;
      }
      opened(r);
      k.publishExecution();
      return r.status();
    },

    async play() {
      const r = currentRun(k);
      if (r instanceof PacedDriver) r.play(); // a live run plays at the market's pace
      return r.status();
    },

    async pause() {
      const r = currentRun(k);
      if (r instanceof PacedDriver) r.pause();
      return r.status();
    },

    async step() {
      const r = currentRun(k);
      if (r instanceof PacedDriver) await r.step();
      return r.status();
    },

    async setSpeed(speed) {
      if (!SPEEDS.includes(speed)) throw new EngineError('bad-request', `setSpeed: speed must be one of ${SPEEDS.join(', ')}`);
      const r = currentRun(k);
      if (r instanceof PacedDriver) r.setSpeed(speed as ReplaySpeed);
      return r.status();
    },

    async closeReplay() {
      await k.closeRun();
      const status = k.idleStatus();
      bus.publish({ type: 'replay.status', status });
      k.publishExecution();
      return status;
    },

    async getReplaySnapshot() {
      return snapshotOf(k, k.run());
    },

    async loadChain(req) {
      if (typeof req?.path !== 'string' || req.path.trim() === '') throw new EngineError('bad-request', 'loadChain: "path" must be a file path');
      const basisPoints = req.basisPoints ?? 0;
      if (typeof basisPoints !== 'number' || !Number.isFinite(basisPoints)) throw new EngineError('bad-request', 'loadChain: "basisPoints" must be a finite number of points (ES - SPX)');
      if ((await stat(req.path).catch(() => null))?.isDirectory() === true) {
        let chains: Awaited<ReturnType<typeof readChains>>;
        try {
          chains = await readChains(req.path);
        } catch (e) {
          if (e instanceof ChainError) throw new EngineError('bad-file', e.message);
          throw e;
        }
        const schedule = chains.chains.map((c) => ({ levels: gammaLevels(c), basisPoints }));
        const first = schedule[0]!.levels;
        const last = schedule[schedule.length - 1]!.levels;
        const refused = chains.refused.length === 0 ? '' : `; ${chains.refused.length} file(s) refused, the first: ${chains.refused[0]}`;
        bus.publish({
          type: 'alert',
          level: chains.refused.length === 0 ? 'info' : 'warning',
          message: `${schedule.length} SPX chain(s) from ${basename(req.path)}, each in force from its snapshot time (${first.date} to ${last.date})${refused}`,
          ts: k.wall.now(),
        });
        return k.applyGammaSchedule(schedule);
      }
      await checkDataFile(req.path);
      let levels: GammaLevels;
      let rejected: readonly string[];
      try {
        const chain = await readChain(req.path);
        rejected = chain.rejected;
        levels = gammaLevels(chain);
      } catch (e) {
        if (e instanceof ChainError) throw new EngineError('bad-file', e.message);
        throw e;
      }
      if (rejected.length > 0) {
        bus.publish({ type: 'alert', level: 'warning', message: `${rejected.length} line(s) of ${basename(req.path)} rejected, the rest loaded; the first: ${rejected[0]}`, ts: k.wall.now() });
      }
      return k.applyGamma(levels, basisPoints)!;
    },

    async clearChain() {
      k.applyGamma(null, 0);
      return null;
    },

    async listSessions() {
      return listSessions(journalOf(k));
    },

    async openSession(req) {
      if (!Number.isSafeInteger(req?.runId) || typeof req.sessionId !== 'string') throw new EngineError('bad-request', 'openSession: needs {runId: integer, sessionId: "YYYY-MM-DD"}');
      const d = journalOf(k);
      let run: RecordedRun;
      let session: RecordedSession;
      try {
        run = loadRun(d, req.runId);
        session = loadSession(d, req.runId, req.sessionId);
      } catch (e) {
        if (e instanceof HistoryError) throw new EngineError('not-found', e.message);
        throw e;
      }
      await k.closeRun();
      const r = await PacedDriver.openRecorded(await loadRecorded(k, d, run, session), instrument, k.runDeps(), 0);
      opened(r);
      bus.publish({ type: 'gamma', gamma: r.run.gamma });
      k.publishExecution();
      return r.status();
    },

    async seek(bar) {
      const { replay: r, recorded } = recordedOf();
      if (!Number.isSafeInteger(bar) || bar < 0 || bar > recorded.session.bars) throw new EngineError('bad-request', `seek: bar must be an integer from 0 to ${recorded.session.bars}`);
      r.pause();
      // From the session's checkpoints (issue 19): the latest at or before the bar, then forward.
      const next = await PacedDriver.openRecorded(recorded, instrument, k.runDeps(), bar, r.recordedCheckpoints ?? undefined);
      await r.close();
      if (k.run() !== r) {
        await next.close(); // another command replaced the replay meanwhile
        return currentRun(k).status();
      }
      k.setRun(next);
      bus.publish({ type: 'replay.seeked', snapshot: snapshotOf(k, next) });
      k.publishExecution();
      return next.status();
    },

    async stepBack() {
      const { replay: r } = recordedOf();
      const bar = r.status().recorded?.bar ?? 0;
      return bar === 0 ? r.status() : api.seek(bar - 1);
    },

    async getTimeline() {
      const { run, session } = recordedOf().recorded;
      return sessionTimeline(journalOf(k), run, session);
    },

    async getSignalStory(signalId) {
      const r = currentRun(k);
      const runId = r.status().runId;
      if (runId === null) throw new EngineError('not-found', 'this replay has no journal');
      r.run.flushJournal();
      try {
        return { runId, ...signalStory(journalOf(k), runId, String(signalId), r.run.marketTs() ?? Number.POSITIVE_INFINITY) };
      } catch (e) {
        if (e instanceof HistoryError) throw new EngineError('not-found', e.message);
        throw e;
      }
    },
  };
  return api;
}

/** What a window that connects needs to draw the open run (the idle state when none). */
function snapshotOf(k: KernelParts, driver: ActiveRun | null): ReplaySnapshotDTO {
  const r = driver?.run ?? null;
  const gamma = r !== null ? r.gamma : (k.gamma()?.dto ?? null);
  if (r === null) return { status: k.idleStatus(), bars: [], levels: [], forming: null, sessions: [], rejections: [], analysis: null, signals: [], bases: [], violations: [], gamma };
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
}

/** What a recorded session's replay needs from the journal and its data file (the journaled bars when the file is gone or unreadable). */
async function loadRecorded(k: KernelParts, d: Db, run: RecordedRun, session: RecordedSession): Promise<RecordedReplay> {
  const recordedBefore = (r: MarketRecord): boolean => (r.kind === 'tick' ? r.tsEvent : r.ts) < session.endTs;
  let records: MarketRecord[] | null = null;
  // An adjusted series ran on prices no file holds: its journaled bars are what it saw.
  const adjusted = d.prepare(`SELECT 1 AS x FROM run_events WHERE run_id = ? AND kind = 'contract.rolled' AND detail LIKE '%"adjusted":true%' LIMIT 1`).get(run.id) !== undefined;
  const series = run.kind !== 'live' && !adjusted && (await isFolderOrGlob(run.source));
  if (run.kind !== 'live' && !adjusted && (series || (await stat(run.source).catch(() => null))?.isFile() === true)) {
    try {
      records = [];
      const opts = { instrument: k.instrument, barTimeframe: run.timeframe, timeZone: run.timeZone, rejections: new RejectionLog() };
      // A series' records as the run read them; its changes of contract are in the run's script (runScript: roll).
      const blocks = series ? seriesBlocks(await seriesFiles(await expandSeriesInputs([run.source]), opts), opts) : (await openFeed(run.source, opts)).blocks();
      outer: for await (const block of blocks) {
        for (const r of block) {
          if (!recordedBefore(r)) break outer;
          records.push(r);
        }
      }
    } catch {
      records = null; // unreadable now: fall back to the journaled bars
    }
  }
  return {
    run,
    session,
    records: records ?? journalBars(d, run.id, run.timeframe).filter(recordedBefore),
    source: records === null ? 'journal' : 'file',
    script: runScript(d, run.id),
    signals: journaledSignals(d, run.id, session.startTs, session.endTs),
    trades: journaledTrades(d, run.id, session.startTs, session.endTs),
  };
}
