/** `mia backtest` and `mia inspect`: output shapes and exit codes. */
import { describe, expect, it } from 'vitest';
import { main } from '../../engine/cli/mia';
import { REAL_CSV, REAL_SCID } from '../support/paths';

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
    expect(missing.err).toMatch(/missing\.csv: cannot read \(ENOENT\)/);
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
