/**
 * The market-data path of the kernel: records -> bar builder -> session levels
 * (VWAP, volume profile) -> completed bars with their levels. Backtest, replay
 * and live drive the same pipeline; only the clock and the feed differ.
 */
import { BarBuilder } from './bars/builder.js';
import type { Clock } from './clock.js';
import { TIMEFRAME_MS, type Bar, type Instrument, type MarketRecord, type Timeframe, type TradeTick } from './domain.js';
import type { ValueArea } from './indicators/profile.js';
import { SessionLevels, type LevelsSnapshot, type SessionSummary } from './indicators/session-levels.js';
import type { SessionCalendar, SessionInfo } from './time/sessions.js';

/** A completed decision bar and the levels as they stood at its close. */
export interface ClosedBar {
  readonly bar: Bar;
  /** Null when the bar lies outside every session (e.g. overnight in RTH mode). */
  readonly levels: LevelsSnapshot | null;
  /** When the engine completed the bar, by the injected clock (Unix ms). */
  readonly tsInit: number;
}

/** Where the pipeline's output goes. */
export interface PipelineSink {
  barClosed(closed: ClosedBar): void;
  sessionClosed(summary: SessionSummary): void;
}

/** What a pipeline needs. */
export interface PipelineDeps {
  readonly instrument: Instrument;
  readonly calendar: SessionCalendar;
  /** Timeframe bars are built at from ticks. */
  readonly timeframe: Timeframe;
  readonly clock: Clock;
  readonly sink: PipelineSink;
}

/** Feeds records in time order; emits completed bars and closed sessions. */
export class MarketPipeline {
  private readonly deps: PipelineDeps;
  private readonly builder: BarBuilder;
  private session: SessionLevels | null = null;
  /** The last closed session's value area: the next session's pPOC/pVAH/pVAL. */
  private previousVa: ValueArea | null = null;
  private barCount = 0;
  private lastMarketTs = Number.NaN;

  constructor(deps: PipelineDeps) {
    this.deps = deps;
    this.builder = new BarBuilder(deps.timeframe, (bar) => this.closeBar(bar));
  }

  /** Completed bars so far. */
  get bars(): number {
    return this.barCount;
  }

  /** Market time of the last record (a bar counts at its end), Unix ms. */
  get marketTs(): number {
    return this.lastMarketTs;
  }

  /** Processes one record. Records must come in time order (feeds validate it). */
  onRecord(r: MarketRecord): void {
    if (r.kind === 'tick') this.onTick(r);
    else this.onBar(r);
  }

  /** Contracts traded at `price` (points) in the current session so far (its volume profile's row), or in the last one once the data ended; 0 outside a session. */
  volumeAt(price: number): number {
    return (this.session ?? this.lastSession)?.profile.volumeAt(price) ?? 0;
  }

  /** The bar being built from ticks with the levels now, or null. */
  forming(): { bar: Bar; levels: LevelsSnapshot | null } | null {
    const bar = this.builder.forming();
    return bar === null ? null : { bar, levels: this.session?.snapshot() ?? null };
  }

  /** Completes a forming bar whose end has passed (live timers). */
  closeDue(now: number): void {
    this.builder.closeDue(now);
  }

  /** End of data: completes the forming bar and closes the session. */
  end(): void {
    this.builder.flush();
    this.lastSession = this.session;
    this.rollTo(null);
  }

  /** The session the data ended in: what the ladder's volume shows after the end. */
  private lastSession: SessionLevels | null = null;

  private onTick(t: TradeTick): void {
    // The builder completes the previous bar before this trade is counted anywhere.
    this.builder.addTick(t);
    this.lastMarketTs = t.tsEvent;
    const s = this.sessionFor(t.tsEvent);
    if (s !== null) s.addTrade(t.price, t.size);
  }

  private onBar(b: Bar): void {
    const s = this.sessionFor(b.ts);
    if (s !== null) s.addBar(b.high, b.low, b.close, b.volume);
    this.lastMarketTs = b.ts + TIMEFRAME_MS[b.tf];
    this.closeBar(b);
  }

  private sessionFor(ts: number): SessionLevels | null {
    const info = this.deps.calendar.sessionAt(ts);
    if (info?.id !== this.session?.info.id) this.rollTo(info);
    return this.session;
  }

  private rollTo(info: SessionInfo | null): void {
    const prev = this.session;
    if (prev !== null) {
      const va = prev.profile.valueArea();
      if (prev.bars > 0) this.deps.sink.sessionClosed(prev.summary(va));
      this.previousVa = va ?? this.previousVa;
    }
    this.session = info === null ? null : new SessionLevels(info, this.deps.instrument.tickSize, this.previousVa);
  }

  private closeBar(bar: Bar): void {
    const s = this.session;
    // A bar belongs to the session of its open time; a trade-built bar closes before the roll.
    const inSession = s !== null && bar.ts >= s.info.openTs && bar.ts < s.info.closeTs;
    if (inSession) s.countBar(bar.ts, bar.ts + TIMEFRAME_MS[bar.tf]);
    this.barCount += 1;
    this.deps.sink.barClosed({ bar, levels: inSession ? s.snapshot() : null, tsInit: this.deps.clock.now() });
  }
}
