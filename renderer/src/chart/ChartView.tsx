/**
 * The price chart (lightweight-charts 5): candles, a volume pane, session
 * VWAP with 1/2/3-sigma bands, POC/VAH/VAL price lines (the previous
 * session's dashed), gamma levels (call wall, put wall, zero gamma), Battle
 * Navale signal markers, violation marks and base boxes. Applies the model's
 * frame updates imperatively. Hovering a signal's marker shows its detail;
 * clicking it pins the detail.
 *
 * [Note: chart refresh budget] In lightweight-charts 5 both `update()` and
 * `setData()` cost O(bars in the series) (measured: ~130 ms to setData nine
 * series of 12,000 bars). A few new bars go in by `update()`; more than
 * `UPDATE_LIMIT` in one frame mark every series stale, and stale series are
 * rebuilt with `setData()` one after another, candles first, within
 * `FRAME_BUDGET_MS` a frame, going on in the next frames. A rebuild pass
 * starts at most every `REBUILD_EVERY_MS` (bars arriving during a pass wait
 * for the next one): at max replay speed the chart redraws once a second,
 * holding only the newest `MAX_PLAY_BARS` bars (the whole history comes back
 * when the replay pauses or ends), and the window's main thread stays free
 * for clicks and for the engine's next batches (which wait for the window's
 * acknowledgement). What the chart says of itself for tests (`data-bars`
 * and the like, read back from the series, O(bars)) is refreshed as often,
 * and once more when the stream quiets.
 */
import {
  CandlestickSeries,
  ColorType,
  CrosshairMode,
  HistogramSeries,
  LineSeries,
  LineStyle,
  LineType,
  TickMarkType,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesMarkersPluginApi,
  type MouseEventParams,
  type IPriceLine,
  type ISeriesApi,
  type LineData,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
  type WhitespaceData,
} from 'lightweight-charts';
import { useEffect, useRef, type ReactNode } from 'react';
import type { BarDTO, GammaDTO, LevelsDTO, OrderDTO, SignalDTO } from '../../../engine/contract';
import { formatDateTime, formatHourMinute, formatMonthDay } from '../format';
import { BaseBoxes, declutterMarkers, EdgeMarkers, markersOf, ORDER_COLORS, orderAtY, snapToTick } from './annotations';
import type { ChartModel, FrameUpdate } from './model';

/** Above this many new bars in one frame, series are rebuilt with setData. */
const UPDATE_LIMIT = 16;
/** Chart work per animation frame before stale series wait for the next frame. */
const FRAME_BUDGET_MS = 10;
/** Least time between the starts of two rebuild passes, and between two read-backs of the series (ms). */
const REBUILD_EVERY_MS = 250;
/** The same while a replay plays at max speed: the chart redraws once a second and leaves the frames to the window. */
const REBUILD_AT_MAX_EVERY_MS = 1000;
/**
 * Bars the series hold while a replay plays at max speed: the newest ones,
 * so a rebuild takes a few ms instead of tens; the whole history comes back
 * when the replay pauses or ends.
 */
const MAX_PLAY_BARS = 2000;

const COLORS = {
  up: '#26a69a',
  down: '#ef5350',
  vwap: '#f5c542',
  band1: 'rgba(245, 197, 66, 0.55)',
  band2: 'rgba(245, 197, 66, 0.35)',
  band3: 'rgba(245, 197, 66, 0.22)',
  poc: '#ff9800',
  va: '#4fc3f7',
  prev: '#b39ddb',
  callWall: '#66bb6a',
  putWall: '#ec407a',
  zeroGamma: '#e0e0e0',
};

type GammaKey = 'callWall' | 'putWall' | 'zeroGamma';

const GAMMA_LINES: readonly { key: GammaKey; title: string; color: string; style: LineStyle }[] = [
  { key: 'callWall', title: 'Call wall', color: COLORS.callWall, style: LineStyle.LargeDashed },
  { key: 'putWall', title: 'Put wall', color: COLORS.putWall, style: LineStyle.LargeDashed },
  { key: 'zeroGamma', title: 'Zero Γ', color: COLORS.zeroGamma, style: LineStyle.SparseDotted },
];

type LevelKey = 'poc' | 'vah' | 'val' | 'pPoc' | 'pVah' | 'pVal';

const LEVEL_LINES: readonly { key: LevelKey; title: string; color: string; style: LineStyle }[] = [
  { key: 'poc', title: 'POC', color: COLORS.poc, style: LineStyle.Solid },
  { key: 'vah', title: 'VAH', color: COLORS.va, style: LineStyle.Solid },
  { key: 'val', title: 'VAL', color: COLORS.va, style: LineStyle.Solid },
  { key: 'pPoc', title: 'pPOC', color: COLORS.prev, style: LineStyle.Dashed },
  { key: 'pVah', title: 'pVAH', color: COLORS.prev, style: LineStyle.Dashed },
  { key: 'pVal', title: 'pVAL', color: COLORS.prev, style: LineStyle.Dashed },
];

