/**
 * The headless shell (architecture.md, "Headless shell"): plays main's part
 * where no Electron binary exists. It forks the same engine entry as a child
 * process, serves the built renderer on 127.0.0.1, and carries the renderer's
 * two channels over one WebSocket that requires this run's token. Frames pass
 * through as text: the shell never parses engine traffic. Its watchdog
 * restarts an engine that stops answering heartbeats for 2 s, with
 * `--halted`, so it comes back with the kill switch tripped, and one that
 * exits by itself the same way (up to 5 times a minute); open windows are
 * disconnected and reload.
 *
 * `main/headless/bin.ts` is its command line.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, posix, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineSocketPath } from '../../engine/contract';
import type { EngineToHost, HostToEngine } from '../../engine/host/contract';
import { EngineRestarts, EngineWatchdog, exitReason } from '../watchdog';

/** Restarts after the engine exited by itself, at most this many in a minute. */
const RESTARTS_IN_A_MINUTE = 5;

const SOCKET_PATH: EngineSocketPath = '/engine';
/** The largest WebSocket frame a window may send (RPC calls are small; a bigger one is closed with 1009). */
const MAX_FRAME_BYTES = 1024 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** The same policy as the renderer's meta tag; sent as a header too. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A running shell. */
export interface HeadlessShell {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** The current engine process (it changes when the watchdog restarts it). */
  readonly enginePid: number | undefined;
  /** How many times the watchdog restarted the engine. */
  readonly restarts: number;
  close(): Promise<void>;
}

/** How to start the shell. */
export interface ShellOptions {
  port?: number;
  dataDir?: string;
  marketDataDir?: string;
  replay?: string;
  /** A JSON file of overrides of the method's defaults (engine --method-config). */
  methodConfig?: string;
  rendererDir: string;
  engineEntry: string;
  /** Called with the engine's stderr lines and lifecycle notes. */
  log?: (line: string) => void;
  /** Heartbeat silence that restarts the engine, ms (default 2000). */
  watchdogTimeoutMs?: number;
  /** Heartbeats a second (default 2). */
  watchdogIntervalMs?: number;
  /** Each heartbeat's round trip, ms (benchmarks). */
  onHeartbeat?: (rttMs: number) => void;
}

function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(`${status} ${text}\n`);
}


/**
 * Starts the engine and the server. Resolves once both are up.
 * @throws when the port is taken or the engine does not start.
 */
