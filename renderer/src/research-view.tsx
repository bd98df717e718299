/**
 * The Research view (issue 19): a sweep or a walk-forward of the trader's
 * saved settings over a data file, a folder or a glob of contract files, run
 * by the engine on worker threads. The form names the settings to vary with
 * their ranges; the job shows its progress and can be cancelled (the runs
 * done are kept); the results table sorts by any column; the best
 * configuration comes with its deflated Sharpe ratio and the sweep's
 * probability of backtest overfitting; the report opens in the window and
 * saves as one HTML file.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ResearchJobDTO, ResearchMetricDTO, ResearchRequest, ResearchRunDTO, ResearchStateDTO, TimeframeDTO } from '../../engine/contract';
import type { EngineClient } from './engine-client';
import { useEscape } from './escape';
import { formatUsd } from './format';
import { put } from './settings-view';

/** A parameter row as typed. */
interface ParamRow {
  path: string;
  from: string;
  to: string;
  step: string;
}

const METRIC_LABELS: Record<ResearchMetricDTO, string> = {
  netPnlUsd: 'net USD',
  profitFactor: 'profit factor',
  sharpe: 'Sharpe/trade',
  sharpeAnnual: 'Sharpe/yr',
  sortinoAnnual: 'Sortino/yr',
  calmar: 'Calmar',
  winRate: 'win rate',
  maxDrawdownUsd: 'max DD',
  trades: 'trades',
};
const COLUMNS: readonly ResearchMetricDTO[] = ['trades', 'netPnlUsd', 'profitFactor', 'winRate', 'sharpe', 'sharpeAnnual', 'sortinoAnnual', 'calmar', 'maxDrawdownUsd'];

const f2 = (x: number | null): string => (x === null ? '–' : x.toFixed(2));
const cell = (r: ResearchRunDTO, m: ResearchMetricDTO): string =>
  m === 'netPnlUsd' || m === 'maxDrawdownUsd' ? formatUsd(r[m]) : m === 'trades' ? String(r.trades) : m === 'winRate' ? (r.winRate === null ? '–' : `${(100 * r.winRate).toFixed(0)}%`) : f2(r[m]);

/** The values a row names: from..to by step (as the engine counts them), or null when it does not parse. */
function countOf(row: ParamRow): number | null {
  const [a, b, s] = [Number(row.from), Number(row.to), Number(row.step)];
  if (![a, b, s].every(Number.isFinite) || row.from.trim() === '' || row.to.trim() === '' || !(s > 0) || b < a) return null;
  return Math.floor((b - a) / s + 1e-9) + 1;
}

/** Unix ms of a YYYY-MM-DD day's start (UTC), or undefined when empty. */
const dayMs = (s: string): number | undefined => (s.trim() === '' ? undefined : Date.parse(`${s}T00:00:00Z`));

