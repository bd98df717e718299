/**
 * A Trader on a venue with a hand-written journal, as the execution tests
 * drive it: signals and decisions at a bar's close, bars one minute apart
 * from T0, and a broker link that records what is sent and reports what the
 * test says, when it says (a broker that confirms late).
 */
import { BacktestClock } from '../../engine/clock';
import { ES, type Bar } from '../../engine/domain';
import { Trader, type TraderConfig } from '../../engine/execution/trader';
import { type Approval, type ExecutionJournal, type TradeRecord, type TradeSnapshotKind } from '../../engine/execution/records';
import type { Decision, TradingSignal } from '../../engine/method/decision';
import { KillSwitch, MemoryKillSwitchStore } from '../../engine/risk/kill-switch';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from '../../engine/risk/sizing';
import type { BrokerLink, BrokerListener, BrokerOrderReport, BrokerOrderRequest } from '../../engine/venue/link';
import { SimulatedVenue } from '../../engine/venue/sim';
import type { ExecutionVenue, Fill, Order } from '../../engine/venue/orders';
import { bars, T0, type BarSpec } from './bars';

export const MIN = 60_000;

/** A signal at the close of `bar`; stop and target in points from the close. */
export function signal(bar: Bar, side: 'LONG' | 'SHORT', stopTicks: number, targetTicks: number, over: Partial<TradingSignal> = {}): TradingSignal {
  const dir = side === 'LONG' ? 1 : -1;
  return {
    id: `ES-${bar.ts}-TEST-${side}`,
    ts: bar.ts,
    tsEvent: bar.ts + MIN,
    symbol: 'ES',
    side,
    setup: 'BN_BASE_RETEST',
    entry: bar.close,
    stop: bar.close - dir * stopTicks * 0.25,
    target: bar.close + dir * targetTicks * 0.25,
    rewardRisk: targetTicks / stopTicks,
    riskTicks: stopTicks,
    confidence: 0.7,
    confluence: 0.7,
    grade: 'STRONG',
    levels: { vwap: null, vwapSigma: null, poc: null, vah: null, val: null, pPoc: null, pVah: null, pVal: null },
    ...over,
  } as unknown as TradingSignal;
}

/** The parts of a decision the trader reads. */
export function decision(bar: Bar, sig: TradingSignal | null, sessionId = 'S1'): Decision {
  return {
    bar,
    levels: { sessionId },
    tradingSignal: sig,
    sessionPhase: 'ny_am',
    regime: { regime: 'TREND_UP' },
    balance: { balance: 0.3 },
    signal: { s: 0.4, candidate: sig?.side ?? null },
    goldenRule: 'ok',
  } as unknown as Decision;
}

export class Journal implements ExecutionJournal {
  approvals: Approval[] = [];
  orders: Order[] = [];
  fills: Fill[] = [];
  trades: TradeRecord[] = [];
  snapshots: { tradeId: string; kind: TradeSnapshotKind; ts: number; data: unknown }[] = [];
  events: { kind: string; detail: Record<string, unknown> }[] = [];
  approval(a: Approval): void {
    this.approvals.push({ ...a });
  }
  order(o: Order): void {
    this.orders.push({ ...o });
  }
  fill(f: Fill): void {
    this.fills.push(f);
  }
  trade(t: TradeRecord): void {
    this.trades.push({ ...t });
  }
  tradeSnapshot(tradeId: string, kind: TradeSnapshotKind, ts: number, data: unknown): void {
    this.snapshots.push({ tradeId, kind, ts, data: JSON.parse(JSON.stringify(data)) as unknown });
  }
  event(kind: string, _ts: number, detail: Record<string, unknown>): void {
    this.events.push({ kind, detail });
  }
}

export interface Rig<V extends ExecutionVenue = SimulatedVenue> {
  trader: Trader;
  venue: V;
  clock: BacktestClock;
  ks: KillSwitch;
  journal: Journal;
  alerts: string[];
  /** Feeds a bar as the kernel does: venue first, then the decision at its close. */
  bar(b: Bar, sig?: TradingSignal | null, sessionId?: string): void;
}