export async function startShell(opts: ShellOptions): Promise<HeadlessShell> {
  const token = randomBytes(24).toString('base64url');
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const engineArgs: string[] = [];
  if (opts.dataDir !== undefined) engineArgs.push('--data-dir', opts.dataDir);
  if (opts.marketDataDir !== undefined) engineArgs.push('--market-data-dir', opts.marketDataDir);
  if (opts.replay !== undefined) engineArgs.push('--replay', opts.replay);
  if (opts.methodConfig !== undefined) engineArgs.push('--method-config', opts.methodConfig);
  const sockets = new Map<number, WebSocket>();
  let nextId = 1;
  let closing = false;
  let engine: ChildProcess;
  /** Engine restarts by the watchdog or after an exit. */
  let restarts = 0;
  const restartsAfterExit = new EngineRestarts(RESTARTS_IN_A_MINUTE);

  const toEngine = (m: HostToEngine): void => {
    if (engine.connected) engine.send(m);
  };
  const watchdog = new EngineWatchdog({
    send: (seq) => toEngine({ type: 'heartbeat', seq }),
    timeoutMs: opts.watchdogTimeoutMs,
    intervalMs: opts.watchdogIntervalMs,
    onAnswer: opts.onHeartbeat,
    onDead: (silentMs) => {
      restarts += 1;
      const reason = `engine restarted by the watchdog: no heartbeat answer for ${(silentMs / 1000).toFixed(1)} s`;
      log(reason);
      const old = engine;
      old.removeAllListeners('exit');
      old.kill('SIGKILL');
      // The window says why (a WebSocket close reason holds at most 123 bytes).
      for (const ws of sockets.values()) ws.close(1012, reason.slice(0, 123));
      spawnEngine(['--halted', reason]).catch((e: unknown) => log(`engine restart failed: ${String(e)}`));
    },
  });

  /** Forks the engine; resolves when it says it is ready. */
  function spawnEngine(extra: string[]): Promise<void> {
    const child = fork(opts.engineEntry, [...engineArgs, ...extra], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    engine = child;
    const ready = new Promise<void>((resolveReady, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`engine exited with code ${code} before it was ready`)));
      child.on('message', (m: EngineToHost) => {
        if (m.type === 'ready') {
          resolveReady();
          watchdog.start();
        } else if (m.type === 'frame') sockets.get(m.id)?.send(m.data);
        else if (m.type === 'heartbeat') watchdog.answered(m.seq);
        else if (m.type === 'fatal') log(`engine: fatal: ${m.message}`);
      });
    });
    child.on('exit', (code, signal) => {
      if (closing || child !== engine) return;
      watchdog.stop();
      if (!restartsAfterExit.allow()) {
        log(`engine exited (code ${code}, signal ${signal}) again: ${RESTARTS_IN_A_MINUTE} restarts in a minute, not restarting; closing connections`);
        for (const ws of sockets.values()) ws.close(1011, 'engine stopped');
        return;
      }
      // Like a frozen engine: restarted HALTED, and the windows told why (1012).
      restarts += 1;
      const reason = exitReason(code, signal);
      log(reason);
      for (const ws of sockets.values()) ws.close(1012, reason.slice(0, 123));
      spawnEngine(['--halted', reason]).catch((e: unknown) => log(`engine restart failed: ${String(e)}`));
    });
    return ready;
  }

  const ready = spawnEngine([]);

  const rendererRoot = await realpath(resolve(opts.rendererDir));
  /** Filled in once the port is known: the only Host and Origin values the shell answers. */
  let ownHosts: ReadonlySet<string> = new Set();
  let ownOrigins: ReadonlySet<string> = new Set();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((e: unknown) => {
      log(`request ${JSON.stringify(req.url ?? '').slice(0, 200)} failed: ${String(e)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  // A malformed request line or header never reaches `serve`: answer 400 and close, never crash.
  server.on('clientError', (_e, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  /**
   * Serves the built renderer (issue 16, "open doors"):
   * - only to requests addressed to this shell (`Host` 127.0.0.1:<port> or
   *   localhost:<port>: DNS rebinding gets 421) and not made by another web
   *   site (`Sec-Fetch-Site: cross-site` gets 403);
   * - the page (`/`, `/index.html`, however encoded) only with the token;
   *   the other files (the bundle, styles, icons: the same for every user,
   *   no data) without it, so the page can load them;
   * - a path decoded and normalised before any check, and resolved through
   *   symlinks: nothing outside the renderer folder; malformed paths get 400.
   */
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method Not Allowed');
    if (!ownHosts.has(req.headers.host ?? '')) return plain(res, 421, 'Misdirected Request');
    if (req.headers['sec-fetch-site'] === 'cross-site') return plain(res, 403, 'Forbidden');
    const target = req.url ?? '/';
    if (!target.startsWith('/')) return plain(res, 400, 'Bad Request'); // absolute-form and asterisk-form targets
    let url: URL;
    let decoded: string;
    try {
      url = new URL(target, 'http://127.0.0.1');
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return plain(res, 400, 'Bad Request');
    }
    if (decoded.includes('\0')) return plain(res, 400, 'Bad Request');
    let path = posix.normalize(decoded);
    if (path === '/' || path === '/index.html') {
      if (!tokenMatches(url.searchParams.get('token'), token)) return plain(res, 401, 'Unauthorized');
      path = '/index.html';
    }
    const file = normalize(join(rendererRoot, path));
    const real = await realpath(file).catch(() => null);
    if (real === null || !real.startsWith(rendererRoot + sep)) return plain(res, 404, 'Not Found');
    const st = await stat(real).catch(() => null);
    if (st === null || !st.isFile()) return plain(res, 404, 'Not Found');
    const body = await readFile(real);
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': path === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  wss.on('error', (e) => log(`WebSocket server: ${e.message}`));
  /**
   * The engine's WebSocket: only with the token, addressed to this shell
   * (Host), and from this shell's own page (Origin; a client that sends no
   * Origin is not a browser page). A frame over MAX_FRAME_BYTES closes that
   * socket (1009); nothing a client sends crashes the shell.
   */
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      return refuse('400 Bad Request');
    }
    if (!ownHosts.has(req.headers.host ?? '')) return refuse('421 Misdirected Request');
    const origin = req.headers.origin;
    if (origin !== undefined && !ownOrigins.has(origin)) return refuse('403 Forbidden');
    if (url.pathname !== SOCKET_PATH || !tokenMatches(url.searchParams.get('token'), token)) return refuse('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = nextId++;
      sockets.set(id, ws);
      toEngine({ type: 'connect', id });
      ws.on('error', (e) => log(`WebSocket ${id}: ${e.message}; closed`));
      ws.on('message', (data, isBinary) => {
        if (!isBinary) toEngine({ type: 'frame', id, data: data.toString() });
      });
      ws.on('close', () => {
        sockets.delete(id);
        toEngine({ type: 'disconnect', id });
      });
    });
  });

  await ready;
  const port = await new Promise<number>((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      resolvePort(typeof addr === 'object' && addr !== null ? addr.port : 0);
    });
  });
  ownHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  ownOrigins = new Set([...ownHosts].map((h) => `http://${h}`));

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    get enginePid(): number | undefined {
      return engine.pid;
    },
    get restarts(): number {
      return restarts;
    },
    async close(): Promise<void> {
      closing = true;
      watchdog.stop();
      for (const ws of sockets.values()) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      if (engine.exitCode === null && engine.signalCode === null) {
        const exited = new Promise<void>((r) => engine.once('exit', () => r()));
        toEngine({ type: 'shutdown' });
        const timer = setTimeout(() => engine.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
