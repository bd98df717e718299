/**
 * `mia`, the command-line tool for scripts and tests. Shares the kernel's
 * code paths: `backtest` runs a file through the same pipeline a replay
 * uses, `inspect` uses the same SCID reader.
 *
 *   mia backtest --data <file> [--tz <zone>] [--timeframe 1m|5m|15m|1h]
 *                [--session globex|rth] [--data-dir <dir> | --no-journal] [--json]
 *   mia inspect <file.scid> [--limit N] [--json]
 *
 * Exit codes: 0 ok, 1 the file could not be processed, 2 bad arguments.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBacktest, type BacktestResult } from '../backtest/run.js';
import { LiveClock } from '../clock.js';
import type { Timeframe } from '../domain.js';
import { orNull } from '../dto.js';
import { FeedError } from '../feeds/rejections.js';
import { readScidHeaderFile, readScidRecord, readScidRecords, scidAggressor, scidSubTrade, scidTimeToUnixMs, SCID_RECORD_BYTES } from '../feeds/scid.js';
import { APP_VERSION, defaultDataDir } from '../host/paths.js';
import { openDb } from '../store/db.js';
import { Zone } from '../time/zone.js';

const USAGE = `mia ${APP_VERSION}: MIA Workstation command line

  mia backtest --data <file> [--tz <zone>] [--timeframe 1m|5m|15m|1h]
               [--session globex|rth] [--data-dir <dir> | --no-journal] [--json]
      Runs a data file (.scid, .csv, .jsonl) through bars, VWAP and the volume
      profile; prints each session's levels at its last bar and the rejected
      record count. Journals the run in <data-dir>/journal.sqlite.

  mia inspect <file.scid> [--limit N] [--json]
      Prints a Sierra Chart intraday file's header and its records.
`;

/** A usage error: exit code 2. */
class UsageError extends Error {}

type Out = (s: string) => void;