/** Band multipliers, in order of the band series: +1, -1, +2, -2, +3, -3 sigma. */
const BAND_K = [1, -1, 2, -2, 3, -3] as const;

const time = (ms: number): UTCTimestamp => (ms / 1000) as UTCTimestamp;

interface Series {
  chart: IChartApi;
  candles: ISeriesApi<'Candlestick'>;
  volume: ISeriesApi<'Histogram'>;
  vwap: ISeriesApi<'Line'>;
  bands: ISeriesApi<'Line'>[];
  /** POC, VAH, VAL and the previous session's, each session's developing values over its own bars (issue 17). */
  levels: ISeriesApi<'Line'>[];
  gammaLines: Map<GammaKey, IPriceLine>;
  markers: ISeriesMarkersPluginApi<Time>;
  boxes: BaseBoxes;
  edges: EdgeMarkers;
  /** Working orders' price lines, by order id. */
  orderLines: Map<string, IPriceLine>;
}

function createSeries(el: HTMLElement, timeZone: string): Series {
  const chart = createChart(el, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: '#0b0f14' },
      textColor: '#aab4bf',
      fontSize: 11,
      panes: { separatorColor: '#1f2a36', enableResize: true },
      attributionLogo: false,
    },
    grid: { vertLines: { color: '#121a23' }, horzLines: { color: '#121a23' } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: '#1f2a36' },
    timeScale: {
      borderColor: '#1f2a36',
      timeVisible: true,
      secondsVisible: false,
      // Room right of the newest bar for the level and order titles beside the price scale (issue 17): 14 bars, 84 px at
      // the default spacing.
      rightOffset: 14,
      tickMarkFormatter: (t: Time, type: TickMarkType) => {
        const ms = (t as number) * 1000;
        return type === TickMarkType.Time || type === TickMarkType.TimeWithSeconds ? formatHourMinute(ms, timeZone) : formatMonthDay(ms, timeZone);
      },
    },
    localization: { timeFormatter: (t: Time) => formatDateTime((t as number) * 1000, timeZone) },
  });
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: COLORS.up,
    downColor: COLORS.down,
    borderVisible: false,
    wickUpColor: COLORS.up,
    wickDownColor: COLORS.down,
    priceFormat: { type: 'price', precision: 2, minMove: 0.25 },
  });
  const vwap = chart.addSeries(LineSeries, { color: COLORS.vwap, lineWidth: 2, priceLineVisible: false, lastValueVisible: true, title: 'VWAP', crosshairMarkerVisible: false });
  const bands = BAND_K.map((k) =>
    chart.addSeries(LineSeries, {
      color: Math.abs(k) === 1 ? COLORS.band1 : Math.abs(k) === 2 ? COLORS.band2 : COLORS.band3,
      lineWidth: 1,
      lineStyle: Math.abs(k) === 3 ? LineStyle.Dotted : LineStyle.Solid,
      priceLineVisible: false,
      lastValueVisible: false,
      crosshairMarkerVisible: false,
      title: '',
      // The outer bands must not squeeze the candles: only VWAP and +-1 sigma join the autoscale.
      ...(Math.abs(k) === 1 ? {} : { autoscaleInfoProvider: () => null }),
    }),
  );
  const volume = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceLineVisible: false, lastValueVisible: false }, 1);
  chart.panes()[1]?.setStretchFactor(0.22);
  chart.panes()[0]?.setStretchFactor(0.78);
  // Step lines, broken between sessions: a session's levels stand over its own bars only (issue 17), as VWAP does.
  const levels = LEVEL_LINES.map((l) =>
    chart.addSeries(LineSeries, {
      color: l.color,
      lineStyle: l.style,
      lineWidth: l.key === 'poc' ? 2 : 1,
      lineType: LineType.WithSteps,
      priceLineVisible: false,
      lastValueVisible: true,
      crosshairMarkerVisible: false,
      title: l.title,
      // The levels must not squeeze the candles: the previous session's may lie far away.
      autoscaleInfoProvider: () => null,
    }),
  );
  const gammaLines = new Map<GammaKey, IPriceLine>();
  for (const g of GAMMA_LINES) {
    gammaLines.set(g.key, candles.createPriceLine({ price: 0, color: g.color, lineStyle: g.style, lineWidth: 2, axisLabelVisible: false, lineVisible: false, title: g.title }));
  }
  const markers = createSeriesMarkers(candles, []);
  const boxes = new BaseBoxes((n) => {
    el.dataset.baseBoxesDrawn = String(n);
  });
  candles.attachPrimitive(boxes);
  const edges = new EdgeMarkers((tags) => {
    el.dataset.gammaEdges = tags;
  });
  candles.attachPrimitive(edges);
  return { chart, candles, volume, vwap, bands, levels, gammaLines, markers, boxes, edges, orderLines: new Map() };
}

