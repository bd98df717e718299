/**
 * Sierra Chart's trades with market depth as text (issue 18, item 4): the
 * file the "Write Tick Data including L2 Data" study writes, one trade a
 * line, `;`-separated, with the first N levels of the book a side as they
 * stood at the trade. The real sample is shared/data/depth/
 * ES_trades_depth40_2022-01-24.txt (40 levels, README: times are UTC).
 *
 * Header: Date;Time;Sequence;DepthSequence;Price;Volume;TradeType;AskPrice;
 * BidPrice;AskSize;BidSize;TotalAskDepth;TotalBidDepth;AskDOMPrice;
 * BidDOMPrice;AskDOM_0;BidDOM_0;...;AskDOM_{N-1};BidDOM_{N-1}.
 * - Time is `HH:MM:SS.<microseconds>` with the microseconds written by
 *   `%03d` (the study's own format string), so `.5000` is 5,000 µs and
 *   `.47000` is 47,000 µs, not 0.5 s and 0.47 s.
 * - TradeType is Sierra's time-and-sales type: 1 at the bid (a sell
 *   aggressor), 2 at the ask (a buy aggressor).
 * - Ask level i stands at AskDOMPrice + i ticks with AskDOM_i contracts; bid
 *   level i at BidDOMPrice - i ticks with BidDOM_i (the book of a contract
 *   quoted at every tick, as ES is).
 *
 * Each trade becomes a TradeTick; when the book differs from the one of the
 * trade before, the tick carries the whole book (a clear and every level),
 * so one rejected line costs no more than its own book.
 */
import type { DepthUpdate, Instrument, TradeTick } from '../domain.js';
import { MAX_LINE_CHARS, OVERLONG_LINE, readLineBlocks } from './lines.js';
import { FeedError, RecordError, type RejectionLog } from './rejections.js';
import { RecordValidator, TimeOrder, errorAt, parseDecimal, type RecordCursor } from './validate.js';

/** The columns before the book's. */
const FIXED = ['Date', 'Time', 'Sequence', 'DepthSequence', 'Price', 'Volume', 'TradeType', 'AskPrice', 'BidPrice', 'AskSize', 'BidSize', 'TotalAskDepth', 'TotalBidDepth', 'AskDOMPrice', 'BidDOMPrice'] as const;

/** Whether a first line is this format's header. */
export function isDepthTextHeader(line: string): boolean {
  return line.replace(/^\uFEFF/, '').startsWith(`${FIXED.join(';')};AskDOM_0;BidDOM_0`);
}

/**
 * The levels a side of a header carries.
 * @throws FeedError naming the file when the header is not this format's, or its levels are not AskDOM_i;BidDOM_i from 0 on.
 */
export function depthTextLevels(file: string, header: string): number {
  const cols = header.replace(/^\uFEFF/, '').split(';');
  if (!isDepthTextHeader(header)) throw new FeedError(`${file}: not Sierra Chart trades with depth (the header must start ${FIXED.join(';')};AskDOM_0;BidDOM_0)`);
  const dom = cols.slice(FIXED.length);
  const n = dom.length / 2;
  for (let i = 0; i < dom.length; i++) {
    const want = `${i % 2 === 0 ? 'Ask' : 'Bid'}DOM_${Math.floor(i / 2)}`;
    if (dom[i] !== want || !Number.isInteger(n)) throw new FeedError(`${file}: header column ${FIXED.length + i + 1} is ${JSON.stringify(dom[i] ?? '')}, expected ${want}`);
  }
  return n;
}

/**
 * Unix ms of a `Date;Time` pair in UTC, the time's fraction read as a whole
 * number of microseconds (module header); NaN when either is malformed.
 */
export function depthTextTime(date: string, time: string): number {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(time);
  if (d === null || t === null) return Number.NaN;
  const [h, m, s] = [Number(t[1]), Number(t[2]), Number(t[3])];
  if (h > 23 || m > 59 || s > 59) return Number.NaN;
  const us = t[4] === undefined ? 0 : Number(t[4]);
  return Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), h, m, s) + us / 1000;
}

