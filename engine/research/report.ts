/**
 * `mia backtest --report <file.html>` (issue 4, item 6): one self-contained
 * HTML file (no script, no external asset) with the run's metrics, the
 * closed-trade equity curve and its drawdown as inline SVG, and the trades
 * table with MAE/MFE. Opens in any browser, mails as one attachment.
 */
import type { PerformanceMetrics } from '../perf/metrics.js';
import type { MonteCarloResult } from '../perf/montecarlo.js';
import { Zone } from '../time/zone.js';
import type { BacktestResult } from '../run/drivers/backtest.js';
import type { SweepMetric, SweepRun, SweepVerdict } from './sweep.js';
import type { WalkForwardResult } from './walkforward.js';

const ET = new Zone('America/New_York');

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const usd = (x: number | null): string => (x === null ? '-' : `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`);
const num = (x: number | null, d = 2): string => (x === null ? '-' : x.toFixed(d));
const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const time = (ts: number | null): string => (ts === null ? '-' : ET.formatIso(ts).slice(0, 19).replace('T', ' '));

/** A sweep or a walk-forward (issue 19) whose best configuration's backtest the report is: its runs, best first, and what the choice is worth. */
export interface ResearchReportPart {
  readonly kind: 'sweep' | 'walk-forward';
  readonly metric: SweepMetric;
  /** The sweep's runs best first (a walk-forward: each window's chosen configuration, in-sample). */
  readonly runs: readonly SweepRun[];
  readonly verdict: SweepVerdict | null;
  readonly walkForward: WalkForwardResult | null;
}

/**
 * The report's HTML. `generatedAt` is a Unix ms wall time shown in the
 * footer; `mc` a Monte Carlo of its trades, drawn as a fan (issue 19);
 * `research` the sweep or walk-forward the run was chosen by, shown first.
 */