/** Runs the CLI with `argv` (without node and script). Returns the exit code. */
export async function main(argv: string[], out: Out = (s) => process.stdout.write(s), err: Out = (s) => process.stderr.write(s)): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'backtest':
        return await backtest(rest, out);
      case 'inspect':
        return await inspect(rest, out);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
        out(`${APP_VERSION}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      err(`mia: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    err(`mia: ${e instanceof FeedError || e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

const TIMEFRAMES = ['1m', '5m', '15m', '1h'];

async function backtest(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      tz: { type: 'string' },
      timeframe: { type: 'string' },
      session: { type: 'string' },
      'data-dir': { type: 'string' },
      'no-journal': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.data === undefined) throw new UsageError('backtest needs --data <file>');
  if (values.timeframe !== undefined && !TIMEFRAMES.includes(values.timeframe)) throw new UsageError(`--timeframe must be one of ${TIMEFRAMES.join(', ')}`);
  if (values.session !== undefined && values.session !== 'globex' && values.session !== 'rth') throw new UsageError('--session must be globex or rth');
  if (values.tz !== undefined) {
    try {
      new Zone(values.tz);
    } catch {
      throw new UsageError(`--tz "${values.tz}" is not an IANA time zone (e.g. America/New_York, UTC)`);
    }
  }
  const wall = new LiveClock();
  const db = values['no-journal'] === true ? null : openDb(join(values['data-dir'] ?? defaultDataDir(), 'journal.sqlite'));
  try {
    const result = await runBacktest({
      file: values.data,
      timeZone: values.tz,
      timeframe: values.timeframe as Timeframe | undefined,
      sessionKind: values.session as 'globex' | 'rth' | undefined,
      db,
      wall,
    });
    out(values.json === true ? `${JSON.stringify(backtestJson(result))}\n` : backtestTable(result));
  } finally {
    db?.close();
  }
  return 0;
}

const ET = new Zone('America/New_York');

/** The `--json` shape: sessions with ISO times in ET, levels at each session's last bar. */
export function backtestJson(r: BacktestResult): Record<string, unknown> {
  return {
    file: r.file,
    format: r.format,
    bars: r.bars,
    records: r.records,
    sessions: r.sessions.map((s) => ({
      id: s.id,
      start: ET.formatIso(s.startTs),
      end: ET.formatIso(s.endTs),
      bars: s.bars,
      volume: s.volume,
      high: s.high,
      low: s.low,
      vwap: orNull(s.vwap),
      vwapSigma: orNull(s.vwapSigma),
      poc: orNull(s.poc),
      vah: orNull(s.vah),
      val: orNull(s.val),
    })),
    rejected: r.rejected,
    rejectedByReason: r.rejectedByReason,
    rejections: r.rejections.slice(0, 20).map((x) => x.message),
    runId: r.runId,
  };
}

function backtestTable(r: BacktestResult): string {
  const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '-');
  const rows = r.sessions.map((s) => [
    s.id,
    ET.formatIso(s.startTs).slice(0, 16).replace('T', ' '),
    ET.formatIso(s.endTs).slice(0, 16).replace('T', ' '),
    String(s.bars),
    String(Math.round(s.volume)),
    f2(s.high),
    f2(s.low),
    f2(s.vwap),
    f2(s.vwapSigma),
    f2(s.poc),
    f2(s.vah),
    f2(s.val),
  ]);
  let text = table(['session', 'start (ET)', 'end (ET)', 'bars', 'volume', 'high', 'low', 'VWAP', 'sigma', 'POC', 'VAH', 'VAL'], rows);
  text += `\n${r.bars} bars from ${r.records} ${r.format === 'scid' ? 'trades' : 'bars'} of ${r.file}; ${r.rejected} records rejected`;
  const reasons = Object.entries(r.rejectedByReason).map(([k, v]) => `${k}: ${v}`);
  if (reasons.length > 0) text += ` (${reasons.join(', ')})`;
  text += '\n';
  for (const x of r.rejections.slice(0, 10)) text += `  ${x.message}\n`;
  if (r.runId !== null) text += `journal run ${r.runId}\n`;
  return text;
}

async function inspect(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, limit: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (file === undefined) throw new UsageError('inspect needs a .scid file');
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
  if (!(limit >= 0)) throw new UsageError('--limit must be a number >= 0');
  const json = values.json === true;
  const header = await readScidHeaderFile(file);
  let shown = 0;
  let torn: string | null = null;
  const lines: string[] = [];
  const rows: string[][] = [];
  for await (const block of readScidRecords(file, (n, bytes) => (torn = `record ${n} is torn (${bytes} of ${SCID_RECORD_BYTES} bytes) and was skipped`))) {
    for (let i = 0; i < block.count && shown < limit; i++, shown++) {
      const r = readScidRecord(block.buf, i * SCID_RECORD_BYTES);
      const rec = {
        ts: scidTimeToUnixMs(r.dateTimeUs),
        price: r.close,
        size: r.totalVolume,
        side: scidAggressor(r),
        bid: r.low,
        ask: r.high,
      };
      if (json) lines.push(JSON.stringify(rec));
      else {
        const sub = scidSubTrade(r.open);
        rows.push([String(block.firstRecord + i), new Date(Math.floor(rec.ts)).toISOString(), String(rec.ts), String(rec.price), String(rec.size), rec.side, String(rec.bid), String(rec.ask), sub ?? '']);
      }
    }
    if (shown >= limit) break;
  }
  if (json) {
    out(`{"header":${JSON.stringify(header)},"records":[${lines.join(',')}]${torn === null ? '' : `,"warning":${JSON.stringify(torn)}`}}\n`);
  } else {
    out(`SCID header: size ${header.headerSize}, record size ${header.recordSize}, version ${header.version}, UTC start index ${header.utcStartIndex}\n`);
    out(table(['#', 'time (UTC)', 'ts (Unix ms)', 'price', 'size', 'side', 'bid', 'ask', 'sub-trade'], rows));
    out(`${shown} records${torn === null ? '' : `; ${torn}`}\n`);
  }
  return 0;
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