export function rig<V extends ExecutionVenue = SimulatedVenue>(opts: { execution?: 'AUTO' | 'MANUAL'; risk?: Partial<RiskConfig>; venue?: V; mode?: 'PAPER' | 'DATA_COLLECTION'; management?: TraderConfig['management'] } = {}): Rig<V> {
  const clock = new BacktestClock(T0);
  const venue = opts.venue ?? (new SimulatedVenue({ tickSize: 0.25 }) as ExecutionVenue as V);
  const ks = new KillSwitch(new MemoryKillSwitchStore(), clock);
  const journal = new Journal();
  const alerts: string[] = [];
  const trader = new Trader(
    { instrument: ES, mode: opts.mode ?? 'PAPER', execution: opts.execution ?? 'AUTO', risk: { ...DEFAULT_RISK_CONFIG, ...opts.risk }, ...(opts.management !== undefined ? { management: opts.management } : {}) },
    { clock, venue, killSwitch: ks, journal, alert: (_l, m) => alerts.push(m) },
  );
  return {
    trader,
    venue,
    clock,
    ks,
    journal,
    alerts,
    bar(b, sig = null, sessionId = 'S1') {
      clock.advanceTo(b.ts + MIN);
      trader.onRecord(b);
      trader.onBar(decision(b, sig, sessionId));
    },
  };
}

/** One bar at `ts` offset by `i` minutes from T0. */
export const at = (i: number, spec: BarSpec): Bar => bars([spec], T0 + i * MIN)[0]!;

/** A broker link that records the orders sent and reports executions when told. */
export class PartsBroker implements BrokerLink {
  readonly name = 'test broker';
  readonly symbol = 'ESZ3';
  readonly brackets: [BrokerOrderRequest, BrokerOrderRequest, BrokerOrderRequest][] = [];
  private l: BrokerListener | null = null;
  setListener(l: BrokerListener): void {
    this.l = l;
  }
  placeBracket(entry: BrokerOrderRequest, stop: BrokerOrderRequest, target: BrokerOrderRequest): void {
    this.brackets.push([entry, stop, target]);
  }
  readonly ocos: [BrokerOrderRequest, BrokerOrderRequest][] = [];
  placeOco(stop: BrokerOrderRequest, target: BrokerOrderRequest): void {
    this.ocos.push([stop, target]);
  }
  readonly orders: BrokerOrderRequest[] = [];
  placeOrder(o: BrokerOrderRequest): void {
    this.orders.push(o);
  }
  readonly modifies: [string, number][] = [];
  modify(id: string, price: number): void {
    this.modifies.push([id, price]);
  }
  readonly cancels: string[] = [];
  cancel(id: string): void {
    this.cancels.push(id);
  }
  globalCancel(): void {}
  /** The broker's answer to the positions request is complete: its position is its word from now on. */
  reported(): void {
    this.l?.positionsReported();
  }
  /** The broker confirms the cancels sent so far. */
  confirmCancels(): void {
    for (const id of this.cancels.splice(0)) this.l?.order({ id, state: 'CANCELLED', filledQty: 0, avgFillPrice: Number.NaN, fill: null, text: 'cancelled' });
  }
  up(): void {
    this.l?.connection(true);
  }
  /** The broker reports a position of the account in `symbol`. */
  hold(symbol: string, qty: number): void {
    this.l?.position({ symbol, qty, avgPrice: qty === 0 ? Number.NaN : 15_000 });
  }
  /** The broker's commission for an execution, USD. */
  commission(execId: string, commissionUsd: number): void {
    this.l?.commission({ execId, commissionUsd });
  }
  /** An order report as the broker sends it. */
  report(r: BrokerOrderReport): void {
    this.l?.order(r);
  }
  /** One execution of `qty` contracts of order `id` (the broker's running total in `filledQty`). */
  exec(id: string, execId: string, price: number, qty: number, filledQty: number, ordered: number, ts: number): void {
    const state = filledQty >= ordered ? 'FILLED' : 'PARTIAL';
    this.l?.order({ id, state, filledQty, avgFillPrice: price, fill: { execId, price, qty, ts }, text: '' });
  }
}
