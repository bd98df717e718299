/**
 * Entry of the engine process. Electron main starts it as a utility process
 * (ports arrive on `process.parentPort`); the headless shell starts it as a
 * child process (frames arrive over IPC). Everything after the transport is
 * the same kernel. Pure Node: no electron import (architecture.md).
 *
 * Arguments: --data-dir <dir>, --market-data-dir <dir>, --replay <file>,
 * --halted <reason> (the watchdog restarted the engine: trip the kill switch),
 * --method-config <file.json> (overrides of the method's defaults).
 * Both hosts send heartbeats (answered at once, from the event loop, so a
 * frozen kernel misses them) and may send `kill-switch` (global shortcut, tray).
 */
import { parseArgs } from 'node:util';
import { LiveClock } from './clock.js';
import type { EngineEventAck, EngineEventBatch, WireFrame } from './contract.js';
import type { EngineToHost, HostToEngine } from './host/contract.js';
import { APP_VERSION, defaultDataDir, defaultMarketDataDir } from './host/paths.js';
import { createKernel, type Kernel } from './kernel.js';
import { methodConfig, type MethodConfig, type MethodConfigOverride } from './method/config.js';
import { readFileSync } from 'node:fs';
import { endpointOf, serveConnection, type MessageEndpoint, type ServedConnection } from './rpc/serve.js';

/** Electron's MessagePortMain, as much of it as the engine uses. */
interface PortMain {
  postMessage(msg: unknown): void;
  on(ev: 'message', l: (e: { data: unknown }) => void): void;
  on(ev: 'close', l: () => void): void;
  start(): void;
}

/** Electron's utility-process parentPort. */
interface ParentPort {
  postMessage(msg: EngineToHost): void;
  on(ev: 'message', l: (e: { data: HostToEngine; ports: PortMain[] }) => void): void;
}

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'market-data-dir': { type: 'string' },
    replay: { type: 'string' },
    halted: { type: 'string' },
    'method-config': { type: 'string' },
  },
  strict: false,
});

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const dataDir = str(args['data-dir']) ?? defaultDataDir();
const marketDataDir = str(args['market-data-dir']) ?? defaultMarketDataDir(dataDir);
const wall = new LiveClock();

function portEndpoint(port: PortMain): MessageEndpoint {
  const { endpoint, deliver } = endpointOf((m) => port.postMessage(m));
  port.on('message', (e) => deliver(e.data));
  port.start();
  return endpoint;
}

/** Host messages both transports share: heartbeats, the out-of-band kill switch and the menu's backup. Returns true when handled. */
function hostCommon(kernel: Kernel, m: HostToEngine, send: (m: EngineToHost) => void): boolean {
  if (m.type === 'heartbeat') {
    send({ type: 'heartbeat', seq: m.seq });
    return true;
  }
  if (m.type === 'kill-switch') {
    void kernel.api.killSwitch(m.reason);
    return true;
  }
  if (m.type === 'backup') {
    kernel.api.backup().catch(() => undefined); // a failure is published as a `backup` event with its reason
    return true;
  }
  return false;
}

function serveElectron(kernel: Kernel, parent: ParentPort): void {
  parent.on('message', (e) => {
    if (hostCommon(kernel, e.data, (m) => parent.postMessage(m))) return;
    if (e.data.type === 'shutdown') void kernel.close().then(() => process.exit(0));
    if (e.data.type !== 'connect' || e.ports.length !== 2) return;
    const [rpcPort, eventPort] = e.ports as [PortMain, PortMain];
    const served = serveConnection(kernel, { rpc: portEndpoint(rpcPort), postEvents: (b: EngineEventBatch) => eventPort.postMessage(b) }, wall);
    eventPort.on('message', (m) => served.ack(Number((m.data as EngineEventAck | null)?.ack)));
    eventPort.start();
    rpcPort.on('close', () => served.end());
  });
  parent.postMessage({ type: 'ready', version: APP_VERSION, dataDir });
}

function serveChildIpc(kernel: Kernel): void {
  const send = (m: EngineToHost): void => {
    process.send?.(m);
  };
  const connections = new Map<number, { deliver: (msg: unknown) => void; served: ServedConnection }>();
  process.on('message', (raw) => {
    const m = raw as HostToEngine;
    if (hostCommon(kernel, m, send)) return;
    if (m.type === 'connect') {
      const sendFrame = (f: WireFrame): void => send({ type: 'frame', id: m.id, data: JSON.stringify(f) });
      const { endpoint, deliver } = endpointOf((msg) => sendFrame({ ch: 'rpc', msg }));
      const served = serveConnection(kernel, { rpc: endpoint, postEvents: (batch) => sendFrame({ ch: 'events', batch }) }, wall);
      connections.set(m.id, { deliver, served });
    } else if (m.type === 'frame') {
      const c = connections.get(m.id);
      if (c === undefined) return;
      let frame: WireFrame | null;
      try {
        frame = JSON.parse(m.data) as WireFrame | null;
      } catch {
        return; // not JSON: a frame the renderer never sends; drop it
      }
      // Any JSON may arrive (null, a number, a list): only the two frame shapes the renderer sends are read;
      // an RPC message is checked by rpc/guard.ts before comlink sees it.
      if (typeof frame !== 'object' || frame === null) return;
      if (frame.ch === 'rpc') c.deliver(frame.msg);
      else if (frame.ch === 'ack' && Number.isSafeInteger(frame.seq)) c.served.ack(frame.seq);
    } else if (m.type === 'disconnect') {
      connections.get(m.id)?.served.end();
      connections.delete(m.id);
    } else if (m.type === 'shutdown') {
      void kernel.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void kernel.close().then(() => process.exit(0)));
  send({ type: 'ready', version: APP_VERSION, dataDir });
}

/**
 * The method's configuration from `--method-config <file.json>` (overrides of
 * the spec's defaults, engine/method/config.ts). A file that cannot be read
 * or is invalid leaves the defaults and says why, naming the file.
 */
function readMethodConfig(file: string | undefined): { config: MethodConfig | undefined; error: string | null } {
  if (file === undefined) return { config: undefined, error: null };
  try {
    return { config: methodConfig(JSON.parse(readFileSync(file, 'utf8')) as MethodConfigOverride), error: null };
  } catch (e) {
    return { config: undefined, error: `${file}: ${(e as Error).message}; the method runs with the spec's defaults` };
  }
}

async function start(): Promise<void> {
  const method = readMethodConfig(str(args['method-config']));
  const kernel = createKernel({ dataDir, marketDataDir, version: APP_VERSION, haltOnStart: str(args.halted) ?? null, method: method.config }, wall);
  if (method.error !== null) kernel.bus.publish({ type: 'alert', level: 'warning', message: method.error, ts: wall.now() });
  const replay = str(args.replay);
  if (replay !== undefined) {
    await kernel.api.openReplay({ path: replay }).catch((e: unknown) => {
      kernel.bus.publish({ type: 'alert', level: 'warning', message: `Could not open ${replay}: ${(e as Error).message}`, ts: wall.now() });
    });
  }
  const parent = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parent !== undefined) serveElectron(kernel, parent);
  else if (typeof process.send === 'function') serveChildIpc(kernel);
  else throw new Error('engine: no host: start it from MIA Workstation, the headless shell or a test harness');
}

start().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`engine: fatal: ${message}\n`);
  process.send?.({ type: 'fatal', message } satisfies EngineToHost);
  process.exitCode = 1;
});