/**
 * A working order's line title, short enough not to cover the newest candles:
 * its role and signed size ("Stop −2", "Entry +1"), "…" while a bracket leg
 * waits for its entry.
 */
function orderTitle(o: OrderDTO): string {
  const role = o.role === 'entry' ? 'Entry' : o.role === 'stop' ? 'Stop' : o.role === 'target' ? 'Target' : 'Close';
  return `${role} ${o.side === 'BUY' ? '+' : '\u2212'}${o.qty}${o.status === 'PENDING' ? ' …' : ''}`;
}

/** The ES price of each gamma line (SPX level + basis), or null. */
function gammaPrice(g: GammaDTO | null, key: GammaKey): number | null {
  return g === null ? null : g.es[key];
}

const candleOf = (b: BarDTO) => ({ time: time(b.ts), open: b.open, high: b.high, low: b.low, close: b.close });
const volumeOf = (b: BarDTO) => ({ time: time(b.ts), value: b.volume, color: b.close >= b.open ? 'rgba(38,166,154,0.5)' : 'rgba(239,83,80,0.5)' });

/** VWAP (k = 0) or a band point; whitespace where undefined or at a session's first bar. */
function linePoint(b: BarDTO, l: LevelsDTO | null, k: number, sessionStart: boolean): LineData | WhitespaceData {
  if (l === null || l.vwap === null || l.vwapSigma === null || sessionStart) return { time: time(b.ts) };
  return { time: time(b.ts), value: l.vwap + k * l.vwapSigma };
}

function isSessionStart(levels: readonly (LevelsDTO | null)[], i: number): boolean {
  const cur = levels[i];
  const prev = levels[i - 1];
  return i > 0 && cur != null && prev != null && cur.sessionId !== prev.sessionId;
}

/** Rebuilds one series from all bars (index into `refreshers`). */
type Refresher = (s: Series, bars: readonly BarDTO[], levels: readonly (LevelsDTO | null)[]) => void;

const lineData = (bars: readonly BarDTO[], levels: readonly (LevelsDTO | null)[], k: number) =>
  bars.map((b, i) => linePoint(b, levels[i] ?? null, k, isSessionStart(levels, i)));

/** A level's point at a bar: its value then, whitespace where it has none or at a session's first bar (the line breaks). */
function levelPoint(b: BarDTO, l: LevelsDTO | null, key: LevelKey, sessionStart: boolean): LineData | WhitespaceData {
  const v = l?.[key] ?? null;
  return v === null || sessionStart ? { time: time(b.ts) } : { time: time(b.ts), value: v };
}

const levelData = (bars: readonly BarDTO[], levels: readonly (LevelsDTO | null)[], key: LevelKey) =>
  bars.map((b, i) => levelPoint(b, levels[i] ?? null, key, isSessionStart(levels, i)));

/** Index of the first level series in `refreshers`. */
const FIRST_LEVEL = 3 + BAND_K.length;

/** Candles first: they are what the trader reads. */
const refreshers: readonly Refresher[] = [
  (s, bars) => s.candles.setData(bars.map(candleOf)),
  (s, bars) => s.volume.setData(bars.map(volumeOf)),
  (s, bars, levels) => s.vwap.setData(lineData(bars, levels, 0)),
  ...BAND_K.map((k, j): Refresher => (s, bars, levels) => s.bands[j]?.setData(lineData(bars, levels, k))),
  ...LEVEL_LINES.map((d, j): Refresher => (s, bars, levels) => s.levels[j]?.setData(levelData(bars, levels, d.key))),
];

/** Draws the model's changes onto the series, within the frame budget. */
class ChartSync {
  /** Series (indices into `refreshers`) waiting for a setData. */
  private stale = new Set<number>();
  /** A rebuild pass is under way (it goes on each frame until `stale` is empty). */
  private passOpen = false;
  /** Bars came in during the pass that series it already rebuilt lack: another pass follows. */
  private behind = false;
  private lastPassMs = Number.NEGATIVE_INFINITY;
  /** Index (in the model's bars) of the first bar the series hold, and the one the open pass rebuilds from. */
  private seriesFrom = 0;
  private passFrom = 0;
  /** The series are trimmed and the replay left max speed one frame ago: the next frame restores them. */
  private restoreWaited = false;
  /** A reset is waiting for its bars: then the view goes to the latest bar with the price scale automatic. */
  private resetView = false;

