/**
 * The whole renderer <-> engine contract (architecture.md, "Contracts"):
 * `EngineApi` (RPC over comlink), `EngineEvent` (the batched event stream)
 * and their DTOs. Type-only: the renderer imports it with `import type`.
 *
 * Every value here is structured-clone and JSON safe: numbers, strings,
 * booleans, null, arrays and plain objects; times are Unix ms numbers; a
 * level that does not exist yet is null (never NaN, which JSON cannot carry).
 *
 * [Note: transports] The same two channels run over Electron MessagePorts
 * (main hands them out) or over one WebSocket in the headless shell, where
 * every frame is a `WireFrame`. Nothing else names a channel or a message.
 */

/** Bar timeframes. */
export type TimeframeDTO = '1m' | '5m' | '15m' | '1h';

/** Replay speeds: market time per wall time, or as fast as possible. */
export type ReplaySpeedDTO = 1 | 10 | 60 | 600 | 'max';

/** Data file formats the engine replays. */
export type FeedFormatDTO = 'scid' | 'csv' | 'jsonl';

/** A completed or forming bar. Prices in points, volumes in contracts, `ts` its open time. */
export interface BarDTO {
  ts: number;
  tf: TimeframeDTO;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Volume that hit the bid (sell aggressor). */
  bidVolume: number;
  /** Volume that lifted the ask (buy aggressor). */
  askVolume: number;
  /** askVolume - bidVolume. */
  delta: number;
  trades: number;
  hasOrderFlow: boolean;
}

/** Session levels at a bar's close, in points; null while undefined. */
export interface LevelsDTO {
  sessionId: string;
  vwap: number | null;
  /** Volume-weighted standard deviation; bands are vwap +- k * vwapSigma, k = 1, 2, 3. */
  vwapSigma: number | null;
  poc: number | null;
  vah: number | null;
  val: number | null;
  pPoc: number | null;
  pVah: number | null;
  pVal: number | null;
  sessionHigh: number | null;
  sessionLow: number | null;
}

/** A session as it stood at its last bar. */
export interface SessionDTO {
  /** Trade date, YYYY-MM-DD. */
  id: string;
  kind: 'globex' | 'rth';
  startTs: number;
  endTs: number;
  bars: number;
  volume: number;
  high: number;
  low: number;
  vwap: number | null;
  vwapSigma: number | null;
  poc: number | null;
  vah: number | null;
  val: number | null;
}

/** One rejected record. */
export interface RejectionDTO {
  file: string;
  location: string;
  field: string;
  reason: string;
  message: string;
}

/** States of the replay. */
export type ReplayStateDTO = 'idle' | 'loading' | 'paused' | 'playing' | 'ended' | 'error';

/** What the replay is doing; sent on every change and a few times a second while playing. */
export interface ReplayStatusDTO {
  state: ReplayStateDTO;
  speed: ReplaySpeedDTO;
  /** Basename of the file, null when idle. */
  file: string | null;
  format: FeedFormatDTO | null;
  timeframe: TimeframeDTO;
  /** Market time of the replay (Unix ms), null before the first record. */
  marketTs: number | null;
  /** Zone the market clock is shown in. */
  timeZone: string;
  barsProcessed: number;
  /** Completed bars per wall second over the last second. */
  barsPerSecond: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** The error that stopped the replay, when state is 'error'. */
  error: string | null;
  /** Journal run id of this replay, null when idle. */
  runId: number | null;
}

/** A market-data file the engine can open. */
export interface DataFileDTO {
  path: string;
  name: string;
  format: FeedFormatDTO;
  bytes: number;
}

/** How to open a replay. */
export interface OpenReplayRequest {
  path: string;
  /** Timeframe of bars built from ticks; default 1m. */
  timeframe?: TimeframeDTO;
  /** Zone of zone-less CSV timestamps; default America/New_York. */
  timeZone?: string;
  /** Levels per Globex (default) or RTH session. */
  sessionKind?: 'globex' | 'rth';
}

/** Engine liveness and identity. */
export interface HeartbeatDTO {
  /** Engine wall time, Unix ms. */
  ts: number;
  pid: number;
  version: string;
  dataDir: string;
}

/** Everything a newly connected window needs to draw the current replay. */
export interface ReplaySnapshotDTO {
  status: ReplayStatusDTO;
  bars: BarDTO[];
  /** levels[i] belongs to bars[i]. */
  levels: (LevelsDTO | null)[];
  forming: { bar: BarDTO; levels: LevelsDTO | null } | null;
  sessions: SessionDTO[];
  rejections: RejectionDTO[];
}

/**
 * Engine RPC (comlink). Every method returns a promise; a failure rejects with
 * an `Error` whose `name`, `message` and `kind` crossed the boundary.
 */
export interface EngineApi {
  /** Liveness (the watchdog's heartbeat). */
  ping(): Promise<HeartbeatDTO>;
  /** Files in the configured market-data folder (non-recursive, .scid/.csv/.jsonl). */
  listDataFiles(): Promise<DataFileDTO[]>;
  /**
   * Opens a file for replay, paused at its start. Closes any current replay.
   * @throws kind 'not-found' when the file does not exist, 'bad-file' when its header is unreadable.
   */
  openReplay(req: OpenReplayRequest): Promise<ReplayStatusDTO>;
  play(): Promise<ReplayStatusDTO>;
  pause(): Promise<ReplayStatusDTO>;
  /** Advances by one completed bar while paused. */
  step(): Promise<ReplayStatusDTO>;
  setSpeed(speed: ReplaySpeedDTO): Promise<ReplayStatusDTO>;
  closeReplay(): Promise<ReplayStatusDTO>;
  /** The current replay's state so far, for a window that (re)connects. */
  getReplaySnapshot(): Promise<ReplaySnapshotDTO>;
}

/** Kinds of error the engine reports. */
export type EngineErrorKind = 'not-found' | 'bad-file' | 'bad-request' | 'no-replay' | 'internal';

/** An error as it crosses a process boundary. */
export interface EngineErrorDTO {
  name: string;
  message: string;
  kind: EngineErrorKind;
}

/** The engine's event stream. */
export type EngineEvent =
  | { type: 'replay.opened'; status: ReplayStatusDTO }
  | { type: 'replay.status'; status: ReplayStatusDTO }
  /** A completed decision bar and the levels at its close. */
  | { type: 'bar.closed'; bar: BarDTO; levels: LevelsDTO | null; tsInit: number }
  /** The bar being built from ticks (replaces the previous forming bar). */
  | { type: 'bar.forming'; bar: BarDTO; levels: LevelsDTO | null }
  | { type: 'session.closed'; session: SessionDTO }
  | { type: 'feed.rejected'; rejection: RejectionDTO; total: number }
  | { type: 'alert'; level: 'info' | 'warning' | 'critical'; message: string; ts: number };

/** One message on the event channel: events in order, at most one batch a frame. */
export interface EngineEventBatch {
  seq: number;
  events: EngineEvent[];
}

/**
 * A frame of the headless shell's WebSocket, carrying both channels:
 * `rpc` frames hold comlink messages, `events` frames hold an EngineEventBatch.
 */
export type WireFrame = { ch: 'rpc'; msg: unknown } | { ch: 'events'; batch: EngineEventBatch };

/**
 * Path of the headless shell's WebSocket; the run's token goes in `?token=`.
 * A type, so the contract stays type-only: users write the literal and the
 * compiler checks it.
 */
export type EngineSocketPath = '/engine';

