/**
 * Battle Navale annotations on the price chart: signal arrows and
 * golden-rule violation marks (series markers), and bases as shaded boxes (a
 * series primitive drawing on the pane's canvas, only the boxes in view).
 */
import type {
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesApi,
  ISeriesPrimitive,
  IChartApiBase,
  SeriesAttachedParameter,
  SeriesMarker,
  Time,
  UTCTimestamp,
} from 'lightweight-charts';
import type { BarDTO, BaseDTO, BaseViolationDTO, FillDTO, OrderDTO, SignalDTO } from '../../../engine/contract';

type CanvasRenderingTarget2D = Parameters<IPrimitivePaneRenderer['draw']>[0];

const time = (ms: number): UTCTimestamp => (ms / 1000) as UTCTimestamp;

export const SIGNAL_COLORS = { LONG: '#00e676', SHORT: '#ff5252' } as const;
const VIOLATION_COLOR = '#ff1744';

/** Marker id of a violation (signal markers use the signal id). */
export const violationMarkerId = (v: BaseViolationDTO): string => `violation-${v.baseId}`;

/**
 * Markers for the signals (arrow, "BN STRONG"-style label, coloured by side)
 * and the bars that violated a governing base, sorted by time as the chart
 * requires.
 */
export function markersOf(signals: readonly SignalDTO[], violations: readonly BaseViolationDTO[], fills: readonly FillDTO[] = [], bars: readonly BarDTO[] = []): SeriesMarker<Time>[] {
  const out: SeriesMarker<Time>[] = [];
  for (const f of fills) {
    const barTs = barAt(bars, f.ts);
    if (barTs === null) continue;
    const buy = f.side === 'BUY';
    // At its price, on the candle: a small arrow of its side, no text over the candles (its detail is in the trades list).
    out.push({
      id: `fill-${f.orderId}`,
      time: time(barTs),
      position: 'atPriceMiddle',
      price: f.price,
      shape: buy ? 'arrowUp' : 'arrowDown',
      color: f.role === 'entry' ? FILL_COLORS.entry : f.role === 'target' ? FILL_COLORS.target : FILL_COLORS.exit,
      size: 0.6,
    });
  }
  for (const s of signals) {
    out.push(
      s.side === 'LONG'
        ? { id: s.id, time: time(s.ts), position: 'belowBar', shape: 'arrowUp', color: SIGNAL_COLORS.LONG, text: s.label, size: 1.4 }
        : { id: s.id, time: time(s.ts), position: 'aboveBar', shape: 'arrowDown', color: SIGNAL_COLORS.SHORT, text: s.label, size: 1.4 },
    );
  }
  for (const v of violations) {
    out.push({ id: violationMarkerId(v), time: time(v.ts), position: 'belowBar', shape: 'square', color: VIOLATION_COLOR, size: 0.6 });
  }
  return out.sort((a, b) => (a.time as number) - (b.time as number));
}

/** A marker's label as drawn: centred on the marker's x, pixels. */
export interface LabelBox {
  readonly id: string;
  /** Centre, pixels from the pane's left edge. */
  readonly x: number;
  readonly width: number;
  /** aboveBar or belowBar: labels of one row can collide. */
  readonly row: string;
}

/** Width of a marker label, pixels: lightweight-charts draws marker text at 12 px; about 7 px a character. */
export const LABEL_CHAR_PX = 7;
/** Space kept between two labels of a row, and between a label and the pane's right edge (the price scale), pixels. */
export const LABEL_GAP_PX = 6;

/**
 * Which marker labels fit (issue 17, item 18): in each row (above the bars,
 * below them), from left to right, a label is kept when its box clears the
 * last kept one by LABEL_GAP_PX and ends before the pane's right edge (the
 * price scale); the others keep their arrow, without text. `xOf` gives a
 * marker's x in pixels (null off the visible range: kept, nothing to
 * collide with). Markers are returned in their order.
 */