  /**
   * Goes to the latest bar, so the chart follows the replay again (it stops
   * once the trader scrolls back or a signal is focused, as in Sierra Chart);
   * with `autoScale`, the price scale fits the visible bars again (a
   * hand-dragged scale stops doing so).
   */
  latest(autoScale: boolean): void {
    // A jump, not scrollToRealTime's animation: the marker labels laid out again at each step of it would stop it halfway.
    const ts = this.s.chart.timeScale();
    ts.scrollToPosition(ts.options().rightOffset, false);
    if (autoScale) this.s.chart.priceScale('right').applyOptions({ autoScale: true });
  }

  /** The price scale fits the visible bars again. */
  autoScale(): void {
    this.s.chart.priceScale('right').applyOptions({ autoScale: true });
  }
  private lastReadBackMs = Number.NEGATIVE_INFINITY;
  private readBackTimer: ReturnType<typeof setTimeout> | null = null;
  private continuation = 0;
  private pendingFocus: SignalDTO | null = null;

  constructor(
    private readonly s: Series,
    private readonly model: ChartModel,
    private readonly el: HTMLElement,
  ) {
    // Marker labels are laid out for the view: scrolling, zooming or a resize lays them out again.
    s.chart.timeScale().subscribeVisibleLogicalRangeChange(this.onView);
    s.chart.timeScale().subscribeSizeChange(this.onView);
  }

  /** Every marker of the annotations, before its label is laid out for the view. */
  private allMarkers: SeriesMarker<Time>[] = [];
  private labelFrame = 0;
  private readonly onView = (): void => {
    if (this.labelFrame !== 0) return;
    this.labelFrame = requestAnimationFrame(() => {
      this.labelFrame = 0;
      this.layOutLabels();
    });
  };

  /** The markers with only the labels that fit the view (declutterMarkers). */
  private layOutLabels(): void {
    const ts = this.s.chart.timeScale();
    const { markers, labels } = declutterMarkers(this.allMarkers, (t) => ts.timeToCoordinate(t), ts.width());
    this.s.markers.setMarkers(markers);
    this.el.dataset.markerLabels = JSON.stringify(labels.map((l) => [Math.round(l.x), l.width, l.row]));
    this.el.dataset.markerLabelsHidden = String(this.allMarkers.filter((m) => m.text !== undefined && m.text !== '').length - labels.length);
  }

  apply(u: FrameUpdate): void {
    const { bars, levels } = this.model;
    const start = performance.now();
    // Closed bars went in (or will, by setData): what the chart holds changed beyond the forming bar.
    const seriesChanged = u.reset || bars.length > u.firstNew || this.stale.size > 0;
    if (u.reset) {
      this.passOpen = false;
      this.lastPassMs = Number.NEGATIVE_INFINITY;
      // A new file or run: the view starts over (issue 17), once its bars are in.
      this.resetView = true;
    }
    const st = this.model.status;
    const atMax = st?.state === 'playing' && st.speed === 'max';
    // After a max-speed stretch the series hold only the newest bars: the whole history goes back in,
    // from the next frame on (this frame is the window's to show the pause or the end).
    const restore = !atMax && this.seriesFrom > 0 && !this.passOpen;
    const trimmed = restore && this.restoreWaited;
    this.restoreWaited = restore && !trimmed;
    if (u.reset || trimmed || bars.length - u.firstNew > UPDATE_LIMIT) {
      if (this.passOpen) this.behind = true;
      else refreshers.forEach((_r, i) => this.stale.add(i));
    } else {
      for (let i = u.firstNew; i < bars.length; i++) this.updateOne(i);
    }
    if (this.stale.size > 0 && !this.passOpen && (trimmed || start - this.lastPassMs >= (atMax ? REBUILD_AT_MAX_EVERY_MS : REBUILD_EVERY_MS))) {
      this.passOpen = true;
      this.lastPassMs = start;
      this.passFrom = atMax ? Math.max(0, bars.length - MAX_PLAY_BARS) : 0;
    }
    if (this.passOpen) {
      const from = this.passFrom;
      const passBars = from === 0 ? bars : bars.slice(from);
      const passLevels = from === 0 ? levels : levels.slice(from);
      for (const i of [...this.stale]) {
        if (performance.now() - start > FRAME_BUDGET_MS && i !== 0) break;
        refreshers[i]?.(this.s, passBars, passLevels);
        this.stale.delete(i);
      }
      if (this.stale.size === 0) {
        this.passOpen = false;
        if (this.behind) refreshers.forEach((_r, i) => this.stale.add(i));
        this.behind = false;
        if (this.resetView) {
          this.resetView = false;
          this.latest(true);
        }
        if (from !== this.seriesFrom) {
          this.seriesFrom = from;
          this.drawAnnotations(); // markers and boxes of the bars the series hold
        }
      }
    }
    this.drawForming();
    const fillsNow = this.model.execution?.fills.length ?? 0;
    if (u.annotationsChanged || fillsNow !== this.fillsDrawn || (u.reset && fillsNow > 0)) this.drawAnnotations();
    if (u.executionChanged === true) this.drawOrders();
    if (u.gammaChanged) this.drawGamma();
    if (u.reset) this.latest(true);
    if (u.focus !== null && !this.stale.has(0)) this.focusOn(u.focus);
    else if (u.focus !== null) this.pendingFocus = u.focus;
    else if (this.pendingFocus !== null && !this.stale.has(0)) {
      this.focusOn(this.pendingFocus);
      this.pendingFocus = null;
    }
    if ((this.stale.size > 0 || this.restoreWaited) && this.continuation === 0) {
      this.continuation = requestAnimationFrame(() => {
        this.continuation = 0;
        this.apply({ reset: false, firstNew: this.model.bars.length, formingChanged: false, annotationsChanged: false, gammaChanged: false, focus: null });
      });
    }
    this.describe(u, seriesChanged);
  }

