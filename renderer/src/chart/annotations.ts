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
    out.push({
      id: `fill-${f.orderId}`,
      time: time(barTs),
      position: 'atPriceMiddle',
      price: f.price,
      shape: 'circle',
      color: f.role === 'entry' ? FILL_COLORS.entry : f.role === 'target' ? FILL_COLORS.target : FILL_COLORS.exit,
      text: `${buy ? 'B' : 'S'} ${f.qty} @ ${f.price.toFixed(2)}`,
      size: 0.8,
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

/** Fill markers: entries blue, targets green, stops and closes orange. */
export const FILL_COLORS = { entry: '#4aa3ff', target: '#26a69a', exit: '#ff9800' } as const;

/** Working-order price lines by role. */
export const ORDER_COLORS: Record<OrderDTO['role'], string> = { entry: '#4aa3ff', stop: '#ef5350', target: '#26a69a', close: '#ff9800' };

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
