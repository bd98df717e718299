/**
 * The RPC boundary's schema (issue 16, item 11): what a window may send the
 * engine. comlink's `expose` answers any message shape: generic GET, SET and
 * CONSTRUCT on any path (`SET killSwitch = 0` replaced the kill switch for
 * every window; `SET __proto__.x` polluted Object.prototype), and malformed
 * frames threw inside its listener and stopped the engine. Here, before
 * comlink sees a message:
 *
 * - only `APPLY` of one EngineApi method by name (the method table
 *   `API_ARGS`), and comlink's `RELEASE` of the proxy, pass;
 * - each call's arguments are validated with its zod tuple (types, ranges,
 *   lengths), named in the error by method and position;
 * - anything else is answered with a `bad-request` error (when it carries a
 *   message id to answer) and dropped; the engine goes on.
 *
 * The schemas mirror the request types of engine/contract.ts; a test checks
 * that every EngineApi method has one.
 */
import * as Comlink from 'comlink';
import { z } from 'zod';
import type { EngineApi } from '../contract.js';
import { EngineError } from '../errors.js';

/** The longest text argument (a path, a reason, an id), characters. */
const MAX_TEXT = 4096;

const text = z.string().max(MAX_TEXT);
const path = z.string().min(1).max(MAX_TEXT);
const port = z.number().int().min(1).max(65_535);
const host = z.string().min(1).max(255);
const brokerId = z.enum(['ib', 'dtc']);

/** Each EngineApi method's arguments, as a zod tuple (optional trailing arguments may be left out). */
export const API_ARGS = {
  ping: z.tuple([]),
  listDataFiles: z.tuple([]),
  openReplay: z.tuple([
    z.strictObject({
      path,
      timeframe: z.enum(['1m', '5m', '15m', '1h']).optional(),
      timeZone: z.string().min(1).max(64).optional(),
      sessionKind: z.enum(['globex', 'rth']).optional(),
      resumeAt: z.number().int().nonnegative().optional(),
      nqPath: path.optional(),
    }),
  ]),
  play: z.tuple([]),
  pause: z.tuple([]),
  step: z.tuple([]),
  setSpeed: z.tuple([z.union([z.literal(1), z.literal(5), z.literal(25), z.literal(100), z.literal('max')])]),
  closeReplay: z.tuple([]),
  getReplaySnapshot: z.tuple([]),
  loadChain: z.tuple([z.strictObject({ path, basisPoints: z.number().finite().min(-100_000).max(100_000).optional() })]),
  clearChain: z.tuple([]),
  getSettings: z.tuple([]),
  // The document is checked by the engine's own schema (engine/settings.ts), which names the bad field.
  setSettings: z.tuple([z.strictObject({ settings: z.unknown(), reason: text, who: z.enum(['trader', 'cli', 'import']).optional() })]),
  getExecution: z.tuple([]),
  setMode: z.tuple([z.enum(['DATA_COLLECTION', 'PAPER', 'LIVE']), text.optional()]),
  getConnections: z.tuple([]),
  connect: z.tuple([
    z.discriminatedUnion('broker', [
      z.strictObject({ broker: z.literal('ib'), settings: z.strictObject({ host, port, clientId: z.number().int().min(0).max(2_147_483_647) }) }),
      z.strictObject({
        broker: z.literal('dtc'),
        settings: z.strictObject({ host, port, encoding: z.enum(['binary', 'json']), username: z.string().max(256), password: z.string().max(256).optional(), hasPassword: z.boolean().optional(), symbol: z.string().max(64) }),
      }),
    ]),
  ]),
  disconnect: z.tuple([brokerId]),
  setRouting: z.tuple([z.strictObject({ dataSource: brokerId, orderRoute: brokerId })]),
  setExecution: z.tuple([z.enum(['MANUAL', 'AUTO'])]),
  approve: z.tuple([z.string().min(1).max(256)]),
  reject: z.tuple([z.string().min(1).max(256), text.optional()]),
  killSwitch: z.tuple([text.optional()]),
  resetKillSwitch: z.tuple([text]),
  flattenAtBroker: z.tuple([]),
  setStartingEquity: z.tuple([z.number().positive().max(1e12).nullable(), text.optional()]),
  adoptBrokerPosition: z.tuple([z.strictObject({ confirmAccount: z.string().max(256), stopTicks: z.number().int().min(1).max(400), targetTicks: z.number().int().min(1).max(800) })]),
  getLadder: z.tuple([z.number().int().min(5).max(400), z.number().positive().finite().optional()]),
  placeOrder: z.tuple([
    z.strictObject({
      side: z.enum(['BUY', 'SELL']),
      type: z.enum(['MARKET', 'LIMIT', 'STOP']),
      qty: z.number().int().min(1).max(100),
      price: z.number().positive().finite().optional(),
      stopTicks: z.number().int().min(1).max(400).optional(),
      targetTicks: z.number().int().min(1).max(400).optional(),
    }),
  ]),
  modifyOrder: z.tuple([z.string().min(1).max(256), z.number().positive().finite()]),
  cancelOrder: z.tuple([z.string().min(1).max(256)]),
  cancelAll: z.tuple([z.boolean().optional()]),
  flatten: z.tuple([]),
  reverse: z.tuple([]),
  listSessions: z.tuple([]),
  openSession: z.tuple([z.strictObject({ runId: z.number().int().positive(), sessionId: z.string().min(1).max(64) })]),
  seek: z.tuple([z.number().int().nonnegative()]),
  stepBack: z.tuple([]),
  getTimeline: z.tuple([]),
  getSignalStory: z.tuple([z.string().min(1).max(256)]),
  getBackups: z.tuple([]),
  setBackupSettings: z.tuple([z.strictObject({ keep: z.number().int().min(1).max(100).optional(), daily: z.boolean().optional() })]),
  backup: z.tuple([]),
  restore: z.tuple([path]),
  getResearch: z.tuple([]),
  startResearch: z.tuple([
    z.strictObject({
      kind: z.enum(['sweep', 'walk-forward']),
      path,
      timeframe: z.enum(['1m', '5m', '15m', '1h']).optional(),
      timeZone: z.string().min(1).max(64).optional(),
      fromTs: z.number().int().optional(),
      toTs: z.number().int().optional(),
      // The paths and values are checked by the sweep against the settings' own schema, which names the field.
      parameters: z
        .record(z.string().min(1).max(128), z.union([z.array(z.number().finite()).min(1).max(10_000), z.strictObject({ from: z.number().finite(), to: z.number().finite(), step: z.number().finite() })]))
        .refine((p) => Object.keys(p).length >= 1 && Object.keys(p).length <= 8, 'one to eight parameters'),
      random: z.strictObject({ count: z.number().int().min(1).max(100_000), seed: z.number().int() }).optional(),
      metric: z.enum(['netPnlUsd', 'profitFactor', 'sharpe', 'sharpeAnnual', 'sortinoAnnual', 'calmar', 'winRate', 'maxDrawdownUsd', 'trades']),
      workers: z.number().int().min(1).max(64).optional(),
      walkForward: z.strictObject({ inSessions: z.number().int().min(1).max(100_000), outSessions: z.number().int().min(1).max(100_000), stepSessions: z.number().int().min(1).max(100_000).optional() }).optional(),
    }),
  ]),
  cancelResearch: z.tuple([]),
  getResearchReport: z.tuple([]),
} as const satisfies Record<keyof EngineApi, z.ZodTuple>;