/**
 * The trades of a trades-with-depth file, validated, in blocks; a bad line
 * goes to `rejections` with its number and field, and reading goes on.
 * @throws FeedError when the file cannot be read or its header is not this format's.
 */
export async function* depthTextTicks(file: string, instrument: Instrument, rejections: RejectionLog): AsyncGenerator<TradeTick[]> {
  const tick = instrument.tickSize;
  const validator = new RecordValidator(tick, false);
  const order = new TimeOrder<TradeTick>(file, 'line', false, (e) => rejections.add(e.rejection));
  const at: RecordCursor = { file, unit: 'line', n: 0 };
  let levels = -1;
  /** The book columns of the last line taken (AskDOMPrice onwards), to tell a changed book. */
  let lastBook = '';
  let blocks;
  try {
    blocks = readLineBlocks(file);
  } catch (e) {
    throw new FeedError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  for await (const block of blocks) {
    const out: TradeTick[] = [];
    for (let i = 0; i < block.lines.length; i++) {
      const line = block.lines[i] as string;
      at.n = block.firstLine + i;
      if (levels < 0) {
        levels = depthTextLevels(file, line);
        continue;
      }
      if (line.trim() === '') continue;
      try {
        if (line === OVERLONG_LINE) throw errorAt(at, 'line', 'malformed', `is longer than ${MAX_LINE_CHARS} characters: skipped`);
        const f = line.split(';');
        if (f.length !== FIXED.length + 2 * levels) throw errorAt(at, 'line', 'malformed', `has ${f.length} fields, the header ${FIXED.length + 2 * levels}`);
        const ts = depthTextTime(f[0]!, f[1]!);
        if (Number.isNaN(ts)) throw errorAt(at, 'Time', 'malformed', `${JSON.stringify(`${f[0]} ${f[1]}`)} is not a date and time (YYYY-MM-DD;HH:MM:SS.micro)`);
        const num = (k: number, name: string): number => {
          const v = parseDecimal(f[k]!);
          if (Number.isNaN(v)) throw errorAt(at, name, 'not-finite', `${JSON.stringify(f[k])} is not a number`);
          return v;
        };
        const price = num(4, 'Price');
        const size = num(5, 'Volume');
        const type = f[6]!.trim();
        const t: TradeTick = {
          kind: 'tick',
          tsEvent: ts,
          price,
          size,
          side: type === '1' ? 'sell' : type === '2' ? 'buy' : 'unknown',
          bid: num(8, 'BidPrice'),
          ask: num(7, 'AskPrice'),
        };
        validator.tick(at, t);
        const book = f.slice(13).join(';');
        let depth: DepthUpdate[] | null = null;
        if (book !== lastBook) {
          const askTop = num(13, 'AskDOMPrice');
          const bidTop = num(14, 'BidDOMPrice');
          validator.price(at, 'AskDOMPrice', askTop);
          validator.price(at, 'BidDOMPrice', bidTop);
          depth = [{ side: 'clear', price: 0, size: 0 }];
          for (let l = 0; l < levels; l++) {
            const a = num(15 + 2 * l, `AskDOM_${l}`);
            const b = num(16 + 2 * l, `BidDOM_${l}`);
            if (a < 0 || b < 0) throw errorAt(at, a < 0 ? `AskDOM_${l}` : `BidDOM_${l}`, 'negative-volume', `${Math.min(a, b)} is negative`);
            if (a > 0) depth.push({ side: 'ask', price: askTop + l * tick, size: a });
            if (b > 0) depth.push({ side: 'bid', price: bidTop - l * tick, size: b });
          }
        }
        const taken = depth === null ? t : { ...t, depth };
        order.offer(at, 'Time', taken, ts, out);
        lastBook = book;
      } catch (e) {
        if (!(e instanceof RecordError)) throw e;
        rejections.add(e.rejection);
      }
    }
    if (out.length > 0) yield out;
  }
  if (levels < 0) throw new FeedError(`${file}: empty (no header line)`);
  const last = order.end();
  if (last.length > 0) yield last;
}