  dispose(): void {
    cancelAnimationFrame(this.continuation);
    cancelAnimationFrame(this.labelFrame);
    this.s.chart.timeScale().unsubscribeVisibleLogicalRangeChange(this.onView);
    this.s.chart.timeScale().unsubscribeSizeChange(this.onView);
    if (this.readBackTimer !== null) clearTimeout(this.readBackTimer);
  }

  /** Adds bar i to every series that is not waiting for a rebuild. */
  private updateOne(i: number): void {
    const { bars, levels } = this.model;
    const b = bars[i] as BarDTO;
    const l = levels[i] ?? null;
    const start = isSessionStart(levels, i);
    if (!this.stale.has(0)) this.s.candles.update(candleOf(b));
    if (!this.stale.has(1)) this.s.volume.update(volumeOf(b));
    if (!this.stale.has(2)) this.s.vwap.update(linePoint(b, l, 0, start));
    this.s.bands.forEach((series, j) => {
      if (!this.stale.has(3 + j)) series.update(linePoint(b, l, BAND_K[j] as number, start));
    });
    this.s.levels.forEach((series, j) => {
      if (!this.stale.has(FIRST_LEVEL + j)) series.update(levelPoint(b, l, (LEVEL_LINES[j] as (typeof LEVEL_LINES)[number]).key, start));
    });
  }

  private drawForming(): void {
    const f = this.model.forming;
    const last = this.model.bars[this.model.bars.length - 1];
    if (f === null || (last !== undefined && f.bar.ts <= last.ts)) return;
    if (!this.stale.has(0)) this.s.candles.update(candleOf(f.bar));
    if (!this.stale.has(1)) this.s.volume.update(volumeOf(f.bar));
    // The levels developing with the forming bar (live): a new session's first bar breaks the lines.
    const prev = this.model.levels[this.model.levels.length - 1] ?? null;
    const start = prev !== null && f.levels !== null && prev.sessionId !== f.levels.sessionId;
    this.s.levels.forEach((series, j) => {
      if (!this.stale.has(FIRST_LEVEL + j)) series.update(levelPoint(f.bar, f.levels, (LEVEL_LINES[j] as (typeof LEVEL_LINES)[number]).key, start));
    });
  }

  private fillsDrawn = 0;
  /** What describe() reads back from the series is out of date. */
  private heldChanged = true;

  private drawAnnotations(): void {
    const { signals, violations, bases } = this.model;
    const fills = this.model.execution?.fills ?? [];
    this.fillsDrawn = fills.length;
    this.heldChanged = true;
    // Only what falls on the bars the series hold (a marker off them would sit on the first one).
    const bars = this.seriesFrom === 0 ? this.model.bars : this.model.bars.slice(this.seriesFrom);
    const t0 = this.seriesFrom === 0 ? Number.NEGATIVE_INFINITY : (bars[0]?.ts ?? Number.NEGATIVE_INFINITY);
    const shown = <T extends { ts: number }>(xs: readonly T[]): readonly T[] => (t0 === Number.NEGATIVE_INFINITY ? xs : xs.filter((x) => x.ts >= t0));
    this.allMarkers = markersOf(shown(signals), shown(violations), shown(fills), bars);
    this.layOutLabels();
    this.el.dataset.fillMarkers = String(fills.length);
    this.s.boxes.setBases(bases, violations);
  }

  /** The position's line at its average price, titled with its size and open P&L (issue 18, chart trading). */
  private positionLine: IPriceLine | null = null;