export function declutterMarkers(markers: readonly SeriesMarker<Time>[], xOf: (t: Time) => number | null, paneWidthPx: number): { markers: SeriesMarker<Time>[]; labels: LabelBox[] } {
  const keep = new Set<string>();
  const labels: LabelBox[] = [];
  const rows = new Map<string, { m: SeriesMarker<Time>; x: number; w: number }[]>();
  for (const m of markers) {
    if (m.text === undefined || m.text === '' || m.id === undefined) continue;
    const x = xOf(m.time);
    if (x === null) continue;
    const row = rows.get(m.position) ?? [];
    row.push({ m, x, w: m.text.length * LABEL_CHAR_PX });
    rows.set(m.position, row);
  }
  for (const [row, items] of rows) {
    items.sort((a, b) => a.x - b.x);
    let right = Number.NEGATIVE_INFINITY;
    for (const { m, x, w } of items) {
      if (x - w / 2 < right + LABEL_GAP_PX || x + w / 2 > paneWidthPx - LABEL_GAP_PX || x - w / 2 < 0) continue;
      right = x + w / 2;
      keep.add(m.id as string);
      labels.push({ id: m.id as string, x, width: w, row });
    }
  }
  const out = markers.map((m) => {
    if (m.text === undefined || m.text === '' || m.id === undefined || keep.has(m.id) || xOf(m.time) === null) return m;
    const bare: SeriesMarker<Time> = { ...m };
    delete bare.text;
    return bare;
  });
  return { markers: out, labels };
}

/** Fill markers: entries blue, targets green, stops and closes orange. */
export const FILL_COLORS = { entry: '#4aa3ff', target: '#26a69a', exit: '#ff9800' } as const;

/** Working-order price lines by role. */
export const ORDER_COLORS: Record<OrderDTO['role'], string> = { entry: '#4aa3ff', stop: '#ef5350', target: '#26a69a', close: '#ff9800' };

/** Pixels either side of an order's line that pick it up for a drag. */
export const DRAG_TOLERANCE_PX = 5;

/**
 * The order whose line a pointer at `y` (px from the pane's top) picks up
 * for a drag (issue 18, chart trading): the nearest working or pending
 * entry, stop or target within `tolerancePx`, or null (a closing market
 * order has no price to move). `toY` maps a price to its y, null off the pane.
 */
export function orderAtY(orders: readonly OrderDTO[], y: number, toY: (price: number) => number | null, tolerancePx = DRAG_TOLERANCE_PX): OrderDTO | null {
  let best: OrderDTO | null = null;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const o of orders) {
    if (o.price === null || o.role === 'close' || (o.status !== 'WORKING' && o.status !== 'PENDING')) continue;
    const oy = toY(o.price);
    if (oy === null) continue;
    const d = Math.abs(oy - y);
    if (d <= tolerancePx && d < bestDist) {
      best = o;
      bestDist = d;
    }
  }
  return best;
}

/** `price` (points) on the tick grid. */
export function snapToTick(price: number, tickSize: number): number {
  return Math.round(price / tickSize) * tickSize;
}

/** The open time of the bar holding `ts` (the last bar starting at or before it), or null before the first bar. */
function barAt(bars: readonly BarDTO[], ts: number): number | null {
  let lo = 0;
  let hi = bars.length - 1;
  if (hi < 0 || (bars[0] as BarDTO).ts > ts) return null;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((bars[mid] as BarDTO).ts <= ts) lo = mid;
    else hi = mid - 1;
  }
  return (bars[lo] as BarDTO).ts;
}

const BOX_RGB: Record<BaseDTO['type'], string> = { GREEN: '38, 166, 154', RED: '239, 83, 80', NEUTRAL: '144, 164, 174' };

/** Fill opacity of a base box: 0.08 .. 0.38 by quality. */
export const boxOpacity = (quality: number): number => 0.08 + 0.3 * Math.max(0, Math.min(1, quality));

interface Box {
  x1: number;
  x2: number;
  y1: number;
  y2: number;
  fill: string;
  stroke: string;
  violated: boolean;
}

