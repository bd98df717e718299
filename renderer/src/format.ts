/**
 * Display formatting: market times in the exchange's zone (ET), prices in
 * points to the tick, volumes with thousands separators.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function fmt(timeZone: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(opts)}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', ...opts });
    formatters.set(key, f);
  }
  return f;
}

function parts(ms: number, timeZone: string, opts: Intl.DateTimeFormatOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of fmt(timeZone, opts).formatToParts(new Date(ms))) out[p.type] = p.value;
  return out;
}

/** `Mon 2023-09-25 09:31:00 ET` for the market clock. */
export function formatMarketClock(ms: number, timeZone = 'America/New_York'): string {
  const p = parts(ms, timeZone, { weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ET`;
}

/** `09:31` in the zone. */
export function formatHourMinute(ms: number, timeZone = 'America/New_York'): string {
  const p = parts(ms, timeZone, { hour: '2-digit', minute: '2-digit' });
  return `${p.hour}:${p.minute}`;
}

/** `Sep 25` in the zone. */
export function formatMonthDay(ms: number, timeZone = 'America/New_York'): string {
  return fmt(timeZone, { month: 'short', day: 'numeric' }).format(new Date(ms));
}

/** `2023-09-25 09:31 ET` for crosshair labels. */
export function formatDateTime(ms: number, timeZone = 'America/New_York'): string {
  const p = parts(ms, timeZone, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ET`;
}

/** A price in points, two decimals (ES ticks are quarters). */
export function formatPrice(p: number | null | undefined): string {
  return p === null || p === undefined ? '—' : p.toFixed(2);
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });

/** A volume in short form: 10, 1.5K, 2.12M. */
export function formatVolumeCompact(v: number): string {
  return compact.format(v);
}

/** A volume with thousands separators. */
export function formatVolume(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** GEX in USD per 1% move, as `-42.02 bn`. */
export function formatGex(usd: number): string {
  return `${(usd / 1e9).toFixed(2)} bn`;
}

/** A 0..1 score as `0.73`. */
export function formatScore(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : x.toFixed(2);
}

/** `$1,234.50` / `−$129.50` (USD, cents), `—` for anything but a finite number (journaled JSON may hold null). */
export function formatUsd(x: unknown): string {
  return typeof x !== 'number' || !Number.isFinite(x) ? '—' : `${x < 0 ? '−' : ''}$${Math.abs(x).toFixed(2)}`;
}

/** `+6 t` / `-8 t` (ticks, signed), `—` for anything but a finite number. */
export function formatTicks(x: unknown): string {
  return typeof x !== 'number' || !Number.isFinite(x) ? '—' : `${x > 0 ? '+' : ''}${x.toFixed(0)} t`;
}