export function backtestReportHtml(r: BacktestResult, generatedAt: number, mc: MonteCarloResult | null = null, research: ResearchReportPart | null = null): string {
  const a = r.research.annual;
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const monthly = r.research.monthly
    .map((row) => `<tr><td>${row.year}</td>${row.months.map((x) => `<td class="${x === null ? '' : x > 0 ? 'pos' : 'neg'}">${x === null ? '' : x.toFixed(0)}</td>`).join('')}<td>${usd(row.totalUsd)}</td></tr>`)
    .join('\n');
  const groups = (title: string, g: Record<string, PerformanceMetrics>): string =>
    `<table><tr><th>${title}</th><th>trades</th><th>win rate</th><th>net</th><th>profit factor</th><th>expectancy</th><th>Sharpe</th><th>Sortino</th><th>max DD</th></tr>
${Object.entries(g).map(([k, d]) => `<tr><td>${esc(k)}</td>${metricCells(d)}</tr>`).join('\n')}</table>`;
  const e = r.execution;
  const m = e.metrics;
  const rows = e.trades
    .map(
      (t) => `<tr class="${(t.pnlUsd ?? 0) > 0 ? 'win' : t.pnlUsd === null ? '' : 'loss'}"><td>${esc(t.id)}</td><td>${t.side}</td><td>${esc(t.setup)}</td><td>${esc(t.grade ?? '')}</td><td>${t.qty}</td>
<td>${time(t.entryTs)}</td><td>${num(t.entryPrice)}</td><td>${num(t.stop)}</td><td>${num(t.target)}</td><td>${time(t.exitTs)}</td><td>${num(t.exitPrice)}</td>
<td>${esc(t.exitReason ?? 'open')}</td><td>${num(t.pnlTicks, 0)}</td><td>${usd(t.pnlUsd)}</td><td>${num(t.maeTicks, 0)}</td><td>${num(t.mfeTicks, 0)}</td></tr>`,
    )
    .join('\n');
  const days = Object.entries(e.byDay)
    .map(([day, d]) => `<tr><td>${esc(day)}</td>${metricCells(d)}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MIA backtest: ${esc(r.file)}</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:24px;color:#1d2433;background:#fff}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:24px 0 8px}
.sub{color:#5b6478}table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #e3e6ee;text-align:right;white-space:nowrap}
th{background:#f3f5f9;font-weight:600}td:nth-child(-n+3){text-align:left}tr.win td:nth-child(14){color:#0a7d3b}tr.loss td:nth-child(14){color:#b3261e}
td.pos{color:#0a7d3b}td.neg{color:#b3261e}
.kpi{display:flex;gap:24px;flex-wrap:wrap}.kpi div{min-width:110px}.kpi b{display:block;font-size:17px}
svg{background:#fafbfd;border:1px solid #e3e6ee}
</style></head><body>
<h1>${research === null ? 'Backtest report' : research.kind === 'sweep' ? 'Sweep report' : 'Walk-forward report'}</h1>
<div class="sub">${esc(r.file)} · ${r.bars} bars · ${r.sessions.length} sessions · ${r.signals.total} signals · AUTO execution, simulated venue</div>
${research === null ? '' : researchHtml(research)}
<h2>${research === null ? 'Run' : research.kind === 'sweep' ? 'The best configuration, run alone' : "The last window's choice, run alone over the whole data"}</h2>
<div class="kpi">
<div>Net P&amp;L<b>${usd(m.netPnlUsd)}</b></div><div>Trades<b>${m.trades}</b></div><div>Win rate<b>${pct(m.winRate)}</b></div>
<div>Profit factor<b>${num(m.profitFactor)}</b></div><div>Expectancy<b>${usd(m.expectancyUsd)}</b></div>
<div>Sharpe / trade<b>${num(m.sharpe)}</b></div><div>Sortino / trade<b>${num(m.sortino)}</b></div>
<div>Max drawdown (marked)<b>${usd(e.maxDrawdownUsd)}</b></div><div>Max drawdown (closed)<b>${usd(m.maxDrawdownUsd)}</b></div>
<div>Equity<b>${usd(e.startingEquityUsd)} → ${usd(e.finalEquityUsd)}</b></div><div>Commissions<b>${usd(e.commissionsUsd)}</b></div>
</div>
<div class="kpi" style="margin-top:10px">
<div>Trading days<b>${a.tradingDays}</b></div><div>Sharpe (annualised, daily)<b>${num(a.sharpeAnnual)}</b></div><div>Sortino (annualised, daily)<b>${num(a.sortinoAnnual)}</b></div>
<div>Net a year<b>${usd(a.annualisedPnlUsd)}</b></div><div>Calmar<b>${num(a.calmar)}</b></div>
</div>
<h2>Equity curve (closed trades) and drawdown</h2>
${equitySvg(e.startingEquityUsd, e.equityCurve)}
<h2>Monthly net P&amp;L</h2>
<table><tr><th>year</th>${months.map((m) => `<th>${m}</th>`).join('')}<th>total</th></tr>
${monthly}</table>
<h2>By setup</h2>
${groups('setup', r.research.bySetup)}
<h2>By year</h2>
${groups('year', r.research.byYear)}
<h2>By session phase</h2>
${groups('phase', r.research.byPhase)}
${mc === null ? '' : `<h2>Monte Carlo: ${mc.runs} runs, ${mc.method}${mc.blockSize > 1 ? ` of ${mc.blockSize} trades` : ''}</h2>
${fanSvg(mc)}
<div class="sub">5th / 50th / 95th percentiles. Final equity ${usd(mc.finalEquityUsd.p5)} / ${usd(mc.finalEquityUsd.p50)} / ${usd(mc.finalEquityUsd.p95)}; max drawdown ${usd(mc.maxDrawdownUsd.p5)} / ${usd(mc.maxDrawdownUsd.p50)} / ${usd(mc.maxDrawdownUsd.p95)}; longest losing streak ${mc.longestLosingStreak.p5} / ${mc.longestLosingStreak.p50} / ${mc.longestLosingStreak.p95} trades; a day at the daily loss limit ${pct(mc.dailyLossLimitHitProbability)} of ${mc.daysSimulated} simulated days.</div>`}
<h2>By day</h2>
<table><tr><th>session</th><th>trades</th><th>win rate</th><th>net</th><th>profit factor</th><th>expectancy</th><th>Sharpe</th><th>Sortino</th><th>max DD</th></tr>
${days}</table>
<h2>Trades</h2>
<table><tr><th>id</th><th>side</th><th>setup</th><th>grade</th><th>qty</th><th>entry (ET)</th><th>entry</th><th>stop</th><th>target</th><th>exit (ET)</th><th>exit</th><th>reason</th><th>ticks</th><th>P&amp;L</th><th>MAE</th><th>MFE</th></tr>
${rows}</table>
<h2>Risk</h2>
<div>Signals refused by the risk check: ${Object.entries(e.refused).map(([k, v]) => `${esc(k)} ${v}`).join(', ') || 'none'}. Kill-switch transitions: ${e.killSwitchEvents.length === 0 ? 'none' : e.killSwitchEvents.map((k) => `${time(k.ts)} ${k.from}→${k.to} (${esc(k.reason ?? '')})`).join('; ')}.</div>
<div class="sub">Orders: ${e.orders}, sha256 ${e.ordersHash}. Generated ${esc(new Date(generatedAt).toISOString())} by MIA Workstation. P&amp;L in USD net of commissions; MAE/MFE in ticks; Sharpe and Sortino per trade, not annualised.</div>
</body></html>
`;
}

/** The sweep's table (the first 50 runs), its verdict, and the walk-forward's windows and stitched out-of-sample curve. */
function researchHtml(p: ResearchReportPart): string {
  const names = Object.keys(p.runs[0]?.values ?? {});
  const v = p.verdict;
  const runs = p.runs
    .slice(0, 50)
    .map((x) => `<tr><td>#${x.id}</td>${names.map((n) => `<td>${x.values[n]}</td>`).join('')}<td>${x.metrics.trades}</td><td>${usd(x.metrics.netPnlUsd)}</td><td>${num(x.metrics.profitFactor)}</td><td>${num(x.annual.sharpeAnnual)}</td><td>${num(x.annual.calmar)}</td><td>${usd(x.metrics.maxDrawdownUsd)}</td></tr>`)
    .join('\n');
  const sweep = `<h2>${p.kind === 'sweep' ? `Sweep: ${p.runs.length} configurations` : `The windows' choices, in-sample`} by ${esc(p.metric)}</h2>
${v === null ? '' : `<div class="kpi"><div>Best<b>#${v.best.id} ${esc(names.map((n) => `${n} ${v.best.values[n]}`).join(', '))}</b></div><div>Deflated Sharpe<b>${num(v.deflatedSharpe)}</b></div><div>Probability of backtest overfitting<b>${v.pbo === null ? '-' : pct(v.pbo)}</b></div></div>
<div class="sub">Deflated Sharpe: Bailey and López de Prado (2014), the best's daily Sharpe against the expected maximum of ${p.runs.length} trials. PBO: Bailey, Borwein, López de Prado and Zhu (2015), combinatorially symmetric cross-validation over blocks of days.</div>`}
<table><tr><th>#</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>trades</th><th>net</th><th>profit factor</th><th>Sharpe/yr</th><th>Calmar</th><th>max DD</th></tr>
${runs}</table>`;
  const w = p.walkForward;
  if (w === null) return sweep;
  const windows = w.windows
    .map((x) => `<tr><td>${esc(x.inSample.from)} .. ${esc(x.inSample.to)}</td><td>${esc(x.outOfSample.from)} .. ${esc(x.outOfSample.to)}</td><td>#${x.chosen.id}</td>${names.map((n) => `<td>${x.chosen.values[n]}</td>`).join('')}<td>${usd(x.chosen.metrics.netPnlUsd)}</td><td>${usd(x.outOfSampleRun.metrics.netPnlUsd)}</td><td>${x.outOfSampleRun.metrics.trades}</td></tr>`)
    .join('\n');
  const curve = w.equity.map(([, eq], i): [number, number] => [i, eq]);
  return `<h2>Walk-forward: ${w.windows.length} windows${w.cancelled ? ' (cancelled: those finished)' : ''}</h2>
<div class="kpi"><div>Out-of-sample net<b>${usd(w.outOfSampleNetUsd)}</b></div><div>Walk-forward efficiency<b>${num(w.efficiency)}</b></div><div>Sessions out of sample<b>${w.equity.length}</b></div></div>
<table><tr><th>in-sample</th><th>out-of-sample</th><th>chosen</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}<th>in-sample net</th><th>out-of-sample net</th><th>OOS trades</th></tr>
${windows}</table>
<div class="sub">Stability: ${Object.entries(w.stability).map(([k, s]) => `${esc(k)} chosen ${s.values.join(', ')} (${s.distinct} distinct, sd ${num(s.sd)})`).join('; ') || '-'}.</div>
<h2>Stitched out-of-sample equity and drawdown (by session)</h2>
${equitySvg(0, curve).replace('trade #', 'session')}
${sweep}`;
}

function metricCells(d: PerformanceMetrics): string {
  return `<td>${d.trades}</td><td>${pct(d.winRate)}</td><td>${usd(d.netPnlUsd)}</td><td>${num(d.profitFactor)}</td><td>${usd(d.expectancyUsd)}</td><td>${num(d.sharpe)}</td><td>${num(d.sortino)}</td><td>${usd(d.maxDrawdownUsd)}</td>`;
}

/** Equity (line) and drawdown (area below) of the closed-trade curve, 760 x 260 px. */
function equitySvg(start: number, curve: readonly (readonly [number, number])[]): string {
  const W = 760;
  const H = 260;
  const pad = 44;
  const pts: [number, number][] = [[0, start], ...curve.map(([, eq], i): [number, number] => [i + 1, eq])];
  const eqs = pts.map((p) => p[1]);
  let peak = start;
  const dd = eqs.map((x) => ((peak = Math.max(peak, x)), x - peak));
  const lo = Math.min(...eqs, start);
  const hi = Math.max(...eqs, start);
  const span = hi - lo || 1;
  const n = Math.max(1, pts.length - 1);
  const x = (i: number): number => pad + ((W - 2 * pad) * i) / n;
  const y = (v: number): number => 16 + (H * 0.62 - 16) * (1 - (v - lo) / span);
  const ddMin = Math.min(...dd, -1);
  const yd = (v: number): number => H * 0.7 + (H * 0.28 * v) / ddMin;
  const line = pts.map(([i, v], k) => `${k === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const area = `M${x(0)},${yd(0)}` + dd.map((v, i) => `L${x(i).toFixed(1)},${yd(v).toFixed(1)}`).join('') + `L${x(n)},${yd(0)}Z`;
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="equity curve and drawdown">
<text x="4" y="${y(hi) + 4}" font-size="10" fill="#5b6478">${usd(hi)}</text><text x="4" y="${y(lo) + 4}" font-size="10" fill="#5b6478">${usd(lo)}</text>
<line x1="${pad}" x2="${W - pad}" y1="${y(start)}" y2="${y(start)}" stroke="#c5cad6" stroke-dasharray="3 3"/>
<path d="${line}" fill="none" stroke="#1f6feb" stroke-width="2"/>
<path d="${area}" fill="#b3261e" fill-opacity="0.25" stroke="#b3261e" stroke-width="1"/>
<text x="4" y="${yd(ddMin) + 4}" font-size="10" fill="#b3261e">${usd(ddMin)}</text>
<text x="${W - pad}" y="${H - 4}" font-size="10" text-anchor="end" fill="#5b6478">trade #</text>
</svg>`;
}

/** The Monte Carlo fan: the 5th-95th percentile band of equity by trade and its median, 760 x 220 px. */
function fanSvg(mc: MonteCarloResult): string {
  const W = 760;
  const H = 220;
  const pad = 44;
  const f = mc.fan;
  const n = f.atTrade.length;
  if (n === 0) return '';
  const lo = Math.min(...f.p5);
  const hi = Math.max(...f.p95);
  const x = (i: number): number => pad + ((W - 2 * pad) * (f.atTrade[i]! / f.atTrade[n - 1]!));
  const y = (v: number): number => H - pad / 2 - ((H - pad) * (v - lo)) / (hi - lo || 1);
  const band = [...f.p95.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`), ...f.p5.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).reverse()].join(' ');
  const median = f.p50.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Monte Carlo equity fan">
<polygon points="${band}" fill="#2f6fde22" stroke="none"/><polyline points="${median}" fill="none" stroke="#2f6fde" stroke-width="1.5"/>
<text x="4" y="${y(hi).toFixed(1)}" font-size="10">${usd(hi)}</text><text x="4" y="${y(lo).toFixed(1)}" font-size="10">${usd(lo)}</text>
<text x="${W - pad}" y="${H - 4}" font-size="10" text-anchor="end">trade ${f.atTrade[n - 1]}</text></svg>`;
}