class BoxesRenderer implements IPrimitivePaneRenderer {
  constructor(private readonly boxes: readonly Box[]) {}

  draw(target: CanvasRenderingTarget2D): void {
    target.useBitmapCoordinateSpace(({ context: ctx, horizontalPixelRatio: hr, verticalPixelRatio: vr }) => {
      for (const b of this.boxes) {
        const x = Math.round(b.x1 * hr);
        const y = Math.round(Math.min(b.y1, b.y2) * vr);
        const w = Math.max(1, Math.round((b.x2 - b.x1) * hr));
        const h = Math.max(1, Math.round(Math.abs(b.y2 - b.y1) * vr));
        ctx.fillStyle = b.fill;
        ctx.fillRect(x, y, w, h);
        ctx.lineWidth = Math.max(1, Math.round(hr));
        ctx.strokeStyle = b.stroke;
        ctx.setLineDash(b.violated ? [4 * hr, 3 * hr] : []);
        ctx.strokeRect(x + 0.5, y + 0.5, w, h);
      }
      ctx.setLineDash([]);
    });
  }
}

class BoxesView implements IPrimitivePaneView {
  boxes: Box[] = [];

  zOrder(): 'bottom' {
    return 'bottom';
  }

  renderer(): IPrimitivePaneRenderer {
    return new BoxesRenderer(this.boxes);
  }
}

/**
 * Bases as boxes from their first to their last bar, high to low: green, red
 * or grey by type, opacity by quality, dashed once violated. Half a bar is
 * added on each side so a box covers its candles.
 */
export class BaseBoxes implements ISeriesPrimitive<Time> {
  private bases: readonly BaseDTO[] = [];
  private violated = new Set<number>();
  private chart: IChartApiBase<Time> | null = null;
  private series: ISeriesApi<'Candlestick'> | null = null;
  private requestUpdate: (() => void) | null = null;
  private readonly view = new BoxesView();
  /** @param onDrawn told how many boxes are in view at each paint (for tests and tools). */
  constructor(private readonly onDrawn: (boxes: number) => void = () => undefined) {}

  attached(p: SeriesAttachedParameter<Time>): void {
    this.chart = p.chart;
    this.series = p.series as ISeriesApi<'Candlestick'>;
    this.requestUpdate = p.requestUpdate;
  }

  detached(): void {
    this.chart = null;
    this.series = null;
    this.requestUpdate = null;
  }

  /** Replaces the bases (newest last) and the ids of violated ones. */
  setBases(bases: readonly BaseDTO[], violations: readonly BaseViolationDTO[]): void {
    this.bases = bases;
    this.violated = new Set(violations.map((v) => v.baseId));
    this.requestUpdate?.();
  }

  updateAllViews(): void {
    const chart = this.chart;
    const series = this.series;
    const boxes: Box[] = [];
    if (chart !== null && series !== null && this.bases.length > 0) {
      const ts = chart.timeScale();
      const range = ts.getVisibleRange();
      const half = ts.options().barSpacing / 2;
      if (range !== null) {
        const from = (range.from as number) * 1000;
        const to = (range.to as number) * 1000;
        for (const b of this.bases) {
          if (b.endTs < from || b.startTs > to) continue;
          const x1 = ts.timeToCoordinate(time(b.startTs));
          const x2 = ts.timeToCoordinate(time(b.endTs));
          const y1 = series.priceToCoordinate(b.high);
          const y2 = series.priceToCoordinate(b.low);
          if (x1 === null || x2 === null || y1 === null || y2 === null) continue;
          const rgb = BOX_RGB[b.type];
          const violated = this.violated.has(b.id);
          boxes.push({ x1: x1 - half, x2: x2 + half, y1, y2, fill: `rgba(${rgb}, ${boxOpacity(b.quality).toFixed(3)})`, stroke: `rgba(${rgb}, ${violated ? 0.9 : 0.6})`, violated });
        }
      }
    }
    if (boxes.length !== this.view.boxes.length) this.onDrawn(boxes.length);
    this.view.boxes = boxes;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return [this.view];
  }
}

