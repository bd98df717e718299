/**
 * The EngineApi of the execution panels (engine/api/parts.ts): the state,
 * the mode (LIVE only with the account typed, through the live manager),
 * MANUAL/AUTO, the trader's approve and reject, and the kill switch. RPCs
 * that change the state answer its head; the windows hear the change as an
 * `execution` event.
 */
import type { EngineApi } from '../contract.js';
import { toKillSwitchDTO } from '../dto.js';
import { EngineError } from '../errors.js';
import { MODES } from '../method/config.js';
import { KillSwitchError } from '../risk/kill-switch.js';
import type { OpenRun } from '../run/run.js';
import { readAccountSettings } from '../settings.js';
import { OrderError } from '../venue/orders.js';
import { currentRun, type KernelParts } from './parts.js';

type ExecutionApi = Pick<
  EngineApi,
  | 'getExecution' | 'setMode' | 'setExecution' | 'approve' | 'reject' | 'killSwitch' | 'resetKillSwitch' | 'flattenAtBroker' | 'setStartingEquity' | 'adoptBrokerPosition'
  | 'getLadder' | 'placeOrder' | 'modifyOrder' | 'cancelOrder' | 'cancelAll' | 'flatten' | 'reverse'
>;

/** A connection failure or a refused routing as a bad request, in the broker's words. */
export async function liveCall<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof EngineError) throw e;
    throw new EngineError('bad-request', e instanceof Error ? e.message : String(e));
  }
}