  private drawPosition(): void {
    const p = this.model.execution?.position ?? null;
    if (p === null || p.qty === 0 || p.avgPrice === null) {
      if (this.positionLine !== null) this.s.candles.removePriceLine(this.positionLine);
      this.positionLine = null;
      delete this.el.dataset.positionLine;
      return;
    }
    const pnl = p.unrealizedUsd;
    const title = `Pos ${p.qty > 0 ? '+' : '\u2212'}${Math.abs(p.qty)} ${pnl >= 0 ? '+' : '\u2212'}${Math.abs(pnl).toFixed(2)}`;
    const color = pnl >= 0 ? '#26a69a' : '#ef5350';
    if (this.positionLine === null) this.positionLine = this.s.candles.createPriceLine({ price: p.avgPrice, color, lineStyle: LineStyle.Solid, lineWidth: 1, axisLabelVisible: true, title });
    else this.positionLine.applyOptions({ price: p.avgPrice, color, title });
    this.el.dataset.positionLine = title;
  }

  /** Called with an order's new price when the trader drops its line (the engine's modify); absent: lines do not drag. */
  onModify: ((orderId: string, price: number) => void) | undefined = undefined;
  /** A drag in progress: the order, its price before, the price its line shows now. */
  private drag: { readonly id: string; readonly from: number; price: number } | null = null;

  private draggable(): OrderDTO[] {
    return (this.model.execution?.orders ?? []).filter((o) => o.price !== null && o.role !== 'close' && (o.status === 'WORKING' || o.status === 'PENDING'));
  }

  private paneY(e: PointerEvent): number {
    return e.clientY - this.el.getBoundingClientRect().top;
  }

  /** A press on an order's line picks it up: the chart stops panning until it is dropped. */
  readonly onPointerDown = (e: PointerEvent): void => {
    if (this.onModify === undefined || e.button !== 0) return;
    const hit = orderAtY(this.draggable(), this.paneY(e), (p) => this.s.candles.priceToCoordinate(p));
    if (hit === null || hit.price === null) return;
    e.preventDefault();
    e.stopPropagation();
    this.drag = { id: hit.id, from: hit.price, price: hit.price };
    this.el.setPointerCapture?.(e.pointerId);
    this.s.chart.applyOptions({ handleScroll: false, handleScale: false });
    this.el.dataset.dragging = hit.id;
  };

  readonly onPointerMove = (e: PointerEvent): void => {
    const y = this.paneY(e);
    if (this.drag === null) {
      if (this.onModify !== undefined) this.el.style.cursor = orderAtY(this.draggable(), y, (p) => this.s.candles.priceToCoordinate(p)) !== null ? 'ns-resize' : '';
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    const raw = this.s.candles.coordinateToPrice(y);
    if (raw === null) return;
    const price = snapToTick(raw, 0.25);
    if (price === this.drag.price) return;
    this.drag.price = price;
    this.s.orderLines.get(this.drag.id)?.applyOptions({ price });
  };

  /** The line is dropped: its new price goes to the engine; a refusal leaves the order where it was (the next state redraws it). */
  readonly onPointerUp = (e: PointerEvent): void => {
    const d = this.drag;
    if (d === null) return;
    e.preventDefault();
    e.stopPropagation();
    this.drag = null;
    delete this.el.dataset.dragging;
    this.s.chart.applyOptions({ handleScroll: true, handleScale: true });
    if (d.price !== d.from) this.onModify?.(d.id, d.price);
    this.drawOrders();
  };

  /** One price line per working order: entry, stop, target or close, with side, size and price. */
  private drawOrders(): void {
    // Pending bracket legs are drawn too: the trader sees where the stop and target will sit before the entry fills.
    const orders = (this.model.execution?.orders ?? []).filter((o) => o.price !== null && (o.status === 'WORKING' || o.status === 'PENDING'));
    const keep = new Set(orders.map((o) => o.id));
    for (const [id, line] of this.s.orderLines) {
      if (!keep.has(id)) {
        this.s.candles.removePriceLine(line);
        this.s.orderLines.delete(id);
      }
    }
    for (const o of orders) {
      const drawn = this.s.orderLines.get(o.id);
      if (drawn !== undefined) {
        // A moved order's line follows it, unless the trader holds it.
        if (this.drag?.id !== o.id) drawn.applyOptions({ price: o.price!, title: orderTitle(o) });
        continue;
      }
      const title = orderTitle(o);
      this.s.orderLines.set(o.id, this.s.candles.createPriceLine({ price: o.price!, color: ORDER_COLORS[o.role], lineStyle: LineStyle.Dashed, lineWidth: 2, axisLabelVisible: true, title }));
    }
    this.el.dataset.orderLines = [...this.s.orderLines.keys()].map((id) => orders.find((o) => o.id === id)?.role ?? '').join(',');
    this.el.dataset.orderPrices = JSON.stringify(Object.fromEntries(orders.map((o) => [o.id, o.price])));
    this.drawPosition();
  }

  /** Where each working order's line is, px from the pane's top (for tests that drag one). */
  orderLineYs(): Record<string, number | null> {
    return Object.fromEntries(this.draggable().map((o) => [o.id, this.s.candles.priceToCoordinate(o.price!)]));
  }

  private drawGamma(): void {
    const g = this.model.gamma;
    for (const def of GAMMA_LINES) {
      const price = gammaPrice(g, def.key);
      this.s.gammaLines.get(def.key)?.applyOptions(price === null ? { lineVisible: false, axisLabelVisible: false } : { price, lineVisible: true, axisLabelVisible: true });
    }
    // Off the visible prices, each is marked at the pane's edge.
    this.s.edges.setLevels(g === null ? [] : GAMMA_LINES.flatMap((def) => (g.es[def.key] === null ? [] : [{ key: def.key, label: def.title, price: g.es[def.key] as number, color: def.color }])));
  }

  /** Scrolls so the signal's bar sits two thirds across the view, 90 bars wide. */
  private focusOn(signal: SignalDTO): void {
    const bars = this.model.bars;
    let lo = 0;
    let hi = bars.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((bars[mid] as BarDTO).ts < signal.ts) lo = mid + 1;
      else hi = mid;
    }
    this.s.chart.timeScale().setVisibleLogicalRange({ from: lo - 60, to: lo + 30 });
    this.el.dataset.focusTs = String(signal.ts);
  }