/** The methods a window may call. */
const METHODS = new Set<string>(Object.keys(API_ARGS));

/** The message listener comlink registers on the endpoint. */
type Listener = (ev: { data: unknown }) => void;

/** What `guard` stands between. */
export interface GuardedEndpoint {
  postMessage(msg: unknown): void;
  addEventListener(type: 'message', l: Listener): void;
  removeEventListener(type: 'message', l: Listener): void;
}

/** The reason `msg` may not reach comlink, or null when it may. */
export function refusal(msg: unknown): string | null {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return 'an RPC message must be an object';
  const m = msg as { type?: unknown; path?: unknown; argumentList?: unknown; id?: unknown };
  if (typeof m.id !== 'string' || m.id.length > 64) return 'an RPC message needs a string id';
  if (m.type === 'RELEASE') return Array.isArray(m.path) && m.path.length === 0 ? null : 'RELEASE only of the API itself';
  if (m.type !== 'APPLY') return `RPC ${JSON.stringify(String(m.type)).slice(0, 40)} refused: only calls of the engine's methods are served`;
  if (!Array.isArray(m.path) || m.path.length !== 1 || typeof m.path[0] !== 'string' || !METHODS.has(m.path[0])) {
    return `no such engine method: ${JSON.stringify(m.path).slice(0, 120)}`;
  }
  const method = m.path[0] as keyof typeof API_ARGS;
  if (!Array.isArray(m.argumentList)) return `${method}: the arguments must be a list`;
  const args: unknown[] = [];
  for (const [i, w] of (m.argumentList as unknown[]).entries()) {
    const wire = w as { type?: unknown; value?: unknown } | null;
    if (typeof wire !== 'object' || wire === null || wire.type !== 'RAW') return `${method}: argument ${i + 1} is not a plain value`;
    args.push(wire.value);
  }
  const schema = API_ARGS[method];
  // Optional trailing arguments: a call may leave them out.
  const padded = [...args, ...Array<undefined>(Math.max(0, schema.def.items.length - args.length)).fill(undefined)];
  const r = schema.safeParse(padded);
  if (r.success) return null;
  const issue = r.error.issues[0];
  const where = issue === undefined ? '' : issue.path.length === 0 ? '' : ` (argument ${Number(issue.path[0]) + 1}${issue.path.length > 1 ? `, ${issue.path.slice(1).join('.')}` : ''})`;
  return `${method}: bad arguments${where}: ${issue?.message ?? 'invalid'}`;
}

/**
 * `endpoint` as comlink should see it: messages that `refusal` names are
 * answered with a bad-request error (comlink's own error reply, so the
 * caller's promise rejects) and never delivered.
 */
export function guard(endpoint: GuardedEndpoint): GuardedEndpoint {
  const wrapped = new Map<Listener, Listener>();
  return {
    postMessage: (msg) => endpoint.postMessage(msg),
    addEventListener: (type, l) => {
      const w: Listener = (ev) => {
        const why = refusal(ev.data);
        if (why === null) return l(ev);
        const id = (ev.data as { id?: unknown } | null)?.id;
        if (typeof id === 'string') endpoint.postMessage({ ...errorReply(new EngineError('bad-request', why)), id });
      };
      wrapped.set(l, w);
      endpoint.addEventListener(type, w);
    },
    removeEventListener: (type, l) => {
      const w = wrapped.get(l);
      if (w !== undefined) endpoint.removeEventListener(type, w);
      wrapped.delete(l);
    },
  };
}

/** comlink's reply for a thrown error (its 'throw' transfer handler, as serve.ts installs it). */
function errorReply(e: Error): { type: 'HANDLER'; name: 'throw'; value: unknown } {
  const handler = Comlink.transferHandlers.get('throw') as Comlink.TransferHandler<unknown, unknown>;
  const [value] = handler.serialize({ value: e });
  return { type: 'HANDLER', name: 'throw', value };
}
