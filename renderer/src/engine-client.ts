/**
 * Connects the renderer to the engine. Two transports, one result:
 * - Electron: `window.mia.connectEngine()` (main/bridge.ts) brings two
 *   MessagePorts through the preload; comlink runs on the RPC port.
 * - Headless shell: one WebSocket to `/engine?token=...` carries both
 *   channels as `WireFrame`s.
 * The rest of the renderer sees only `EngineClient`.
 */
import * as Comlink from 'comlink';
import type { EngineApi, EngineEventAck, EngineEventBatch, EngineSocketPath, WireFrame } from '../../engine/contract';
import type { AppInfo, EnginePortsMessage, MiaBridge } from '../../main/bridge';

/** A connected engine. */
export interface EngineClient {
  readonly api: Comlink.Remote<EngineApi>;
  readonly shell: AppInfo['shell'];
  /** The desktop bridge, absent in the headless shell. */
  readonly bridge: MiaBridge | null;
  /** Subscribes to event batches; returns the unsubscribe function. */
  onEvents(cb: (batch: EngineEventBatch) => void): () => void;
  /**
   * Called once if the connection drops, with the reason and the WebSocket
   * close code (1012: the shell's watchdog restarted the engine; 1011: the
   * engine stopped). Electron's main reloads the window instead.
   */
  onClose(cb: (reason: string, code: number) => void): void;
}

/** The engine connection dropped: `restarted` when the shell's watchdog restarted the engine. */
export interface EngineLost {
  readonly reason: string;
  readonly restarted: boolean;
}

declare global {
  interface Window {
    mia?: MiaBridge;
  }
}

type Listener = (ev: MessageEvent) => void;

/** Longest wait for the frame before a batch is acknowledged anyway (ms). */
const ACK_FRAME_TIMEOUT_MS = 250;

/**
 * Runs `ack` once the window has painted the frame that draws the batch just
 * received (a requestAnimationFrame callback, then a task after the paint), or
 * at once in a hidden (minimised) window, which paints none; after
 * ACK_FRAME_TIMEOUT_MS if the frame is late.
 * The engine sends the next batch only when a window has acknowledged one
 * (EngineEventAck, serve.ts's EventBatcher), so a window gets about one
 * batch to apply per frame and never a backlog that fills frames with
 * applying instead of painting.
 */
function afterNextFrame(ack: () => void): void {
  if (document.visibilityState === 'hidden') return ack(); // no frames to wait for
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    ack();
  };
  const timer = setTimeout(once, ACK_FRAME_TIMEOUT_MS);
  requestAnimationFrame(() => setTimeout(once, 0));
}

/** Connects over whichever transport this page was loaded by. */
export function connectEngine(): Promise<EngineClient> {
  return window.mia !== undefined ? connectElectron(window.mia) : connectWebSocket();
}

async function connectElectron(bridge: MiaBridge): Promise<EngineClient> {
  // Listen before asking: the ports may arrive before the nonce resolves.
  const arrived: MessageEvent[] = [];
  const early = (e: MessageEvent): void => {
    if ((e.data as EnginePortsMessage | null)?.type === 'mia:engine-ports') arrived.push(e);
  };
  window.addEventListener('message', early);
  const nonce = await bridge.connectEngine();
  const ports = await new Promise<readonly MessagePort[]>((resolve) => {
    const match = (e: MessageEvent): boolean => e.source === window && (e.data as EnginePortsMessage).nonce === nonce && e.ports.length === 2;
    const found = arrived.find(match);
    if (found !== undefined) return resolve(found.ports);
    const late = (e: MessageEvent): void => {
      if ((e.data as EnginePortsMessage | null)?.type === 'mia:engine-ports' && match(e)) {
        window.removeEventListener('message', late);
        resolve(e.ports);
      }
    };
    window.addEventListener('message', late);
  });
  window.removeEventListener('message', early);
  const [rpcPort, eventPort] = ports as [MessagePort, MessagePort];
  const subscribers = new Set<(b: EngineEventBatch) => void>();
  eventPort.onmessage = (e: MessageEvent<EngineEventBatch>) => {
    for (const s of subscribers) s(e.data);
    const seq = e.data.seq;
    afterNextFrame(() => eventPort.postMessage({ ack: seq } satisfies EngineEventAck));
  };
  rpcPort.start();
  return {
    api: Comlink.wrap<EngineApi>(rpcPort),
    shell: 'electron',
    bridge,
    onEvents: (cb) => {
      subscribers.add(cb);
      return () => subscribers.delete(cb);
    },
    onClose: () => {},
  };
}

function connectWebSocket(): Promise<EngineClient> {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const path: EngineSocketPath = '/engine';
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${window.location.host}${path}?token=${encodeURIComponent(token)}`);
  const rpcListeners = new Set<Listener>();
  const subscribers = new Set<(b: EngineEventBatch) => void>();
  const closeCallbacks: ((reason: string, code: number) => void)[] = [];
  ws.onmessage = (e: MessageEvent<string>) => {
    const frame = JSON.parse(e.data) as WireFrame;
    if (frame.ch === 'rpc') {
      const ev = { data: frame.msg } as MessageEvent;
      for (const l of rpcListeners) l(ev);
    } else if (frame.ch === 'events') {
      for (const s of subscribers) s(frame.batch);
      const seq = frame.batch.seq;
      afterNextFrame(() => ws.send(JSON.stringify({ ch: 'ack', seq } satisfies WireFrame)));
    }
  };
  const endpoint: Comlink.Endpoint = {
    postMessage: (msg: unknown) => ws.send(JSON.stringify({ ch: 'rpc', msg } satisfies WireFrame)),
    addEventListener: (_type: string, l: EventListenerOrEventListenerObject) => rpcListeners.add(l as Listener),
    removeEventListener: (_type: string, l: EventListenerOrEventListenerObject) => rpcListeners.delete(l as Listener),
  };
  return new Promise((resolve, reject) => {
    ws.onopen = () =>
      resolve({
        api: Comlink.wrap<EngineApi>(endpoint),
        shell: 'headless',
        bridge: null,
        onEvents: (cb) => {
          subscribers.add(cb);
          return () => subscribers.delete(cb);
        },
        onClose: (cb) => closeCallbacks.push(cb),
      });
    ws.onerror = () => reject(new Error('Could not connect to the engine (is the token in the address right?)'));
    ws.onclose = (e) => {
      for (const cb of closeCallbacks) cb(e.reason || `connection closed (${e.code})`, e.code);
    };
  });
}