  /**
   * What the chart holds, for tests and accessibility tools (set once it has
   * caught up). The forming bar and the levels are written on every update
   * (O(1): a live trade pays only for them); what takes O(bars) to read back
   * from the series only when bars, annotations or gamma lines changed.
   */
  private describe(u: FrameUpdate, seriesChanged: boolean): void {
    if (seriesChanged || u.annotationsChanged || u.gammaChanged || u.reset) this.heldChanged = true;
    if (this.stale.size > 0) return;
    const lv = this.model.currentLevels();
    const last = this.model.bars[this.model.bars.length - 1];
    this.el.dataset.levels = LEVEL_LINES.map((d) => `${d.title}=${lv?.[d.key] ?? ''}`).join(' ');
    this.el.dataset.lastBarTs = last === undefined ? '' : String(last.ts);
    // The bar forming from live trades: its open time (Unix ms) and volume so far.
    const f = this.model.forming;
    this.el.dataset.forming = f === null ? '' : `${f.bar.ts} ${f.bar.volume}`;
    if (!this.heldChanged) return;
    const now = performance.now();
    if (now - this.lastReadBackMs < REBUILD_EVERY_MS) {
      // Read back at most every REBUILD_EVERY_MS, and once more when the stream quiets.
      this.readBackTimer ??= setTimeout(() => {
        this.readBackTimer = null;
        this.describe({ reset: false, firstNew: this.model.bars.length, formingChanged: false, annotationsChanged: false, gammaChanged: false, focus: null }, false);
      }, REBUILD_EVERY_MS - (now - this.lastReadBackMs));
      return;
    }
    this.lastReadBackMs = now;
    this.heldChanged = false;
    const candles = this.s.candles.data();
    const vwap = this.s.vwap.data();
    this.el.dataset.bars = String(candles.length);
    this.el.dataset.vwapPoints = String(vwap.filter((d) => 'value' in d).length);
    // Signal arrows the marker plugin holds (violation marks are squares, fills arrows at their price).
    const markers = this.s.markers.markers();
    this.el.dataset.markers = String(markers.filter((m) => (m.shape === 'arrowUp' || m.shape === 'arrowDown') && m.position !== 'atPriceMiddle').length);
    // The latest time anything is drawn at (Unix ms): a replay cursor must bound them all (no look-ahead).
    this.el.dataset.lastCandleTs = latestMs(candles);
    this.el.dataset.lastMarkerTs = latestMs(markers);
    this.el.dataset.lastVwapTs = latestMs(vwap);
    this.el.dataset.violations = String(this.model.violations.length);
    // What the VAL line holds at each session's last bar: each session's own level over its own bars (issue 17).
    const valIndex = LEVEL_LINES.findIndex((d) => d.key === 'val');
    const held = new Map<number, number>();
    for (const d of this.s.levels[valIndex]?.data() ?? []) if ('value' in d) held.set(d.time as number, d.value);
    const { bars, levels } = this.model;
    const ends: string[] = [];
    for (let i = 0; i < bars.length; i++) {
      if (levels[i + 1]?.sessionId === levels[i]?.sessionId && i + 1 < bars.length) continue;
      ends.push(String(held.get((bars[i] as BarDTO).ts / 1000) ?? ''));
    }
    this.el.dataset.sessionVals = ends.join(',');
    this.el.dataset.bases = String(this.model.bases.length);
    const g = this.model.gamma;
    this.el.dataset.gammaLines = g === null ? '' : GAMMA_LINES.map((d) => `${d.title}=${gammaPrice(g, d.key) ?? ''}`).join(' ');
  }
}

