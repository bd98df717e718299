/**
 * `mia`, the command-line tool for scripts and tests. Shares the kernel's
 * code paths: `backtest` runs a file through the same pipeline and method a
 * replay uses, `gex` the same chain reader, `inspect` the same SCID reader.
 *
 *   mia backtest --data <file> [--chain <file> | --chains <dir>] [--chain-max-age <days>] [--nq <file>] [--basis <points>] [--mode M]
 *                [--bars-out <file.jsonl>] [--tz <zone>] [--timeframe 1m|5m|15m|1h]
 *                [--session globex|rth] [--data-dir <dir> | --no-journal] [--json]
 *   mia sweep --data <file | folder | glob>... --spec <sweep.json> [--settings <file.json>] [--tz <zone>] [--timeframe T] [--mode M]
            [--workers N] [--sort metric] [--top N] [--json]
      Backtests every configuration of a sweep of the settings' numeric fields
      ({"parameters": {"risk.maxRiskPerTradeUsd": [100, 200], "method.modes.PAPER.minConfidence":
      {"from": 0.6, "to": 0.8, "step": 0.05}}, "search": "grid" | {"random": 20, "seed": 1}}) over
      --settings (or the defaults), on N worker threads (one per core by default), and prints them
      sorted by --sort (netPnlUsd, profitFactor, sharpe, sharpeAnnual, sortinoAnnual, calmar, winRate,
      maxDrawdownUsd, trades) with the best one's deflated Sharpe ratio and the sweep's probability of
      backtest overfitting. Ctrl+C cancels the rest and prints those done.

  mia walkforward --data ... --spec <sweep.json> --in <sessions> --out <sessions> [--step <sessions>] [as sweep]
      Walk-forward optimisation: the sweep on each in-sample window, its best configuration (by --sort)
      on the out-of-sample sessions after it, rolled by --step (default --out); prints the windows, the
      stitched out-of-sample P&L, the walk-forward efficiency and each parameter's chosen values.

  mia gex --chain <file> [--basis <points>] [--json]
 *   mia inspect <file.scid> [--limit N] [--json]
 *   mia sessions [--data-dir <dir>] [--json]
 *   mia backup [--to <dir>] [--keep N] [--data-dir <dir>] [--json]
 *   mia settings get [<field>] [--data-dir <dir>] [--json]
  mia settings set <field> <value> --reason <why> [--data-dir <dir>]
  mia settings export <file.json> [--data-dir <dir>]
  mia settings import <file.json> --reason <why> [--data-dir <dir>]
      The trader's settings (risk limits, sizing, the simulated venue's
      costs), as the app's Settings view has them: a field is a dotted path
      (risk.maxRiskPerTradeUsd, sizing.kelly, paper.slippageTicks). Every
      change is checked (a bad value names its field; loosening a risk limit
      is refused while the kill switch is not ACTIVE) and journaled with who,
      when, old and new values and the reason. Close MIA Workstation first.

  mia restore <archive.zip> [--data-dir <dir>] [--json]
 *
 * `sessions`, `backup` and `restore` call the kernel's own EngineApi methods,
 * the ones behind the Sessions view and the Backup and Restore buttons.
 *
 * Exit codes: 0 ok, 1 the file could not be processed, 2 bad arguments.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { backtestReportHtml } from '../research/report.js';
import { runBacktest, type BacktestResult } from '../run/drivers/backtest.js';
import { LiveClock } from '../clock.js';
import type { Timeframe } from '../domain.js';
import { orNull } from '../dto.js';
import { FeedError } from '../feeds/rejections.js';
import { readScidHeaderFile, readScidRecord, readScidRecords, scidAggressor, scidSubTrade, scidTimeToUnixMs, SCID_RECORD_BYTES } from '../feeds/scid.js';
import { ChainError, readChain, readChains } from '../gamma/chain.js';
import { GAMMA_ASSUMPTIONS, gammaLevels, type GammaLevels } from '../gamma/gex.js';
import { GAMMA_MAX_AGE_TRADING_DAYS, chainAge } from '../gamma/age.js';
import { APP_VERSION, defaultDataDir, defaultMarketDataDir } from '../host/paths.js';
import { createKernel, type Kernel } from '../kernel.js';
import type { Decision } from '../method/decision.js';
import { MODES, methodConfig, type MethodConfig, type Mode } from '../method/config.js';
import { isoTime } from '../feeds/validate.js';
import type { PerformanceMetrics } from '../perf/metrics.js';
import { monteCarlo, type MonteCarloResult } from '../perf/montecarlo.js';
import { DEFAULT_RISK_CONFIG } from '../risk/sizing.js';
import { SettingsError, managementOf, methodOf, parseTraderSettings, riskOf, settingChanges, type TraderSettings } from '../settings.js';
import { openDb } from '../store/db.js';
import { ResearchUsageError, sweepCommand, walkForwardCommand } from './research.js';
import { Zone } from '../time/zone.js';

const USAGE = `mia ${APP_VERSION}: MIA Workstation command line

  mia backtest --data <file | folder | glob>... [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--adjusted] [--chain <file> | --chains <dir>] [--chain-max-age <days>]
               [--nq <file>] [--basis <points>] [--mode M] [--settings <file.json>] [--bars-out <file.jsonl>] [--tz <zone>] [--timeframe 1m|5m|15m|1h]
               [--session globex|rth] [--data-dir <dir> | --no-journal] [--json]
               [--report <file.html>] [--monte-carlo <runs> [--block <trades>] [--seed <n>]]
      Runs a data file (.scid, .csv, .jsonl, Sierra Chart's trades with depth
      .txt), or contract files as one front-month series (a folder, a glob such
      as 'dir/ES*.txt', or --data repeated: in time order; at each change of
      contract the method restarts, a position is closed at the old contract's
      last price, and the change is journaled; --adjusted makes it one
      back-adjusted continuous series instead, for studies), from --from to
      --to (New York dates, inclusive), through bars, VWAP, the volume
      profile, the Battle Navale method, the risk check and the simulated
      venue (AUTO execution); prints each session's levels at its last bar,
      the signals by setup, side and grade, the trades and their metrics, and
      the rejected record count. --report writes a self-contained HTML report
      with the equity curve and the trades table. --chain loads SPX gamma levels (CBOE quote-table CSV) moved onto
      ES by --basis (ES - SPX, points; default 0); --chains loads a folder of them, each in force from its snapshot
      time on (bars on a chain over --chain-max-age trading days old, default 3, and bars before their chain's
      time are counted). --nq reads an NQ bar file over the same times
      for the ES/NQ correlation feature (neutral without it). --settings runs with a settings file's risk
      limits, sizing and costs (mia settings export). --mode is DATA_COLLECTION,
      PAPER (default) or LIVE. --bars-out writes one JSON line per decision
      bar. Prints Sharpe and Sortino annualised from daily returns, Calmar,
      and the results by setup, year, session phase and month.
      --monte-carlo draws the closed trades again that many times (the
      bootstrap, or blocks of --block trades; --seed fixes the draws) and
      prints the 5th/50th/95th percentiles of final equity, max drawdown and
      the longest losing streak, and how often a day reaches the daily loss
      limit. Journals the run and its signals in <data-dir>/journal.sqlite.

  mia gex --chain <file> [--basis <points>] [--json]
      Gamma levels of an SPX option chain: net GEX and the GEX profile (USD per
      1% move), call wall, put wall and zero gamma (SPX points, plus ES points
      with --basis).

  mia inspect <file.scid> [--limit N] [--json]
      Prints a Sierra Chart intraday file's header and its records.

  mia sessions [--data-dir <dir>] [--json]
      Lists the recorded sessions of the journal, newest first: date, run,
      source, mode, bars, signals, trades and net P&L (USD).

  mia backup [--to <dir>] [--keep N] [--data-dir <dir>] [--json]
      Writes a backup archive (SQLite online backup of the journal, settings,
      models, the data-files index) into <data-dir>/backups or --to <dir>
      (which must exist), keeping the newest N (default: the app's setting, 7).

  mia restore <archive.zip> [--data-dir <dir>] [--json]
      Checks the archive (ZIP integrity, checksums, schema version,
      integrity_check) and only then replaces the journal, keeping the old one
      in the backup folder; the kill switch comes back HALTED. Close MIA
      Workstation first (its own Restore button does the same in place).
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
        return await backtest(rest, out, err);
      case 'inspect':
        return await inspect(rest, out);
      case 'gex':
        return await gex(rest, out, err);
      case 'sessions':
        return await sessions(rest, out);
      case 'backup':
        return await backup(rest, out);
      case 'restore':
        return await restore(rest, out);
      case 'settings':
        return await settings(rest, out);
      case 'sweep':
        return await sweepCommand(rest, out, err);
      case 'walkforward':
        return await walkForwardCommand(rest, out, err);
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
    if (e instanceof UsageError || e instanceof ResearchUsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      err(`mia: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    err(`mia: ${e instanceof FeedError || e instanceof ChainError || e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

const TIMEFRAMES = ['1m', '5m', '15m', '1h'];

async function backtest(argv: string[], out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      adjusted: { type: 'boolean' },
      tz: { type: 'string' },
      timeframe: { type: 'string' },
      session: { type: 'string' },
      'data-dir': { type: 'string' },
      'no-journal': { type: 'boolean' },
      json: { type: 'boolean' },
      chain: { type: 'string' },
      chains: { type: 'string' },
      nq: { type: 'string' },
      'chain-max-age': { type: 'string' },
      settings: { type: 'string' },
      basis: { type: 'string' },
      mode: { type: 'string' },
      'bars-out': { type: 'string' },
      report: { type: 'string' },
      'monte-carlo': { type: 'string' },
      block: { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const whole = (name: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number, ${min} or more`);
    return n;
  };
  const mcRuns = whole('monte-carlo', values['monte-carlo'], 1);
  const mcBlock = whole('block', values.block, 1);
  const mcSeed = whole('seed', values.seed, 0);
  if (values.data === undefined || values.data.length === 0) throw new UsageError('backtest needs --data <file | folder | glob> (repeat it for several files)');
  // A date range in New York trade dates: from the first's midnight to the end of the last.
  const day = (name: string, v: string | undefined, next: boolean): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new UsageError(`--${name} must be a date, YYYY-MM-DD`);
    const [y, m, d] = v.split('-').map(Number) as [number, number, number];
    return ET.toUtcMs({ year: y, month: m, day: d + (next ? 1 : 0), hour: 0, minute: 0, second: 0, ms: 0 });
  };
  const fromTs = day('from', values.from, false);
  const toTs = day('to', values.to, true);
  if (fromTs !== undefined && toTs !== undefined && toTs <= fromTs) throw new UsageError('--to must not be before --from');
  const dataName = values.data.join(' + ');
  if (values.report !== undefined && !/\.html?$/i.test(values.report)) throw new UsageError('--report must name an .html file');
  if (values.mode !== undefined && !(MODES as readonly string[]).includes(values.mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}`);
  const basisPoints = parseBasis(values.basis);
  if (values.chain !== undefined && values.chains !== undefined) throw new UsageError('--chain and --chains: give one chain or a folder of them, not both');
  const chain = values.chain === undefined ? null : gammaLevels(await readChain(values.chain));
  const chains = values.chains === undefined ? null : await readChains(values.chains);
  for (const r of chains?.refused ?? []) err(`mia: chain refused: ${r}\n`);
  const schedule = (chains?.chains ?? []).map((c) => ({ levels: gammaLevels(c), basisPoints }));
  if (values.timeframe !== undefined && !TIMEFRAMES.includes(values.timeframe)) throw new UsageError(`--timeframe must be one of ${TIMEFRAMES.join(', ')}`);
  if (values.session !== undefined && values.session !== 'globex' && values.session !== 'rth') throw new UsageError('--session must be globex or rth');
  if (values.tz !== undefined) {
    try {
      new Zone(values.tz);
    } catch {
      throw new UsageError(`--tz "${values.tz}" is not an IANA time zone (e.g. America/New_York, UTC)`);
    }
  }
  // A chain in force older than this many trading days (its New York date to the bar's), or taken after the bar, is said (issue 17).
  const staleDays = values['chain-max-age'] === undefined ? GAMMA_MAX_AGE_TRADING_DAYS : Number(values['chain-max-age']);
  if (!Number.isInteger(staleDays) || staleDays < 0) throw new UsageError('--chain-max-age must be a whole number of trading days (0 or more)');
  let staleBars = 0;
  let aheadBars = 0;
  // A settings file (mia settings export, or the app's): its risk limits, sizing and the simulated venue's costs (issue 18).
  let traderSettings: TraderSettings | null = null;
  if (values.settings !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(await readFile(values.settings, 'utf8')) as unknown;
    } catch (e) {
      throw new Error(`${values.settings}: not a settings file (${(e as Error).message})`);
    }
    try {
      traderSettings = parseTraderSettings(doc, values.settings);
    } catch (e) {
      if (e instanceof SettingsError) throw new Error(e.message);
      throw e;
    }
  }
  const wall = new LiveClock();
  const db = values['no-journal'] === true ? null : openDb(join(values['data-dir'] ?? defaultDataDir(), 'journal.sqlite'));
  const barsOut = values['bars-out'] === undefined ? null : new LineWriter(values['bars-out']);
  try {
    const result = await runBacktest({
      file: values.data.length === 1 ? values.data[0]! : values.data,
      ...(fromTs === undefined ? {} : { fromTs }),
      ...(toTs === undefined ? {} : { toTs }),
      ...(values.adjusted === true ? { adjusted: true } : {}),
      timeZone: values.tz,
      timeframe: values.timeframe as Timeframe | undefined,
      sessionKind: values.session as 'globex' | 'rth' | undefined,
      db,
      wall,
      method: ((m: MethodConfig) => (traderSettings === null ? m : methodOf(traderSettings, m)))(methodConfig({ mode: (values.mode as Mode | undefined) ?? 'PAPER' })),
      gamma: chain === null ? null : { levels: chain, basisPoints },
      gammaSchedule: schedule,
      nqFile: values.nq,
      ...(traderSettings === null ? {} : { risk: riskOf(traderSettings), simulated: traderSettings.paper, management: managementOf(traderSettings) }),
      onDecision: (d) => {
        const age = d.gamma === null ? 'fresh' : chainAge(d.gamma.chainTs, d.bar.ts, staleDays);
        if (age === 'stale') staleBars += 1;
        else if (age === 'ahead') aheadBars += 1;
        barsOut?.write(decisionLine(d));
      },
    });
    barsOut?.close();

    // Monte Carlo of the closed trades (issue 19), with the run's daily loss limit.
    const closed = result.execution.trades.filter((t) => t.pnlUsd !== null && t.exitTs !== null);
    const mc =
      mcRuns === undefined || closed.length === 0
        ? null
        : monteCarlo(
            closed.map((t) => ({ pnlUsd: t.pnlUsd!, day: ET.formatIso(t.entryTs ?? t.exitTs!).slice(0, 10) })),
            { runs: mcRuns, seed: mcSeed ?? 1, blockSize: Math.min(mcBlock ?? 1, closed.length), startingEquityUsd: result.execution.startingEquityUsd, dailyLossLimitUsd: (traderSettings === null ? DEFAULT_RISK_CONFIG : riskOf(traderSettings)).dailyLossLimitUsd },
          );
    if (values.report !== undefined) await writeFile(values.report, backtestReportHtml(result, wall.now(), mc));
    out(values.json === true ? `${JSON.stringify({ ...backtestJson(result), ...(mc === null ? {} : { monteCarlo: mc }) })}\n` : backtestTable(result) + (mc === null ? '' : monteCarloLine(mc)));
    if (schedule.length > 0) err(`mia: gamma: ${schedule.length} chain(s) applied at their snapshot times\n`);
    if (staleBars > 0) err(`mia: gamma: ${staleBars} bar(s) traded on a chain more than ${staleDays} trading days old\n`);
    if (aheadBars > 0) err(`mia: gamma: ${aheadBars} bar(s) traded on a chain taken after them (look-ahead: --chain is one snapshot; --chains applies each from its time)\n`);
    if (values.report !== undefined && values.json !== true) out(`report written to ${values.report}\n`);
    // A header-only file, or one whose every record was rejected, is not a backtest: say so and fail (issue 16).
    if (result.records === 0) {
      err(`mia: ${dataName}: no record to backtest${result.rejected > 0 ? ` (${result.rejected} rejected; the first: ${result.rejections[0]?.message ?? ''})` : ' (no data after the header)'}\n`);
      return 1;
    }
  } finally {
    barsOut?.close();
    db?.close();
  }
  return 0;
}

function parseBasis(text: string | undefined): number {
  if (text === undefined) return 0;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--basis must be a number of points (ES - SPX), got "${text}"`);
  return v;
}

/** Buffered synchronous writer of text lines (the decision callback is synchronous). */
class LineWriter {
  private readonly fd: number;
  private buf: string[] = [];
  private size = 0;
  private closed = false;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
    if (this.size >= 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, `${this.buf.join('\n')}\n`);
    this.buf = [];
    this.size = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }
}

