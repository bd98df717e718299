/**
 * Reader of an SPX option chain in CBOE's quote-table CSV (the "download"
 * of cboe.com's delayed quotes; ../shared/data/README.md): a title line with
 * `Last: <spot>`, a `Date: ...` line, the column names (calls then puts,
 * both sides of one strike on one line), then one line per expiration and
 * strike. Header lines are found by their text, not their line number.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dataFileProblem } from '../feeds/data-file.js';
import { parseDecimal } from '../feeds/validate.js';
import { basename, join } from 'node:path';

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
  /** Snapshot date, YYYY-MM-DD (the local date printed in the file). */
  readonly date: string;
  /** When the snapshot was taken, Unix ms (the file's time and zone). */
  readonly ts: number;
  readonly options: readonly ChainOption[];
  /** Option lines rejected, each as `source:line: why` (the rest of the chain is kept). */
  readonly rejected: readonly string[];
}

/** A chain file that cannot be used; names the file and line. */
export class ChainError extends Error {
  override readonly name = 'ChainError';
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** YYYY-MM-DD of a month name (its first three letters) and a day and year, or null. */
function isoFrom(monthName: string, day: string, year: string): string | null {
  const m = MONTHS.indexOf(monthName.slice(0, 3).toLowerCase());
  if (m < 0) return null;
  return `${year}-${String(m + 1).padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** Hours from UTC of the zone names CBOE's pages print. */
const ZONE_HOURS: Readonly<Record<string, number>> = { EDT: -4, EST: -5, CDT: -5, CST: -6, UTC: 0, GMT: 0 };

/** The snapshot's local date (YYYY-MM-DD) and its time, Unix ms. */
export interface ChainTime {
  readonly date: string;
  readonly ts: number;
}

/**
 * The time of a `Date:` line, in every variant the CBOE files in
 * ../shared/data carry (issue 17):
 * `5 April 2023, 19:41 UTC−4` (a Unicode minus), `6 May 2023, 8:40 PM EDT`,
 * `8 June 2023 7:56 PM EDT`, `May 23, 2023 at 7:39 PM EDT`,
 * `February 5 2022, 8:09 PM EST`: day and month either way round, a 24-hour
 * or AM/PM time, and a zone as an offset (`UTC−4`, `UTC+1:30`) or a US name
 * (EDT, EST, CDT, CST; UTC, GMT). Null when the text is not all of a date, a
 * time and a zone, or names a day the month does not have.
 */
export function parseChainTime(text: string): ChainTime | null {
  const t = text.replace(/[\u2212\u2013]/g, '-').replace(/\s+/g, ' ').trim();
  const dm = /^(\d{1,2}) ([A-Za-z]+),? (\d{4})(.*)$/.exec(t);
  const md = dm === null ? /^([A-Za-z]+) (\d{1,2}),? (\d{4})(.*)$/.exec(t) : null;
  const parts = dm !== null ? [dm[1], dm[2], dm[3], dm[4]] : md !== null ? [md[2], md[1], md[3], md[4]] : null;
  if (parts === null) return null;
  const [day, monthName, year, rest] = parts as [string, string, string, string];
  const month = MONTHS.indexOf(monthName.slice(0, 3).toLowerCase());
  const time = /^(?:,| at)? (\d{1,2}):(\d{2})(?: ?([AP]M))? (?:UTC ?([+-]) ?(\d{1,2})(?::?(\d{2}))?|([A-Z]{3}))$/i.exec(rest);
  if (month < 0 || time === null) return null;
  let hour = Number(time[1]);
  const minute = Number(time[2]);
  const ampm = time[3]?.toUpperCase();
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (ampm === 'PM' ? 12 : 0);
  }
  const zone = time[7]?.toUpperCase();
  const offsetMin = zone !== undefined ? (ZONE_HOURS[zone] ?? Number.NaN) * 60 : (time[4] === '-' ? -1 : 1) * (Number(time[5]) * 60 + Number(time[6] ?? 0));
  if (!Number.isFinite(offsetMin) || hour > 23 || minute > 59) return null;
  const y = Number(year);
  const d = Number(day);
  const local = Date.UTC(y, month, d, hour, minute);
  if (new Date(local).getUTCDate() !== d) return null; // 31 April is not a day
  return { date: `${year}-${String(month + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`, ts: local - offsetMin * 60_000 };
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
  let when: ChainTime | null = null;
  let header = -1;
  for (let i = 0; i < Math.min(lines.length, 20) && header < 0; i++) {
    const line = lines[i]!;
    const last = /Last:\s*([0-9.]+)/.exec(line);
    if (last !== null && Number.isNaN(spot)) spot = Number(last[1]);
    // The Date field runs to the next "<Label>:" field (its own commas are quoted in some files, not in others).
    const at = when === null ? line.search(/(^|[",])\s*Date:/) : -1;
    if (at >= 0) {
      const after = line.slice(line.indexOf('Date:', at) + 'Date:'.length);
      const end = after.search(/"?\s*,\s*"?[A-Za-z][A-Za-z ]*:/);
      const text = (end < 0 ? after : after.slice(0, end)).replace(/"\s*$/, '').trim();
      when = parseChainTime(text);
      if (when === null) throw new ChainError(`${source}:${i + 1}: the Date "${text.slice(0, 60)}" is not a date, a time and a zone this reader knows (e.g. "May 23, 2023 at 7:39 PM EDT" or "5 April 2023, 19:41 UTC-4")`);
    }
    if (/^\s*Expiration Date\s*,/i.test(line)) header = i;
  }
  if (!(spot > 0)) throw new ChainError(`${source}: no "Last: <spot>" line in the first 20 lines`);
  if (when === null) throw new ChainError(`${source}: no "Date: ..." line in the first 20 lines`);
  const { date, ts } = when;
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
  return { source, spot, date, ts, options, rejected };

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
/**
 * Every chain in a folder (its .csv files), in the order of their snapshot
 * times; a file that is not a chain is refused by name and the others are
 * kept (issue 17: gamma levels over time).
 * @throws ChainError when the folder cannot be read or holds no chain at all.
 */
export async function readChains(dir: string): Promise<{ chains: OptionChain[]; refused: string[] }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
  } catch (e) {
    throw new ChainError(`${dir}: cannot read the chains folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const chains: OptionChain[] = [];
  const refused: string[] = [];
  for (const n of names) {
    try {
      chains.push(await readChain(join(dir, n)));
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      refused.push(e.message);
    }
  }
  if (chains.length === 0) throw new ChainError(`${dir}: no SPX chain among its ${names.length} .csv file(s)${refused.length > 0 ? ` (the first refused: ${refused[0]})` : ''}`);
  return { chains: chains.sort((a, b) => a.ts - b.ts), refused };
}

export async function readChain(path: string): Promise<OptionChain> {
  const problem = await dataFileProblem(path);
  if (problem !== null) throw new ChainError(problem.message);
  return parseChain(await readFile(path, 'utf8'), basename(path));
}