/** The latest time among chart items (Unix ms; '' when none). A loop, not Math.max(...), which overflows the stack on long sessions. */
function latestMs(items: readonly { time: unknown }[]): string {
  let latest = Number.NEGATIVE_INFINITY;
  for (const d of items) latest = Math.max(latest, Number(d.time));
  return items.length === 0 ? '' : String(latest * 1000);
}

/** The signal under the pointer: its marker, else the signal on the hovered bar. */
function signalAt(model: ChartModel, p: MouseEventParams<Time>): SignalDTO | null {
  if (typeof p.hoveredObjectId === 'string') {
    const s = model.signalById(p.hoveredObjectId);
    if (s !== null) return s;
  }
  if (p.time === undefined) return null;
  const ms = (p.time as number) * 1000;
  return model.signals.find((s) => s.ts === ms) ?? null;
}

/** The chart, driven by `model`. */
export function ChartView({ model, timeZone, onModifyOrder, children }: { model: ChartModel; timeZone: string; onModifyOrder?: ((orderId: string, price: number) => void) | undefined; children?: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const controls = useRef<{ latest(): void; autoScale(): void } | null>(null);
  const sync = useRef<ChartSync | null>(null);
  // The drop handler may change (a recorded session has none) without rebuilding the chart.
  useEffect(() => {
    if (sync.current !== null) sync.current.onModify = onModifyOrder;
  }, [onModifyOrder]);
  const modifyRef = useRef(onModifyOrder);
  modifyRef.current = onModifyOrder;
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const series = createSeries(el, timeZone);
    const chartSync = new ChartSync(series, model, el);
    sync.current = chartSync;
    chartSync.onModify = modifyRef.current;
    // Capture: an order line is picked up before the chart starts a pan.
    el.addEventListener('pointerdown', chartSync.onPointerDown, { capture: true });
    el.addEventListener('pointermove', chartSync.onPointerMove, { capture: true });
    el.addEventListener('pointerup', chartSync.onPointerUp, { capture: true });
    // For tests that drag a line as a trader would: where each order's line is, and where a price is, px from the pane's top.
    Object.assign(el, { orderLineYs: () => chartSync.orderLineYs(), priceToY: (p: number) => series.candles.priceToCoordinate(p) });
    chartSync.apply({ reset: true, firstNew: 0, formingChanged: true, annotationsChanged: true, gammaChanged: true, executionChanged: true, focus: null });
    const off = model.subscribe((u) => chartSync.apply(u));
    let pinned = false;
    const onClick = (p: MouseEventParams<Time>): void => {
      const s = signalAt(model, p);
      pinned = s !== null;
      model.select(s);
    };
    const onMove = (p: MouseEventParams<Time>): void => {
      model.hover(p.time === undefined ? null : (p.time as number) * 1000);
      if (pinned) return;
      const s = signalAt(model, p);
      if (s?.id !== model.selected?.id) model.select(s);
    };
    series.chart.subscribeClick(onClick);
    series.chart.subscribeCrosshairMove(onMove);
    const onRange = (r: { from: Time; to: Time } | null): void => {
      el.dataset.visibleFrom = r === null ? '' : String((r.from as number) * 1000);
      el.dataset.visibleTo = r === null ? '' : String((r.to as number) * 1000);
    };
    series.chart.timeScale().subscribeVisibleTimeRangeChange(onRange);
    controls.current = { latest: () => chartSync.latest(false), autoScale: () => chartSync.autoScale() };
    return () => {
      controls.current = null;
      series.chart.unsubscribeClick(onClick);
      series.chart.unsubscribeCrosshairMove(onMove);
      series.chart.timeScale().unsubscribeVisibleTimeRangeChange(onRange);
      off();
      el.removeEventListener('pointerdown', chartSync.onPointerDown, { capture: true });
      el.removeEventListener('pointermove', chartSync.onPointerMove, { capture: true });
      el.removeEventListener('pointerup', chartSync.onPointerUp, { capture: true });
      sync.current = null;
      chartSync.dispose();
      series.chart.remove();
    };
  }, [model, timeZone]);
  return (
    <div className="chart-frame">
      <div className="chart" ref={ref} data-testid="chart" />
      <div className="chart-controls">
        {children}
        <button type="button" data-testid="chart-autoscale" title="Fit the price scale to the visible bars again" onClick={() => controls.current?.autoScale()}>
          Auto-scale
        </button>
        <button type="button" data-testid="chart-latest" title="Go to the latest bar: the chart follows the replay again" onClick={() => controls.current?.latest()}>
          Latest ⇥
        </button>
      </div>
    </div>
  );
}
