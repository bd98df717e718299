/**
 * Reader of an SPX option chain in CBOE's quote-table CSV (the "download"
 * of cboe.com's delayed quotes; ../shared/data/README.md): a title line with
 * `Last: <spot>`, a `Date: ...` line, the column names (calls then puts,
 * both sides of one strike on one line), then one line per expiration and
 * strike. Header lines are found by their text, not their line number.
 */
import { readFile } from 'node:fs/promises';
import { dataFileProblem } from '../feeds/data-file.js';
import { parseDecimal } from '../feeds/validate.js';
import { basename } from 'node:path';

/** One option of the chain. Gamma per option per 1 point of the underlying; OI in contracts. */
export interface ChainOption {
  readonly kind: 'call' | 'put';
  /** Expiration date, YYYY-MM-DD. */
  readonly expiry: string;
  /** Strike, index points. */
  readonly strike: number;
  /** Implied volatility as a fraction (0.20 = 20%). */
  readonly iv: number;
  readonly gamma: number;
  readonly openInterest: number;
  /** Contracts traded in the snapshot's day. */
  readonly volume: number;
}

/** A parsed chain snapshot. */
export interface OptionChain {
  /** The file it came from (basename). */
  readonly source: string;
  /** Underlying price at the snapshot, index points. */
  readonly spot: number;
  /** Snapshot date, YYYY-MM-DD (exchange-local date printed in the file). */
  readonly date: string;
  readonly options: readonly ChainOption[];
  /** Option lines rejected, each as `source:line: why` (the rest of the chain is kept). */
  readonly rejected: readonly string[];
}

/** A chain file that cannot be used; names the file and line. */
export class ChainError extends Error {
  override readonly name = 'ChainError';
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function isoFrom(monthName: string, day: string, year: string): string | null {
  const m = MONTHS.indexOf(monthName.slice(0, 3).toLowerCase());
  if (m < 0) return null;
  return `${year}-${String(m + 1).padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** Splits one CSV line, honouring double quotes. */
function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Parses the text of a quote-table CSV. A bad option line is rejected and
 * listed in `rejected`, the others kept; the chain is refused only when its
 * header lines are missing or no option line is good.
 * @param source the file name used in error messages.
 * @throws ChainError naming `source:line` and the field when a header line is missing or a value is not a number.
 */
export function parseChain(text: string, source: string): OptionChain {
  const lines = text.split(/\r?\n/);
  let spot = Number.NaN;
  let date: string | null = null;
  let header = -1;
  for (let i = 0; i < Math.min(lines.length, 20) && header < 0; i++) {
    const line = lines[i]!;
    const last = /Last:\s*([0-9.]+)/.exec(line);
    if (last !== null && Number.isNaN(spot)) spot = Number(last[1]);
    const d = /Date:\s*([A-Za-z]+)\s+(\d{1,2}),?\s+(\d{4})/.exec(line);
    if (d !== null && date === null) date = isoFrom(d[1]!, d[2]!, d[3]!);
    if (/^\s*Expiration Date\s*,/i.test(line)) header = i;
  }
  if (!(spot > 0)) throw new ChainError(`${source}: no "Last: <spot>" line in the first 20 lines`);
  if (date === null) throw new ChainError(`${source}: no "Date: <month> <day> <year>" line in the first 20 lines`);
  if (header < 0) throw new ChainError(`${source}: no "Expiration Date,..." column line in the first 20 lines`);
  const cols = splitCsv(lines[header]!).map((c) => c.trim().toLowerCase());
  const strikeCol = cols.indexOf('strike');
  const putsCol = cols.indexOf('puts');
  if (strikeCol < 0 || putsCol < 0) throw new ChainError(`${source}:${header + 1}: the column line has no "Strike" or "Puts" column`);
  const side = (from: number, to: number, name: string): number => {
    const k = cols.indexOf(name, from);
    if (k < 0 || k >= to) throw new ChainError(`${source}:${header + 1}: no "${name}" column on the ${from === 0 ? 'call' : 'put'} side`);
    return k;
  };
  const callCols = { iv: side(0, strikeCol, 'iv'), gamma: side(0, strikeCol, 'gamma'), oi: side(0, strikeCol, 'open interest'), volume: side(0, strikeCol, 'volume') };
  const putCols = { iv: side(putsCol, cols.length, 'iv'), gamma: side(putsCol, cols.length, 'gamma'), oi: side(putsCol, cols.length, 'open interest'), volume: side(putsCol, cols.length, 'volume') };
  const options: ChainOption[] = [];
  const expiries = new Map<string, string>();
  const rejected: string[] = [];
  for (let i = header + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      const row = optionLine(i, line);
      if (row !== null) options.push(...row);
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      rejected.push(e.message); // one bad line is rejected and reported; the chain keeps the others
    }
  }
  if (options.length === 0) throw new ChainError(`${source}: no option lines after the column line${rejected.length > 0 ? ` (${rejected.length} rejected; the first: ${rejected[0]})` : ''}`);
  return { source, spot, date, options, rejected };

  /** One strike's call and put, or null for a line to skip. @throws ChainError naming the line and field. */
  function optionLine(i: number, line: string): ChainOption[] | null {
    const f = splitCsv(line);
    if (f.length < cols.length) throw new ChainError(`${source}:${i + 1}: ${f.length} fields, expected ${cols.length}`);
    /** A decimal number in [min, max] (no hex, no exponent tricks beyond the range). */
    const num = (k: number, min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY): number => {
      const v = parseDecimal(f[k]!);
      if (!Number.isFinite(v)) throw new ChainError(`${source}:${i + 1}: field "${cols[k]}" (column ${k + 1}) is not a number: ${JSON.stringify(f[k])}`);
      if (v < min || v > max) throw new ChainError(`${source}:${i + 1}: field "${cols[k]}" (column ${k + 1}) is ${v}, outside ${min}..${max}`);
      return v;
    };
    const expText = f[0]!.trim();
    let expiry = expiries.get(expText);
    if (expiry === undefined) {
      const m = /([A-Za-z]{3})\w*\s+(\d{1,2}),?\s+(\d{4})\s*$/.exec(expText);
      const iso = m === null ? null : isoFrom(m[1]!, m[2]!, m[3]!);
      if (iso === null) throw new ChainError(`${source}:${i + 1}: field "expiration date" is not a date like "Mon Feb 07 2022": ${JSON.stringify(expText)}`);
      expiry = iso;
      expiries.set(expText, iso);
    }
    const strike = num(strikeCol);
    if (!(strike > 0)) throw new ChainError(`${source}:${i + 1}: field "strike" must be positive: ${strike}`);
    // An option's gamma is per point of the underlying: between 0 and 1; open interest and volume are counts.
    const side = (kind: 'call' | 'put', c: typeof callCols): ChainOption => ({ kind, expiry, strike, iv: num(c.iv, 0, 20), gamma: num(c.gamma, 0, 1), openInterest: num(c.oi, 0, 1e8), volume: num(c.volume, 0, 1e8) });
    return [side('call', callCols), side('put', putCols)];
  }
}

/**
 * Reads and parses a chain file.
 * @throws ChainError (see parseChain), or the fs error when the file cannot be read.
 */
export async function readChain(path: string): Promise<OptionChain> {
  const problem = await dataFileProblem(path);
  if (problem !== null) throw new ChainError(problem.message);
  return parseChain(await readFile(path, 'utf8'), basename(path));
}
