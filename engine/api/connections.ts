/**
 * The EngineApi of the Connections panel (engine/api/parts.ts): Interactive
 * Brokers and Sierra Chart DTC, and where data comes from and orders go.
 * Argument checks and error mapping; the live manager (engine/live/) does
 * the rest.
 */
import type { BrokerIdDTO, EngineApi } from '../contract.js';
import { EngineError } from '../errors.js';
import { liveCall } from './execution.js';
import type { KernelParts } from './parts.js';

type ConnectionsApi = Pick<EngineApi, 'getConnections' | 'connect' | 'disconnect' | 'setRouting'>;

/** @throws EngineError bad-request unless `st` has a host and a port from 1 to 65535. */
function requireHostPort(st: { host?: unknown; port?: unknown } | undefined, broker: string): void {
  if (typeof st?.host !== 'string' || !Number.isInteger(st.port) || (st.port as number) <= 0 || (st.port as number) > 65535) {
    throw new EngineError('bad-request', `connect: ${broker} needs a host and a port from 1 to 65535`);
  }
}

/** The Connections panel's calls. */
export function connectionsApi(k: KernelParts): ConnectionsApi {
  const { live } = k;
  return {
    async getConnections() {
      return live.connections();
    },

    async connect(req) {
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

    async disconnect(broker: BrokerIdDTO) {
      if (broker === 'dtc') live.disconnectDtc();
      if (broker === 'ib') live.disconnectIb();
      return live.connections();
    },

    async setRouting(req) {
      const ok = (b: unknown): b is BrokerIdDTO => b === 'ib' || b === 'dtc';
      if (!ok(req?.dataSource) || !ok(req.orderRoute)) throw new EngineError('bad-request', 'setRouting: "dataSource" and "orderRoute" must each be ib or dtc');
      await liveCall(() => live.setRouting(req.dataSource, req.orderRoute));
      return live.connections();
    },
  };
}