/** A level the chart marks at the pane's edge when it lies above or below the visible prices. */
export interface EdgeLevel {
  readonly key: string;
  readonly label: string;
  /** Points, on the series' scale. */
  readonly price: number;
  readonly color: string;
}

/** Where an off-screen level is marked: the pane's top or bottom edge; null when its price is in view. */
export function edgeOf(y: number | null, paneHeightPx: number): 'top' | 'bottom' | null {
  if (y === null) return null;
  return y < 0 ? 'top' : y > paneHeightPx ? 'bottom' : null;
}

interface EdgeTag {
  readonly text: string;
  readonly color: string;
  readonly edge: 'top' | 'bottom';
}

class EdgeRenderer implements IPrimitivePaneRenderer {
  constructor(private readonly levels: readonly EdgeLevel[], private readonly yOf: (price: number) => number | null, private readonly onDrawn: (tags: string) => void) {}

  draw(target: CanvasRenderingTarget2D): void {
    target.useMediaCoordinateSpace(({ context: ctx, mediaSize }) => {
      const tags: EdgeTag[] = [];
      for (const l of this.levels) {
        const edge = edgeOf(this.yOf(l.price), mediaSize.height);
        if (edge !== null) tags.push({ text: `${edge === 'top' ? '\u25B2' : '\u25BC'} ${l.label} ${l.price.toFixed(2)}`, color: l.color, edge });
      }
      ctx.font = '11px ui-monospace, Consolas, monospace';
      ctx.textBaseline = 'middle';
      // Tags of one edge side by side from the right, clear of each other (their order: the levels').
      const right = { top: mediaSize.width - 6, bottom: mediaSize.width - 6 };
      for (const t of tags) {
        const w = ctx.measureText(t.text).width + 8;
        const x = right[t.edge] - w;
        right[t.edge] = x - 6;
        // The top row sits under the chart's own controls (Auto-scale, Latest: about 26 px at the top right).
        const y = t.edge === 'top' ? 30 : mediaSize.height - 20;
        ctx.fillStyle = 'rgba(11, 17, 23, 0.85)';
        ctx.fillRect(x, y, w, 16);
        ctx.strokeStyle = t.color;
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, w - 1, 15);
        ctx.fillStyle = t.color;
        ctx.fillText(t.text, x + 4, y + 8);
      }
      this.onDrawn(tags.map((t) => `${t.edge}:${t.text}`).join('|'));
    });
  }
}

/**
 * Gamma walls and zero gamma outside the visible prices, marked at the
 * pane's top or bottom edge with their name and price (issue 17, item 18),
 * so a wall far from the market is still seen; the levels in view are the
 * price lines themselves.
 */
export class EdgeMarkers implements ISeriesPrimitive<Time> {
  private levels: readonly EdgeLevel[] = [];
  private series: ISeriesApi<'Candlestick'> | null = null;
  private requestUpdate: (() => void) | null = null;
  /** @param onDrawn told the tags drawn at each paint ("top:▲ Call wall 4500.00|..."; for tests and tools). */
  constructor(private readonly onDrawn: (tags: string) => void = () => undefined) {}

  attached(p: SeriesAttachedParameter<Time>): void {
    this.series = p.series as ISeriesApi<'Candlestick'>;
    this.requestUpdate = p.requestUpdate;
  }

  detached(): void {
    this.series = null;
    this.requestUpdate = null;
  }

  /** Replaces the levels marked (none: an empty list). */
  setLevels(levels: readonly EdgeLevel[]): void {
    this.levels = levels;
    this.requestUpdate?.();
  }

  paneViews(): readonly IPrimitivePaneView[] {
    const series = this.series;
    const levels = this.levels;
    const onDrawn = this.onDrawn;
    return [
      {
        zOrder: () => 'top',
        renderer: () => (series === null ? null : new EdgeRenderer(levels, (p) => series.priceToCoordinate(p), onDrawn)),
      },
    ];
  }
}