/** The Research view (module header). */
export function ResearchView({ client, job, defaultPath, onClose }: { client: EngineClient; job: ResearchJobDTO | null; defaultPath: string; onClose: () => void }) {
  useEscape(onClose);
  const [state, setState] = useState<ResearchStateDTO | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [path, setPath] = useState(defaultPath);
  const [timeframe, setTimeframe] = useState<TimeframeDTO>('1m');
  const [timeZone, setTimeZone] = useState('America/New_York');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [kind, setKind] = useState<'sweep' | 'walk-forward'>('sweep');
  const [inSessions, setInSessions] = useState('6');
  const [outSessions, setOutSessions] = useState('2');
  const [random, setRandom] = useState('');
  const [metric, setMetric] = useState<ResearchMetricDTO>('netPnlUsd');
  const [workers, setWorkers] = useState('');
  const [rows, setRows] = useState<ParamRow[]>([]);
  const [sort, setSort] = useState<{ by: ResearchMetricDTO | 'id'; desc: boolean }>({ by: 'netPnlUsd', desc: true });
  const [report, setReport] = useState<string | null>(null);
  const [reportBusy, setReportBusy] = useState(false);
  /** The values to take into the trader's settings (the best of a sweep, a walk-forward's last choice), with the reason, while asked. */
  const [applying, setApplying] = useState<{ values: Record<string, number>; reason: string } | null>(null);
  const [applied, setApplied] = useState<string | null>(null);

  useEffect(() => {
    void client.api.getResearch().then(
      (s) => {
        setState(s);
        const first = s.parameters.find((p) => p.path === 'risk.maxRiskPerTradeUsd') ?? s.parameters[0];
        if (first !== undefined) setRows([{ path: first.path, from: String(first.value ?? 1), to: String((first.value ?? 1) * 3), step: String(first.value ?? 1) }]);
      },
      (e: Error) => setError(e.message),
    );
  }, [client]);

  // The newest of what the engine said (events) and what the view asked for.
  const shown = [job, state?.job ?? null].reduce<ResearchJobDTO | null>((a, b) => (b !== null && (a === null || b.id > a.id || (b.id === a.id && b.endedAt !== null)) ? b : a), null);
  const running = shown !== null && (shown.state === 'preparing' || shown.state === 'running');
  const total = rows.reduce<number | null>((acc, r) => (acc === null ? null : countOf(r) === null ? null : acc * countOf(r)!), 1);

  const start = async (): Promise<void> => {
    setError(null);
    setReport(null);
    const parameters: ResearchRequest['parameters'] = {};
    for (const r of rows) parameters[r.path] = { from: Number(r.from), to: Number(r.to), step: Number(r.step) };
    const req: ResearchRequest = {
      kind,
      path: path.trim(),
      timeframe,
      timeZone: timeZone.trim(),
      parameters,
      metric,
      ...(dayMs(from) === undefined ? {} : { fromTs: dayMs(from)! }),
      ...(dayMs(to) === undefined ? {} : { toTs: dayMs(to)! }),
      ...(random.trim() === '' ? {} : { random: { count: Number(random), seed: 1 } }),
      ...(workers.trim() === '' ? {} : { workers: Number(workers) }),
      ...(kind === 'walk-forward' ? { walkForward: { inSessions: Number(inSessions), outSessions: Number(outSessions) } } : {}),
    };
    try {
      const j = await client.api.startResearch(req);
      setState((s) => (s === null ? s : { ...s, job: j }));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const sorted = useMemo(() => {
    const runs = [...(shown?.runs ?? [])];
    const key = (r: ResearchRunDTO): number => (sort.by === 'id' ? r.id : (r[sort.by] ?? Number.NEGATIVE_INFINITY));
    return runs.sort((a, b) => (sort.desc ? key(b) - key(a) : key(a) - key(b)) || a.id - b.id);
  }, [shown, sort]);
  const names = Object.keys(shown?.runs[0]?.values ?? {});

  const openReport = async (): Promise<void> => {
    setReportBusy(true);
    setError(null);
    try {
      setReport(await client.api.getResearchReport());
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setReportBusy(false);
    }
  };
  /** What the job says to trade next: a sweep's best, a walk-forward's last window's choice. */
  const chosen = (j: ResearchJobDTO): { id: number; values: Record<string, number> } | null => {
    if (j.kind === 'walk-forward') {
      const last = j.walkForward?.windows.at(-1);
      return last === undefined ? null : { id: last.chosen.id, values: last.chosen.values };
    }
    const best = j.runs.find((r) => r.id === j.bestId);
    return best === undefined ? null : { id: best.id, values: best.values };
  };
  /** Saves the values into the trader's settings, through the same checks and journal as the Settings view. */
  const apply = async (): Promise<void> => {
    if (applying === null) return;
    setError(null);
    setApplied(null);
    try {
      const now = await client.api.getSettings();
      const doc = JSON.parse(JSON.stringify(now.settings)) as typeof now.settings;
      for (const [path, value] of Object.entries(applying.values)) put(doc, path, value);
      const d = await client.api.setSettings({ settings: doc, reason: applying.reason, who: 'trader' });
      setApplied(d.dailyLossLimitInForceUsd === null ? 'Saved in your settings.' : `Saved. The raised daily loss limit takes effect at the next session; ${d.dailyLossLimitInForceUsd} USD until then.`);
      setApplying(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const saveReport = (): void => {
    if (report === null) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([report], { type: 'text/html' }));
    a.download = `mia-${shown?.kind ?? 'research'}-${shown?.id ?? 0}.html`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const header = (by: ResearchMetricDTO | 'id', label: string) => (
    <th key={by} className="sortable" aria-sort={sort.by === by ? (sort.desc ? 'descending' : 'ascending') : 'none'} data-testid={`sort-${by}`} onClick={() => setSort((s) => ({ by, desc: s.by === by ? !s.desc : true }))}>
      {label}
      {sort.by === by ? (sort.desc ? ' ▾' : ' ▴') : ''}
    </th>
  );

  return (
    <div className="overlay" role="dialog" aria-label="Research" data-testid="research-view">
      <div className="overlay-body research-body">
        <header className="overlay-head">
          <h2>Research</h2>
          <button type="button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {state === null ? (
          <p className="muted">{error ?? 'Loading…'}</p>
        ) : (
          <>
            <form
              className="research-form"
              onSubmit={(e) => {
                e.preventDefault();
                void start();
              }}
            >
              <div className="research-row">
                <label className="grow">
                  Data (file, folder or glob)
                  <input data-testid="research-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="C:\SierraChart\Data\ES?2?-CME*.txt" />
                </label>
                <label>
                  Bars
                  <select value={timeframe} onChange={(e) => setTimeframe(e.target.value as TimeframeDTO)}>
                    {(['1m', '5m', '15m', '1h'] as const).map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Zone of the file's times
                  <input value={timeZone} onChange={(e) => setTimeZone(e.target.value)} size={16} />
                </label>
                <label>
                  From (UTC day)
                  <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
                </label>
                <label>
                  To
                  <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
                </label>
              </div>
              <table className="research-params" data-testid="research-params">
                <thead>
                  <tr>
                    <th>Setting to vary</th>
                    <th>from</th>
                    <th>to</th>
                    <th>step</th>
                    <th>values</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r, i) => (
                    <tr key={i}>
                      <td>
                        <select data-testid={`param-path-${i}`} value={r.path} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, path: e.target.value } : x)))}>
                          {state.parameters.map((p) => (
                            <option key={p.path} value={p.path}>
                              {p.path} {p.value === null ? '(off)' : `(${p.value})`}
                            </option>
                          ))}
                        </select>
                      </td>
                      {(['from', 'to', 'step'] as const).map((k) => (
                        <td key={k}>
                          <input data-testid={`param-${k}-${i}`} inputMode="decimal" size={7} value={r[k]} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, [k]: e.target.value } : x)))} />
                        </td>
                      ))}
                      <td className={countOf(r) === null ? 'error' : ''}>{countOf(r) ?? 'bad range'}</td>
                      <td>
                        <button type="button" className="link" aria-label="Remove" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                          ×
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="research-row">
                <button type="button" data-testid="add-param" disabled={rows.length >= 8} onClick={() => setRows([...rows, { path: state.parameters[0]?.path ?? '', from: '', to: '', step: '1' }])}>
                  + Setting
                </button>
                <label>
                  Search
                  <input data-testid="research-random" placeholder="every combination" size={14} value={random} onChange={(e) => setRandom(e.target.value)} title="A number: that many distinct combinations drawn at random (seeded); empty: the whole grid" />
                </label>
                <label>
                  Rank by
                  <select data-testid="research-metric" value={metric} onChange={(e) => setMetric(e.target.value as ResearchMetricDTO)}>
                    {state.metrics.map((m) => (
                      <option key={m} value={m}>
                        {METRIC_LABELS[m]}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  Workers
                  <input size={3} placeholder={String(state.workers)} value={workers} onChange={(e) => setWorkers(e.target.value)} />
                </label>
                <label>
                  <input type="radio" name="research-kind" checked={kind === 'sweep'} onChange={() => setKind('sweep')} /> Sweep
                </label>
                <label>
                  <input type="radio" name="research-kind" data-testid="kind-walk-forward" checked={kind === 'walk-forward'} onChange={() => setKind('walk-forward')} /> Walk-forward
                </label>
                {kind === 'walk-forward' && (
                  <>
                    <label>
                      In-sample
                      <input size={4} value={inSessions} onChange={(e) => setInSessions(e.target.value)} /> sessions
                    </label>
                    <label>
                      then out-of-sample
                      <input size={4} value={outSessions} onChange={(e) => setOutSessions(e.target.value)} /> sessions
                    </label>
                  </>
                )}
                <span className="muted" data-testid="research-count">
                  {total === null ? '' : `${random.trim() === '' ? total : Math.min(total, Number(random) || 0)} configuration(s)`}
                </span>
                <button type="submit" className="primary" data-testid="research-run" disabled={running || rows.length === 0 || total === null || path.trim() === ''}>
                  Run
                </button>
              </div>
            </form>
            {error !== null && (
              <p className="error" role="alert" data-testid="research-error">
                {error}
              </p>
            )}
            {shown !== null && (
              <section className="research-job" data-testid="research-job" data-state={shown.state} data-done={shown.done} data-total={shown.total}>
                <div className="research-row">
                  <b>
                    {shown.kind === 'sweep' ? 'Sweep' : 'Walk-forward'} #{shown.id}
                  </b>
                  <span>
                    {shown.state === 'preparing'
                      ? 'reading the data once (bars, VWAP, profile)…'
                      : shown.state === 'running'
                        ? `${shown.done} / ${shown.total} backtests on ${shown.workers} worker(s)`
                        : shown.state === 'failed'
                          ? `failed: ${shown.message ?? ''}`
                          : `${shown.state}: ${shown.runs.length} run(s) in ${(((shown.endedAt ?? shown.startedAt) - shown.startedAt) / 1000).toFixed(1)} s`}
                  </span>
                  {running && (
                    <>
                      <div className="progress research-progress" aria-label="Research progress" role="progressbar" aria-valuenow={shown.done} aria-valuemax={shown.total}>
                        <div style={{ width: `${shown.total === 0 ? 0 : Math.round((100 * shown.done) / shown.total)}%` }} />
                      </div>
                      <button type="button" data-testid="research-cancel" onClick={() => void client.api.cancelResearch().catch((e: Error) => setError(e.message))}>
                        Cancel
                      </button>
                    </>
                  )}
                  {!running && shown.bestId !== null && (
                    <button type="button" data-testid="research-report" disabled={reportBusy} onClick={() => void openReport()}>
                      {reportBusy ? 'Running the best…' : 'Open report'}
                    </button>
                  )}
                  {!running && chosen(shown) !== null && (
                    <button
                      type="button"
                      data-testid="research-apply"
                      title="Put these values in your settings (journaled with a reason; a loosened limit is refused while a position or an order is open)"
                      onClick={() => {
                        const c = chosen(shown)!;
                        setApplied(null);
                        setApplying({ values: c.values, reason: `research: ${shown.kind} #${shown.id}, ${shown.kind === 'sweep' ? 'best' : "last window's choice"} #${c.id} by ${METRIC_LABELS[shown.metric]}` });
                      }}
                    >
                      Use in my settings…
                    </button>
                  )}
                  {applied !== null && (
                    <span className="muted" data-testid="research-applied">
                      {applied}
                    </span>
                  )}
                </div>
                {applying !== null && (
                  <div className="research-row research-apply" data-testid="research-apply-confirm">
                    <span>
                      Set{' '}
                      {Object.entries(applying.values)
                        .map(([k, v]) => `${k} ${v}`)
                        .join(', ')}{' '}
                      in your settings?
                    </span>
                    <label className="grow">
                      Reason (journaled)
                      <input data-testid="research-apply-reason" value={applying.reason} onChange={(e) => setApplying({ ...applying, reason: e.target.value })} />
                    </label>
                    <button type="button" className="primary" data-testid="research-apply-save" disabled={applying.reason.trim() === ''} onClick={() => void apply()}>
                      Save
                    </button>
                    <button type="button" onClick={() => setApplying(null)}>
                      Cancel
                    </button>
                  </div>
                )}
                {shown.bestId !== null && (
                  <p data-testid="research-verdict">
                    {shown.kind === 'sweep' ? `Best by ${METRIC_LABELS[shown.metric]}` : `Last window's choice by ${METRIC_LABELS[shown.metric]}`}: #{shown.bestId}
                    {shown.kind === 'sweep' && (
                      <>
                        {' '}
                        · deflated Sharpe <b>{f2(shown.deflatedSharpe)}</b> · probability of backtest overfitting <b>{shown.pbo === null ? '–' : `${(100 * shown.pbo).toFixed(0)}%`}</b>
                      </>
                    )}
                    {shown.walkForward !== null && (
                      <>
                        {' '}
                        · out-of-sample net <b>{formatUsd(shown.walkForward.outOfSampleNetUsd)}</b> over {shown.walkForward.equity.length} sessions · walk-forward efficiency <b>{f2(shown.walkForward.efficiency)}</b>
                      </>
                    )}
                  </p>
                )}
                {shown.walkForward !== null && shown.walkForward.windows.length > 0 && (
                  <table className="research-table" data-testid="research-windows">
                    <thead>
                      <tr>
                        <th>in-sample</th>
                        <th>out-of-sample</th>
                        {names.map((n) => (
                          <th key={n}>{n}</th>
                        ))}
                        <th>in-sample net</th>
                        <th>OOS net</th>
                        <th>OOS trades</th>
                      </tr>
                    </thead>
                    <tbody>
                      {shown.walkForward.windows.map((w) => (
                        <tr key={w.inFrom}>
                          <td>
                            {w.inFrom} … {w.inTo}
                          </td>
                          <td>
                            {w.outFrom} … {w.outTo}
                          </td>
                          {names.map((n) => (
                            <td key={n}>{w.chosen.values[n]}</td>
                          ))}
                          <td>{formatUsd(w.chosen.netPnlUsd)}</td>
                          <td>{formatUsd(w.outOfSample.netPnlUsd)}</td>
                          <td>{w.outOfSample.trades}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {/* A walk-forward's runs are its windows' choices, listed above. */}
                {sorted.length > 0 && shown.kind === 'sweep' && (
                  <div className="research-scroll">
                    <table className="research-table" data-testid="research-results">
                      <thead>
                        <tr>
                          {header('id', '#')}
                          {names.map((n) => (
                            <th key={n}>{n}</th>
                          ))}
                          {COLUMNS.map((m) => header(m, METRIC_LABELS[m]))}
                        </tr>
                      </thead>
                      <tbody>
                        {sorted.map((r) => (
                          <tr key={r.id} className={r.id === shown.bestId ? 'best' : ''} data-id={r.id}>
                            <td>{r.id}</td>
                            {names.map((n) => (
                              <td key={n}>{r.values[n]}</td>
                            ))}
                            {COLUMNS.map((m) => (
                              <td key={m} className={m === 'netPnlUsd' ? (r.netPnlUsd > 0 ? 'pos' : r.netPnlUsd < 0 ? 'neg' : '') : ''}>
                                {cell(r, m)}
                              </td>
                            ))}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>
            )}
          </>
        )}
      </div>
      {report !== null && (
        <div className="overlay report-overlay" role="dialog" aria-label="Research report" data-testid="research-report-view">
          <div className="overlay-body report-body">
            <header className="overlay-head">
              <h2>Report</h2>
              <span>
                <button type="button" className="save" data-testid="research-report-save" onClick={saveReport}>
                  Save HTML…
                </button>
                <button type="button" aria-label="Close report" onClick={() => setReport(null)}>
                  ×
                </button>
              </span>
            </header>
            {/* The report is a page of its own, without script: sandboxed, it can do nothing in the window. */}
            <iframe title="Research report" sandbox="" srcDoc={report} data-testid="research-report-frame" />
          </div>
        </div>
      )}
    </div>
  );
}