/** The execution panels' calls. */
export function executionApi(k: KernelParts): ExecutionApi {
  const { live, bus } = k;

  /** The run whose trader takes the trader's decisions: not a recorded session, which replays its recorded ones. */
  const tradable = (): OpenRun => {
    const r = currentRun(k).run;
    if (r.recorded !== null) throw new EngineError('bad-request', 'a recorded session replays the decisions that were taken; open a data file to trade it');
    return r;
  };

  /** Runs a queue decision, turning "no longer waiting" into a bad request and publishing the result. */
  /** A decision on the open run; what it changed reaches the windows even when it is refused (an approval found expired). */
  const decide = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      if (e instanceof OrderError) throw new EngineError('bad-request', e.message);
      throw e;
    } finally {
      k.run()?.run.publishExecution();
    }
  };

  /** The mode changed (its route is set): the run, the saved settings and the windows follow. */
  const modeIs = (next: (typeof MODES)[number]) => {
    k.exec.mode = next;
    k.run()?.run.setMode(next);
    k.saveExecution();
    k.publishExecution();
    return k.executionHead();
  };

  return {
    async getExecution() {
      return k.executionFull();
    },

    async setMode(next, confirmAccount) {
      if (!(MODES as readonly string[]).includes(next)) throw new EngineError('bad-request', `setMode: mode must be one of ${MODES.join(', ')}`);
      await liveCall(() => (next === 'LIVE' ? live.goLive(confirmAccount) : live.goPaper()));
      if (next === 'LIVE') bus.publish({ type: 'alert', level: 'warning', message: `LIVE: orders now go to the broker, account ${live.account() ?? ''}`, ts: k.wall.now() });
      return modeIs(next);
    },

    async adoptBrokerPosition(req) {
      const { confirmAccount, stopTicks, targetTicks } = req ?? ({} as typeof req);
      for (const [name, v] of [['stopTicks', stopTicks], ['targetTicks', targetTicks]] as const) {
        if (!Number.isInteger(v) || v < 1) throw new EngineError('bad-request', `adoptBrokerPosition: ${name} must be a whole number of ticks, 1 or more`);
      }
      await liveCall(() => live.adopt(confirmAccount, stopTicks, targetTicks));
      return modeIs('LIVE');
    },

    async setExecution(next) {
      if (next !== 'MANUAL' && next !== 'AUTO') throw new EngineError('bad-request', 'setExecution: must be MANUAL or AUTO');
      k.exec.execution = next;
      k.run()?.run.trader.setExecution(next);
      k.saveExecution();
      k.publishExecution();
      return k.executionHead();
    },

    async flattenAtBroker() {
      await liveCall(() => live.flattenAtBroker());
      k.publishExecution();
      return k.executionHead();
    },

    async setStartingEquity(usd, reason) {
      if (usd !== null && !(typeof usd === 'number' && Number.isFinite(usd) && usd > 0)) throw new EngineError('bad-request', 'setStartingEquity: the starting equity must be a positive number of USD, or null to clear it');
      const s = k.settings();
      const before = readAccountSettings(s);
      // Journaled with the trader's settings changes (issue 18): who, when, old and new, why.
      const why = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'set beside Equity in the Position panel';
      s.saveLogged('account', { ...before, startingEquityUsd: usd }, { field: 'account.startingEquityUsd', from: before.startingEquityUsd, to: usd }, 'trader', why, k.wall.now());
      k.publishExecution();
      return k.executionHead();
    },

    async approve(signalId) {
      decide(() => tradable().trader.approve(String(signalId)));
      return k.executionHead();
    },

    async reject(signalId, reason) {
      const why = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'rejected by the trader';
      decide(() => tradable().trader.reject(String(signalId), why));
      return k.executionHead();
    },

    async getLadder(rows, centre) {
      const open = k.run();
      if (open === null) return null;
      const r = open.run;
      const t = r.trader;
      const tick = k.instrument.tickSize;
      const last = Number.isFinite(t.markPrice) ? t.markPrice : null;
      const q = t.quoteNow;
      const n = Math.max(5, Math.min(400, Math.floor(rows)));
      const depth = !r.depth.empty;
      const out = [];
      const mid = typeof centre === 'number' && Number.isFinite(centre) ? centre : last;
      if (mid !== null) {
        const top = Math.round(mid / tick) + Math.floor(n / 2);
        for (let i = 0; i < n; i++) {
          const price = (top - i) * tick;
          out.push({ price, volume: r.volumeAt(price), bidSize: depth ? r.depth.sizeAt('bid', price) || null : null, askSize: depth ? r.depth.sizeAt('ask', price) || null : null });
        }
      }
      const o = k.traderSettings().settings.orders;
      // With a book, the best bid and ask are the book's; without, the last trade's quote.
      const best = depth ? r.depth.best() : null;
      const bid = best !== null && Number.isFinite(best.bid) ? best.bid : (q?.bid ?? null);
      const ask = best !== null && Number.isFinite(best.ask) ? best.ask : (q?.ask ?? null);
      return { tickSize: tick, last, bid: Number.isFinite(bid) ? bid : null, ask: Number.isFinite(ask) ? ask : null, rows: out, depth, atm: { ...o }, marketTs: r.marketTs() };
    },

    async placeOrder(req) {
      const o = k.traderSettings().settings.orders;
      decide(() => {
        tradable().trader.placeOrder({ side: req.side, type: req.type, qty: req.qty, ...(req.price === undefined ? {} : { price: req.price }), stopTicks: req.stopTicks ?? o.stopTicks, targetTicks: req.targetTicks ?? o.targetTicks });
      });
      return k.executionHead();
    },

    async modifyOrder(orderId, price) {
      decide(() => tradable().trader.modifyOrder(String(orderId), price));
      return k.executionHead();
    },

    async cancelOrder(orderId) {
      decide(() => tradable().trader.cancelOrder(String(orderId)));
      return k.executionHead();
    },

    async cancelAll(unprotect) {
      decide(() => tradable().trader.cancelAll('trader', unprotect === true));
      return k.executionHead();
    },

    async flatten() {
      decide(() => tradable().trader.flatten('trader'));
      return k.executionHead();
    },

    async reverse() {
      const o = k.traderSettings().settings.orders;
      decide(() => tradable().trader.reverse(o.stopTicks, o.targetTicks, 'trader'));
      return k.executionHead();
    },

    async killSwitch(reason) {
      const detail = typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : 'kill switch pressed';
      const open = k.run();
      // A run trading on the workstation's switch runs the halt sequence; a recorded session has its own switch.
      if (open !== null && open.run.recorded === null) open.run.trader.trip('manual', detail, 'trader');
      else k.killSwitch().trip('manual', detail, 'trader');
      open?.run.publishExecution();
      return toKillSwitchDTO(k.killSwitch().status);
    },

    async resetKillSwitch(reason) {
      try {
        k.killSwitch().reset(typeof reason === 'string' ? reason : '', 'trader');
      } catch (e) {
        if (e instanceof KillSwitchError) throw new EngineError('bad-request', e.message);
        throw e;
      }
      return toKillSwitchDTO(k.killSwitch().status);
    },
  };
}