/** JSON.stringify with non-finite numbers as null. */
function jsonLine(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));
}

/**
 * One `--bars-out` line (issue 3): the bar, its levels, the battle analysis,
 * regime, confluence and grade, and the signal (null or section 10's TradingSignal).
 */
export function decisionLine(d: Decision): string {
  const b = d.bar;
  const l = d.levels;
  const g = d.bases.governing;
  return jsonLine({
    ts: b.ts,
    o: b.open,
    h: b.high,
    l: b.low,
    c: b.close,
    v: b.volume,
    vwap: l?.vwap ?? null,
    poc: l?.poc ?? null,
    vah: l?.vah ?? null,
    val: l?.val ?? null,
    battle: {
      b: d.balance.balance,
      tc: d.tc,
      q: d.signal.baseQuality,
      s: d.signal.s,
      status: d.signal.status,
      goldenRuleViolated: d.bases.violated,
      governingBase: g === null ? null : { id: g.id, type: g.type, high: g.high, low: g.low, quality: g.quality, rating: g.rating, startTs: g.startTs, endTs: g.endTs, confirmedTs: g.confirmedTs },
    },
    regime: d.regime.regime,
    // The gamma levels in force at this bar, on ES, and when their chain was taken (issue 17).
    gamma: d.gamma === null ? null : { callWall: d.gamma.callWall, putWall: d.gamma.putWall, zeroGamma: d.gamma.zeroGamma, netGex: d.gamma.netGex, chainTs: d.gamma.chainTs },
    confluence: d.confluence.score,
    grade: d.confluence.grade,
    signal: d.tradingSignal,
  });
}

