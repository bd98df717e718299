/**
 * The chart's label layout (issue 17, item 18): marker labels that would
 * overlap each other or run under the price scale keep their arrow without
 * text, and levels off the visible prices are marked at the pane's edge.
 * Positions here are hand-set pixels.
 */
import type { SeriesMarker, Time } from 'lightweight-charts';
import { describe, expect, it } from 'vitest';
import { LABEL_CHAR_PX, LABEL_GAP_PX, declutterMarkers, edgeOf, markersOf } from '../../renderer/src/chart/annotations';

const m = (id: string, t: number, position: 'aboveBar' | 'belowBar', text?: string): SeriesMarker<Time> =>
  ({ id, time: t as Time, position, shape: position === 'aboveBar' ? 'arrowDown' : 'arrowUp', color: '#fff', ...(text !== undefined ? { text } : {}) }) as SeriesMarker<Time>;

describe('marker labels', () => {
  // x = time (seconds) pixels, for the test.
  const xOf = (t: Time): number | null => (t as number) >= 0 ? (t as number) : null;

  it('keeps a label only when it clears the last kept one of its row, and ends before the price scale', () => {
    const w = 10 * LABEL_CHAR_PX; // "VWAP cont " is 10 characters: 70 px
    const markers = [
      m('a', 100, 'aboveBar', 'VWAP cont '),
      m('b', 100 + w + LABEL_GAP_PX - 1, 'aboveBar', 'VWAP cont '), // 1 px short of clearing a
      m('c', 100 + w + LABEL_GAP_PX, 'aboveBar', 'VWAP cont '), // clears a exactly
      m('d', 130, 'belowBar', 'VWAP cont '), // another row: collides with nothing
      m('e', 1000 - LABEL_GAP_PX - w / 2 + 1, 'belowBar', 'VWAP cont '), // would end under the price scale
      m('f', 300, 'belowBar'), // no text: untouched
      m('g', -5, 'aboveBar', 'off screen'), // out of view: untouched
    ];
    const { markers: out, labels } = declutterMarkers(markers, xOf, 1000);
    expect(out.map((x) => x.text ?? null)).toEqual(['VWAP cont ', null, 'VWAP cont ', 'VWAP cont ', null, null, 'off screen']);
    expect(labels.map((l) => l.id).sort()).toEqual(['a', 'c', 'd']);
    // No two kept labels of a row overlap.
    for (const a of labels) for (const b of labels) if (a !== b && a.row === b.row) expect(Math.abs(a.x - b.x)).toBeGreaterThanOrEqual((a.width + b.width) / 2 + LABEL_GAP_PX);
    // The markers themselves all stay, in their order.
    expect(out.map((x) => x.id)).toEqual(markers.map((x) => x.id));
  });

  it('fills are arrows at their price, with no text over the candles', () => {
    const fills = [{ orderId: 'o1', side: 'BUY', qty: 2, price: 4300.25, ts: 60_000, role: 'entry', slippageTicks: 0, commissionUsd: 0 }] as never;
    const bars = [{ ts: 60_000 }] as never;
    const out = markersOf([], [], fills, bars);
    expect(out).toEqual([expect.objectContaining({ id: 'fill-o1', position: 'atPriceMiddle', price: 4300.25, shape: 'arrowUp' })]);
    expect(out[0]!.text).toBeUndefined();
  });
});

describe('levels off the visible prices', () => {
  it('are marked at the top edge above the pane, the bottom edge below it, and not at all in view', () => {
    expect(edgeOf(-1, 400)).toBe('top');
    expect(edgeOf(401, 400)).toBe('bottom');
    expect(edgeOf(0, 400)).toBeNull();
    expect(edgeOf(400, 400)).toBeNull();
    expect(edgeOf(null, 400)).toBeNull();
  });
});
