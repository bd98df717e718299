/** `mia backtest`, `mia gex` and `mia inspect`: output shapes and exit codes. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../engine/cli/mia';
import { REAL_CSV, REAL_SCID, SHARED_DATA } from '../support/paths';

const CHAIN_2022 = resolve(SHARED_DATA, 'options/spx_quotedata_2022-02-05.csv');
const CHAIN_2023 = resolve(SHARED_DATA, 'options/spx_quotedata_2023-08-20.csv');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('mia backtest --json', () => {
  it('prints the sessions with ISO times in ET and the levels at each last bar', async () => {
    const { code, out } = await run(['backtest', '--data', REAL_CSV, '--no-journal', '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { sessions: Record<string, unknown>[]; rejected: number };
    expect(j.rejected).toBe(0);
    expect(j.sessions).toHaveLength(11);
    expect(j.sessions[0]).toMatchObject({ start: '2023-09-24T18:00:00-04:00', end: '2023-09-25T17:00:00-04:00', bars: 1379, volume: 1498494, high: 4383.5, low: 4338.25, poc: 4370, vah: 4375, val: 4353 });
    expect(Object.keys(j.sessions[0] ?? {})).toEqual(expect.arrayContaining(['start', 'end', 'bars', 'volume', 'high', 'low', 'vwap', 'vwapSigma', 'poc', 'vah', 'val']));
  });

  it('gains the trades and their metrics, and --report writes a self-contained HTML report', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'mia-report-')), 'bt.html');
    const { code, out } = await run(['backtest', '--data', REAL_CSV, '--no-journal', '--json', '--report', report]);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { execution: { trades: Record<string, unknown>[]; metrics: Record<string, unknown>; ordersHash: string } };
    expect(j.execution.trades).toHaveLength(7);
    expect(j.execution.trades[0]).toMatchObject({ id: 'T1', side: 'LONG', entryTs: '2023-09-25T11:18:00-04:00', entryPrice: 4368, exitReason: 'stop', pnlUsd: -129.5 });
    expect(j.execution.metrics).toMatchObject({ trades: 7, wins: 3, netPnlUsd: 168.5 });
    expect(Object.keys(j.execution.metrics)).toEqual(expect.arrayContaining(['winRate', 'profitFactor', 'expectancyUsd', 'sharpe', 'sortino', 'maxDrawdownUsd']));
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain('<svg');
    expect(html.match(/<tr class="(win|loss)">/g)).toHaveLength(7);
    // Issue 19: the monthly table (September 182, October -14 rounded), by setup, year and phase; no Monte Carlo unless asked.
    expect(html).toMatch(/<h2>Monthly net P&amp;L<\/h2>[\s\S]*<td>2023<\/td>(<td class=""><\/td>){8}<td class="pos">182<\/td><td class="neg">-14<\/td>/);
    expect(html).toMatch(/<h2>By setup<\/h2>\s*<table>[\s\S]*<td>VWAP_DEVIATION<\/td><td>7<\/td>/);
    expect(html).not.toContain('Monte Carlo equity fan');
    const withMc = join(mkdtempSync(join(tmpdir(), 'mia-report-')), 'mc.html');
    expect((await run(['backtest', '--data', REAL_CSV, '--no-journal', '--report', withMc, '--monte-carlo', '200'])).code).toBe(0);
    expect(readFileSync(withMc, 'utf8')).toMatch(/<h2>Monte Carlo: 200 runs, bootstrap<\/h2>\s*<svg[^>]*aria-label="Monte Carlo equity fan"/);
    expect((await run(['backtest', '--data', REAL_CSV, '--no-journal', '--report', 'x.pdf'])).code).toBe(2);
  });

  it('reads zone-less CSV timestamps in --tz', async () => {
    const { out } = await run(['backtest', '--data', REAL_CSV, '--no-journal', '--json', '--tz', 'America/Chicago']);
    const j = JSON.parse(out) as { sessions: { id: string; start: string }[] };
    // the first line, 18:00 read as Chicago time, is 19:00 ET: still Monday's Globex session
    expect(j.sessions[0]).toMatchObject({ id: '2023-09-25', start: '2023-09-24T19:00:00-04:00' });
  });

  it('exits 2 on bad arguments and 1 on a missing file', async () => {
    expect((await run(['backtest'])).code).toBe(2);
    expect((await run(['backtest', '--data', REAL_CSV, '--tz', 'Mars/Olympus'])).code).toBe(2);
    const missing = await run(['backtest', '--data', '/nope/missing.csv', '--no-journal']);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('mia: /nope/missing.csv: no such file\n');
  });
});

describe('mia backtest --bars-out', () => {
  it('writes one decision line per completed bar and counts signals by setup, side and grade', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mia-cli-')), 'bars.jsonl');
    const { code, out } = await run(['backtest', '--data', REAL_CSV, '--chain', CHAIN_2023, '--basis', '40', '--no-journal', '--json', '--bars-out', file]);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { bars: number; signals: { total: number; bySetup: Record<string, number>; bySide: Record<string, number>; byGrade: Record<string, number> } };
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(j.bars);
    expect(Object.keys(lines[100]!)).toEqual(['ts', 'o', 'h', 'l', 'c', 'v', 'vwap', 'poc', 'vah', 'val', 'battle', 'regime', 'gamma', 'confluence', 'grade', 'signal']);
    // The 2023-08-20 chain (snapshot 2023-08-21 02:42 UTC) is in force at every bar, moved onto ES by the basis.
    expect(lines[100]!.gamma).toEqual({ callWall: 4540, putWall: 4440, zeroGamma: expect.closeTo(4548.93, 1), netGex: expect.closeTo(-42.022e9, -7), chainTs: Date.UTC(2023, 7, 21, 2, 42) });
    expect(Object.keys(lines[100]!.battle as object)).toEqual(['b', 'tc', 'q', 's', 'status', 'goldenRuleViolated', 'governingBase']);
    expect(lines[0]).toMatchObject({ ts: Date.UTC(2023, 8, 24, 22, 0), o: 4365 }); // the file's first line, 18:00 EDT
    const withSignal = lines.filter((l) => l.signal !== null);
    expect(withSignal).toHaveLength(j.signals.total);
    expect(j.signals.total).toBeGreaterThan(0);
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
    expect([sum(j.signals.bySetup), sum(j.signals.bySide), sum(j.signals.byGrade)]).toEqual([j.signals.total, j.signals.total, j.signals.total]);
    expect(withSignal[0]!.signal).toMatchObject({ symbol: 'ES', levels: { callWall: 4540, putWall: 4440 } });
  });

  it('--chains applies a folder of chains at their snapshot times and counts the bars on a stale one (issue 17)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mia-cli-')), 'bars.jsonl');
    const esm23 = resolve(SHARED_DATA, 'es/sierra-5m/ESM23-CME.scid_BarData__5m.txt');
    const { code, err } = await run(['backtest', '--data', esm23, '--tz', 'America/Chicago', '--timeframe', '5m', '--chains', resolve(SHARED_DATA, 'options/esm23'), '--basis', '40', '--no-journal', '--json', '--bars-out', file]);
    expect(code).toBe(0);
    expect(err).toMatch(/mia: gamma: 11 chain\(s\) applied at their snapshot times\n/);
    const stale = Number(/mia: gamma: (\d+) bar\(s\) traded on a chain more than 3 trading days old/.exec(err)?.[1]);
    expect(stale).toBeGreaterThan(0);
    // The limit is the trader's: at 20 trading days no chain of the folder is stale; a bad limit is a usage error (issue 17, item 9).
    const lax = await run(['backtest', '--data', esm23, '--tz', 'America/Chicago', '--timeframe', '5m', '--chains', resolve(SHARED_DATA, 'options/esm23'), '--chain-max-age', '20', '--no-journal', '--json']);
    expect(lax.err).not.toMatch(/trading days old/);
    expect((await run(['backtest', '--data', esm23, '--chains', resolve(SHARED_DATA, 'options/esm23'), '--chain-max-age', '-1'])).code).toBe(2);
    // One chain of June onto the whole March-June file: every bar before it is look-ahead.
    const ahead = await run(['backtest', '--data', esm23, '--tz', 'America/Chicago', '--timeframe', '5m', '--chain', resolve(SHARED_DATA, 'options/esm23/spx_quotedata_2023-06-09.csv'), '--no-journal', '--json']);
    expect(ahead.err).toMatch(/mia: gamma: \d+ bar\(s\) traded on a chain taken after them \(look-ahead/);
    const chainTimes = new Set(readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { gamma: { chainTs: number } | null }).gamma?.chainTs ?? null));
    expect(chainTimes.size).toBe(12); // none before the first snapshot, then each of the 11
    expect((await run(['backtest', '--data', REAL_CSV, '--chain', CHAIN_2023, '--chains', resolve(SHARED_DATA, 'options/esm23')])).code).toBe(2);
  }, 30_000);

  it('rejects a bad --mode or --basis with exit 2, a bad chain with exit 1', async () => {
    expect((await run(['backtest', '--data', REAL_CSV, '--mode', 'YOLO'])).code).toBe(2);
    expect((await run(['backtest', '--data', REAL_CSV, '--basis', 'abc'])).code).toBe(2);
    const bad = await run(['backtest', '--data', REAL_CSV, '--chain', REAL_CSV, '--no-journal']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/ES_1min_2023-09-24_2023-10-09\.csv: no "Last: <spot>" line/);
  });
});

describe('mia gex --json', () => {
  it('prints spot, net GEX, walls, zero gamma and the profile', async () => {
    const { code, out } = await run(['gex', '--chain', CHAIN_2022, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { spot: number; netGex: number; callWall: number; putWall: number; zeroGamma: number; profile: { spot: number; gex: number }[] };
    expect(Object.keys(j).slice(0, 6)).toEqual(['spot', 'netGex', 'callWall', 'putWall', 'zeroGamma', 'profile']);
    expect(j).toMatchObject({ spot: 4500.5298, callWall: 4600, putWall: 4500 });
    expect(j.zeroGamma).toBeCloseTo(4598.06, 1);
    expect(j.profile).toHaveLength(60);
    expect(Object.keys(j.profile[0]!)).toEqual(['spot', 'gex']);
  });

  it('adds ES levels with --basis and prints a table without --json', async () => {
    const j = JSON.parse((await run(['gex', '--chain', CHAIN_2023, '--basis', '12.5', '--json'])).out) as { es: { callWall: number; putWall: number } };
    expect(j.es).toMatchObject({ callWall: 4512.5, putWall: 4412.5 });
    const { out } = await run(['gex', '--chain', CHAIN_2023]);
    expect(out).toMatch(/call wall +4500\.00/);
    expect(out).toMatch(/Assumptions:/);
    expect((await run(['gex'])).code).toBe(2);
  });
});

describe('mia inspect --json', () => {
  it('prints the header and every record as {ts, price, size, side, bid, ask}', async () => {
    const { code, out } = await run(['inspect', REAL_SCID, '--json']);
    expect(code).toBe(0);
    const j = JSON.parse(out) as { header: unknown; records: Record<string, unknown>[] };
    expect(j.header).toEqual({ headerSize: 56, recordSize: 40, version: 1, utcStartIndex: 0 });
    expect(j.records).toHaveLength(10);
    expect(j.records[0]).toEqual({ ts: 1677011839026, price: 4048, size: 1, side: 'sell', bid: 4048, ask: 4048.75 });
    expect(j.records[6]).toEqual({ ts: 1677011950708, price: 4047, size: 1, side: 'buy', bid: 4046.5, ask: 4047 });
  });

  it('prints a readable table without --json', async () => {
    const { out } = await run(['inspect', REAL_SCID]);
    expect(out).toMatch(/SCID header: size 56, record size 40/);
    expect(out).toMatch(/2023-02-21T20:38:02\.105Z .* first/);
    expect(out).toMatch(/10 records/);
  });
});

describe('mia sessions, backup and restore', () => {
  it('lists the journaled sessions, backs up to --to, and restores with the checks of the app', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mia-cli-data-'));
    const to = mkdtempSync(join(tmpdir(), 'mia-cli-backups-'));
    expect((await run(['backtest', '--data', REAL_CSV, '--data-dir', dataDir, '--json'])).code).toBe(0);
    const listed = await run(['sessions', '--data-dir', dataDir, '--json']);
    expect(listed.code).toBe(0);
    const sessions = JSON.parse(listed.out) as { sessionId: string; trades: number; netPnlUsd: number; signals: number }[];
    expect(sessions).toHaveLength(11);
    expect(sessions.reduce((n, s) => n + s.trades, 0)).toBe(7);

    const b = await run(['backup', '--data-dir', dataDir, '--to', to, '--keep', '2', '--json']);
    expect(b.code).toBe(0);
    const archive = (JSON.parse(b.out) as { archive: { path: string; bytes: number }; rows: Record<string, number> }).archive;
    expect(archive.path.startsWith(to)).toBe(true);
    expect((JSON.parse(b.out) as { rows: Record<string, number> }).rows).toMatchObject({ runs: 1, sessions: 11, signals: 27, trades: 7 });

    // A second run after the backup, then the restore brings back the state of the backup.
    expect((await run(['backtest', '--data', REAL_CSV, '--data-dir', dataDir, '--json'])).code).toBe(0);
    expect(JSON.parse((await run(['sessions', '--data-dir', dataDir, '--json'])).out)).toHaveLength(22);
    const r = await run(['restore', archive.path, '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('HALTED');
    expect(JSON.parse((await run(['sessions', '--data-dir', dataDir, '--json'])).out)).toHaveLength(11);

    const bad = await run(['restore', join(to, 'missing.zip'), '--data-dir', dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/missing\.zip: no such backup archive/);
    const noFolder = await run(['backup', '--data-dir', dataDir, '--to', join(to, 'nope')]);
    expect(noFolder.code).toBe(1);
    expect(noFolder.err).toMatch(/does not exist/);
    expect((await run(['backup', '--keep', 'x'])).code).toBe(2);
    expect((await run(['restore'])).code).toBe(2);
  }, 60_000);
});

describe('mia on what is not a data file (issue 16, item 22)', () => {
  it('names a folder as a folder, for inspect and gex, instead of a bare EISDIR; for backtest a folder is a series, and an empty one is said', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mia-cli-dir-'));
    for (const argv of [['inspect', dir], ['gex', '--chain', dir]]) {
      const r = await run(argv);
      expect(r.code, argv[0]).not.toBe(0);
      expect(r.err, argv[0]).toBe(`mia: ${dir}: is a folder, not a data file\n`);
    }
    const r = await run(['backtest', '--data', dir, '--no-journal']);
    expect(r.code).not.toBe(0);
    expect(r.err).toBe(`mia: ${dir}: a folder with no data file (.scid, .csv, .jsonl, .txt)\n`);
  });

  it('fails a backtest of a header-only file instead of reporting 0 trades with exit 0', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mia-cli-')), 'header-only.csv');
    writeFileSync(file, 'timestamp,open,high,low,close,volume\n');
    const r = await run(['backtest', '--data', file, '--no-journal']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`mia: ${file}: no record to backtest (no data after the header)\n`);
  });
});

describe('mia backtest: results by the calendar and Monte Carlo (issue 19)', () => {
  it('the real CSV by setup, phase and month, annualised from its 11 days, and a Monte Carlo that a seed fixes', async () => {
    const r = await run(['backtest', '--data', REAL_CSV, '--no-journal', '--json', '--monte-carlo', '500', '--block', '2', '--seed', '9']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      research: { annual: { tradingDays: number; calmar: number }; bySetup: Record<string, { trades: number; netPnlUsd: number }>; byPhase: Record<string, { trades: number }>; monthly: { year: number; months: (number | null)[]; totalUsd: number }[] };
      monteCarlo: { runs: number; method: string; trades: number; finalEquityUsd: { p50: number } };
    };
    expect(j.research.annual.tradingDays).toBe(11);
    expect(j.research.bySetup).toMatchObject({ VWAP_DEVIATION: { trades: 7, netPnlUsd: 168.5 } });
    // September: -129.50 - 142 + 233 + 220.50 = 182; October: -117 + 233 - 129.50 = -13.50.
    expect(j.research.monthly).toEqual([{ year: 2023, months: [null, null, null, null, null, null, null, null, 182, -13.5, null, null], totalUsd: 168.5 }]);
    expect(Object.values(j.research.byPhase).reduce((a, p) => a + p.trades, 0)).toBe(7);
    expect(j.monteCarlo).toMatchObject({ runs: 500, method: 'block-bootstrap', trades: 7 });
    const again = JSON.parse((await run(['backtest', '--data', REAL_CSV, '--no-journal', '--json', '--monte-carlo', '500', '--block', '2', '--seed', '9'])).out) as typeof j;
    expect(again.monteCarlo).toEqual(j.monteCarlo);
    expect((await run(['backtest', '--data', REAL_CSV, '--no-journal', '--monte-carlo', '0'])).err).toMatch(/--monte-carlo must be a whole number, 1 or more/);
  });
});
