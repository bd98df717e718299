/**
 * A Node-side engine client over the headless shell's WebSocket, speaking the
 * same WireFrame protocol as renderer/src/engine-client.ts, for the contract
 * and end-to-end tests.
 */
import * as Comlink from 'comlink';
import WebSocket from 'ws';
import type { EngineApi, EngineEventBatch, WireFrame } from '../../engine/contract';

export interface TestClient {
  api: Comlink.Remote<EngineApi>;
  batches: EngineEventBatch[];
  close(): void;
}

export async function connectTestClient(port: number, token: string): Promise<TestClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/engine?token=${token}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const listeners = new Set<(ev: { data: unknown }) => void>();
  const batches: EngineEventBatch[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as WireFrame;
    if (frame.ch === 'rpc') for (const l of listeners) l({ data: frame.msg });
    else if (frame.ch === 'events') {
      batches.push(frame.batch);
      ws.send(JSON.stringify({ ch: 'ack', seq: frame.batch.seq } satisfies WireFrame)); // as the window does
    }
  });
  const endpoint = {
    postMessage: (msg: unknown) => ws.send(JSON.stringify({ ch: 'rpc', msg } satisfies WireFrame)),
    addEventListener: (_t: string, l: (ev: { data: unknown }) => void) => listeners.add(l),
    removeEventListener: (_t: string, l: (ev: { data: unknown }) => void) => listeners.delete(l),
  };
  return { api: Comlink.wrap<EngineApi>(endpoint as unknown as Comlink.Endpoint), batches, close: () => ws.close() };
}