async function gex(argv: string[], out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { chain: { type: 'string' }, basis: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  if (values.chain === undefined) throw new UsageError('gex needs --chain <file>');
  const basis = parseBasis(values.basis);
  const chain = await readChain(values.chain);
  for (const r of chain.rejected) err(`mia: rejected: ${r}\n`);
  const g = gammaLevels(chain);
  out(values.json === true ? `${JSON.stringify(gexJson(g, values.basis === undefined ? null : basis))}\n` : gexTable(g, basis));
  return 0;
}

/** The `gex --json` shape: SPX points, USD per 1% move; `es` levels when a basis is given. */
export function gexJson(g: GammaLevels, basis: number | null): Record<string, unknown> {
  return {
    spot: g.spot,
    netGex: g.netGex,
    callWall: g.callWall,
    putWall: g.putWall,
    zeroGamma: g.zeroGamma,
    profile: g.profile.map((p) => ({ spot: p.spot, gex: p.gex })),
    date: g.date,
    snapshot: isoTime(g.ts),
    source: g.source,
    callVolume: g.callVolume,
    putVolume: g.putVolume,
    ...(basis === null ? {} : { basis, es: { callWall: g.callWall + basis, putWall: g.putWall + basis, zeroGamma: g.zeroGamma === null ? null : g.zeroGamma + basis } }),
    assumptions: GAMMA_ASSUMPTIONS,
  };
}

function gexTable(g: GammaLevels, basis: number): string {
  const bn = (x: number): string => `${(x / 1e9).toFixed(2)} bn`;
  const es = (x: number | null): string => (x === null ? '-' : basis === 0 ? x.toFixed(2) : `${x.toFixed(2)} (ES ${(x + basis).toFixed(2)})`);
  let text = `${g.source}: SPX ${g.spot} on ${g.date} (snapshot ${isoTime(g.ts)})\n`;
  text += `net GEX     ${bn(g.netGex)} USD per 1% move\n`;
  text += `call wall   ${es(g.callWall)}\nput wall    ${es(g.putWall)}\nzero gamma  ${es(g.zeroGamma)}\n\n`;
  text += table(['spot', 'GEX (USD bn per 1%)'], g.profile.map((p) => [p.spot.toFixed(2), (p.gex / 1e9).toFixed(3)]));
  text += `\nAssumptions:\n${GAMMA_ASSUMPTIONS.map((a) => `  - ${a}`).join('\n')}\n`;
  return text;
}

const ET = new Zone('America/New_York');

/** The `--json` shape: sessions with ISO times in ET, levels at each session's last bar. */
export function backtestJson(r: BacktestResult): Record<string, unknown> {
  return {
    file: r.file,
    format: r.format,
    contracts: r.contracts.map((c) => ({ contract: c.contract, file: c.file, from: Number.isFinite(c.fromTs) ? ET.formatIso(c.fromTs) : null })),
    overlapDropped: r.overlapDropped,
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
    research: { ...r.research, dailyPnlUsd: undefined },
    runId: r.runId,
    signals: r.signals,
    execution: {
      ...r.execution,
      trades: r.execution.trades.map((t) => ({ ...t, entryTs: t.entryTs === null ? null : ET.formatIso(t.entryTs), exitTs: t.exitTs === null ? null : ET.formatIso(t.exitTs) })),
      equityCurve: r.execution.equityCurve.map(([ts, eq]) => [ET.formatIso(ts), eq]),
      killSwitchEvents: r.execution.killSwitchEvents.map((k) => ({ ...k, ts: ET.formatIso(k.ts) })),
    },
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
  const by = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ') || '-';
  text += `${r.signals.total} signals; by setup: ${by(r.signals.bySetup)}; by side: ${by(r.signals.bySide)}; by grade: ${by(r.signals.byGrade)}\n`;
  const e = r.execution;
  const m = e.metrics;
  if (e.trades.length > 0) {
    text += `\n${table(
      ['trade', 'side', 'setup', 'qty', 'entry (ET)', 'entry', 'stop', 'target', 'exit', 'reason', 'ticks', 'P&L USD', 'MAE', 'MFE'],
      e.trades.map((t) => [t.id, t.side, t.setup, String(t.qty), t.entryTs === null ? '-' : ET.formatIso(t.entryTs).slice(0, 16).replace('T', ' '), f2(t.entryPrice ?? Number.NaN), f2(t.stop), f2(t.target), f2(t.exitPrice ?? Number.NaN), t.exitReason ?? 'open', String(t.pnlTicks ?? '-'), f2(t.pnlUsd ?? Number.NaN), String(t.maeTicks), String(t.mfeTicks)]),
    )}`;
  }
  const ratio = (x: number | null): string => (x === null ? '-' : x.toFixed(2));
  text += `\n${m.trades} trades, ${m.wins} won (${m.winRate === null ? '-' : (100 * m.winRate).toFixed(1)}%); net ${f2(m.netPnlUsd)} USD; profit factor ${ratio(m.profitFactor)}; expectancy ${m.expectancyUsd === null ? '-' : f2(m.expectancyUsd)} USD; Sharpe ${ratio(m.sharpe)}, Sortino ${ratio(m.sortino)} per trade; max drawdown ${f2(e.maxDrawdownUsd)} USD marked, ${f2(m.maxDrawdownUsd)} closed\n`;
  text += `refused by risk: ${by(e.refused)}; ${e.orders} orders, sha256 ${e.ordersHash.slice(0, 16)}\n`;
  const a = r.research.annual;
  text += `over ${a.tradingDays} trading days: Sharpe ${ratio(a.sharpeAnnual)}, Sortino ${ratio(a.sortinoAnnual)} annualised from daily returns; ${f2(a.annualisedPnlUsd)} USD a year; Calmar ${ratio(a.calmar)}\n`;
  const groups = (title: string, g: Record<string, PerformanceMetrics>): string =>
    Object.keys(g).length === 0 ? '' : `\n${table([title, 'trades', 'won', 'net USD', 'profit factor'], Object.entries(g).map(([k, v]) => [k, String(v.trades), String(v.wins), f2(v.netPnlUsd), ratio(v.profitFactor)]))}`;
  text += groups('setup', r.research.bySetup) + groups('year', r.research.byYear) + groups('phase', r.research.byPhase);
  if (r.research.monthly.length > 0) {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    text += `\n${table(['year', ...months, 'total'], r.research.monthly.map((row) => [String(row.year), ...row.months.map((x) => (x === null ? '' : x.toFixed(0))), f2(row.totalUsd)]))}`;
  }
  if (r.runId !== null) text += `journal run ${r.runId}\n`;
  return text;
}

/** The Monte Carlo of a backtest's closed trades (mia backtest --monte-carlo), as a line. */
function monteCarloLine(mc: MonteCarloResult): string {
  const p = (x: { p5: number; p50: number; p95: number }, d = 2): string => `${x.p5.toFixed(d)} / ${x.p50.toFixed(d)} / ${x.p95.toFixed(d)}`;
  return `Monte Carlo (${mc.runs} runs, ${mc.method}${mc.blockSize > 1 ? ` of ${mc.blockSize}` : ''}, 5th / 50th / 95th percentiles): final equity ${p(mc.finalEquityUsd)} USD; max drawdown ${p(mc.maxDrawdownUsd)} USD; longest losing streak ${p(mc.longestLosingStreak, 0)} trades; a day at the daily loss limit ${(100 * mc.dailyLossLimitHitProbability).toFixed(2)}% of ${mc.daysSimulated} days\n`;
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
        rows.push([String(block.firstRecord + i), isoTime(Math.floor(rec.ts)), String(rec.ts), String(rec.price), String(rec.size), rec.side, String(rec.bid), String(rec.ask), sub ?? '']);
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

/** A kernel on the data folder's journal, for the commands that share the UI's implementation. */
function kernelFor(dataDir: string | undefined, backupDir?: string): Kernel {
  const dir = dataDir ?? defaultDataDir();
  return createKernel({ dataDir: dir, marketDataDir: defaultMarketDataDir(dir), version: APP_VERSION, backupDir }, new LiveClock());
}

async function sessions(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const kernel = kernelFor(values['data-dir']);
  try {
    const list = await kernel.api.listSessions();
    if (values.json === true) {
      out(`${JSON.stringify(list)}\n`);
      return 0;
    }
    out(
      table(
        ['session', 'run', 'kind', 'source', 'mode', 'bars', 'signals', 'trades', 'net USD', 'alerts'],
        list.map((s) => [s.sessionId, String(s.runId), s.runKind, basename(s.source), s.mode ?? '-', String(s.bars), String(s.signals), String(s.trades), s.netPnlUsd.toFixed(2), String(s.alerts)]),
      ),
    );
    return 0;
  } finally {
    await kernel.close();
  }
}

async function backup(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { to: { type: 'string' }, keep: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const keep = values.keep === undefined ? undefined : Number(values.keep);
  if (keep !== undefined && (!Number.isSafeInteger(keep) || keep < 1 || keep > 100)) throw new UsageError(`--keep must be a whole number from 1 to 100, got "${values.keep}"`);
  const kernel = kernelFor(values['data-dir'], values.to);
  try {
    if (keep !== undefined) await kernel.api.setBackupSettings({ keep });
    const res = await kernel.api.backup();
    if (values.json === true) out(`${JSON.stringify(res)}\n`);
    else {
      out(`backup written to ${res.archive.path}\n${(res.archive.bytes / 1024).toFixed(0)} KiB in ${res.ms} ms; ${Object.values(res.rows).reduce((a, b) => a + b, 0)} rows\n`);
      for (const d of res.deleted) out(`deleted (retention): ${d}\n`);
    }
    return 0;
  } finally {
    await kernel.close();
  }
}

/** `mia settings get|set|export|import` through the engine's own Settings calls (its checks and journal). */
async function settings(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const [verb, a, b] = positionals;
  const need = (n: number, usage: string): void => {
    if (positionals.length !== n) throw new UsageError(`settings ${verb ?? ''}: ${usage}`);
  };
  const reason = (): string => {
    if (values.reason === undefined || values.reason.trim() === '') throw new UsageError(`settings ${verb ?? ''} needs --reason "<why>" (every change is journaled with it)`);
    return values.reason;
  };
  if (verb === 'get') {
    if (positionals.length > 2) throw new UsageError('settings get [<field>]');
  } else if (verb === 'set') need(3, 'set <field> <value> --reason <why>');
  else if (verb === 'export') need(2, 'export <file.json>');
  else if (verb === 'import') need(2, 'import <file.json> --reason <why>');
  else throw new UsageError('settings needs get, set, export or import');
  const why = verb === 'set' || verb === 'import' ? reason() : '';
  let doc: unknown = null;
  if (verb === 'import') {
    try {
      doc = JSON.parse(await readFile(a as string, 'utf8')) as unknown;
    } catch (e) {
      throw new Error(`${a}: not a settings file (${(e as Error).message})`);
    }
  }
  const kernel = kernelFor(values['data-dir']);
  try {
    const now = await kernel.api.getSettings();
    if (verb === 'get') {
      const v = a === undefined ? now.settings : fieldOf(now.settings, a);
      out(values.json === true || typeof v === 'object' ? `${JSON.stringify(v, null, values.json === true ? undefined : 2)}\n` : `${String(v)}\n`);
      return 0;
    }
    if (verb === 'export') {
      await writeFile(a as string, `${JSON.stringify(now.settings, null, 2)}\n`);
      out(`settings written to ${a}${now.saved ? '' : ' (the defaults: none saved yet)'}\n`);
      return 0;
    }
    const next = verb === 'import' ? doc : withField(now.settings, a as string, b as string);
    const res = await kernel.api.setSettings({ settings: next as never, reason: why, who: verb === 'import' ? 'import' : 'cli' });
    const changed = settingChanges(now.settings, res.settings);
    out(changed.length === 0 ? 'no change\n' : changed.map((c) => `${c.field}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}\n`).join(''));
    if (res.dailyLossLimitInForceUsd !== null) out(`the raised daily loss limit takes effect at the next session; ${res.dailyLossLimitInForceUsd} USD until then\n`);
    return 0;
  } finally {
    await kernel.close();
  }
}

/** A settings field by dotted path. @throws UsageError for a field the settings do not have. */
function fieldOf(s: object, path: string): unknown {
  let v: unknown = s;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null || !(k in v)) throw new UsageError(`no settings field "${path}" (fields: ${settingsFields(s).join(', ')})`);
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * The settings with one field (a dotted path of any depth) set from its
 * text: true/false, null (a rule off), a number, or else the text itself (a
 * time "15:55", a grade "STRONG"); the engine's schema checks the rest and
 * names the field.
 */
function withField(s: object, path: string, text: string): unknown {
  const old = fieldOf(s, path);
  if (typeof old === 'object' && old !== null) throw new UsageError(`"${path}" is a group; set one of its fields (${settingsFields(old).map((f) => `${path}.${f}`).join(', ')})`);
  const number = text.trim() === '' ? Number.NaN : Number(text);
  const value = text === 'true' ? true : text === 'false' ? false : text === 'null' ? null : Number.isFinite(number) && typeof old !== 'string' ? number : text;
  if (typeof old === 'number' && typeof value === 'string') throw new UsageError(`${path}: "${text}" is not a number`);
  const copy = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop() as string;
  const holder = keys.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, copy);
  holder[last] = value;
  return copy;
}

function settingsFields(s: object, prefix = ''): string[] {
  return Object.entries(s).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? settingsFields(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

async function restore(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const archive = positionals[0];
  if (archive === undefined || positionals.length > 1) throw new UsageError('restore needs exactly one archive: mia restore <archive.zip>');
  const kernel = kernelFor(values['data-dir']);
  try {
    const res = await kernel.api.restore(archive);
    if (values.json === true) out(`${JSON.stringify(res)}\n`);
    else out(`restored ${archive} (schema ${res.schemaVersion}) in ${res.ms} ms\nthe replaced journal is kept at ${res.replacedKeptAt ?? '(there was none)'}\nthe kill switch is HALTED: reset it in the app once you have checked the journal\n`);
    return 0;
  } finally {
    await kernel.close();
  }
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
