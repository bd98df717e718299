/**
 * The workstation window: top bar (file, replay controls, market clock),
 * chart, levels side panel, status bar. React renders the chrome once per
 * frame at most; the chart itself is driven imperatively by the model, as
 * each event batch arrives (issue 6: tick to chart under 5 ms).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DataFileDTO, ReplaySpeedDTO, ReplayStatusDTO, TimeframeDTO } from '../../engine/contract';
import { ChartView } from './chart/ChartView';
import { ChartModel, oncePerFrame } from './chart/model';
import type { EngineClient, EngineLost } from './engine-client';
import { formatDateTime, formatMarketClock, formatPrice, formatVolume, formatVolumeCompact } from './format';
import { ApprovalQueue, ExecutionControls, KillSwitchPanel, PerformancePanel, PositionsPanel } from './execution-panels';
import { BattlePanel, GammaLegend, GammaPanel, SignalDetail, SignalsPanel } from './method-panels';
import { Panel } from './Panel';
import { BackupButton, Inspector, RecordedBar, SessionsView } from './sessions-view';
import { ConnectionsButton, ConnectionsView, LiveConfirm } from './connections';
import { ResearchView } from './research-view';
import { SettingsView } from './settings-view';
import { Ladder } from './ladder';
import { loadResumePoint, reopen, resumePointOf, saveResumePoint, type ResumePoint } from './resume';

const SPEEDS: readonly { speed: ReplaySpeedDTO; label: string }[] = [
  { speed: 1, label: '1x' },
  { speed: 5, label: '5x' },
  { speed: 25, label: '25x' },
  { speed: 100, label: '100x' },
  { speed: 'max', label: 'max' },
];
const TIMEFRAMES: readonly TimeframeDTO[] = ['1m', '5m', '15m', '1h'];

/** Re-renders after the model's updates, at most once per animation frame. */
function useModelFrame(model: ChartModel): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const frame = oncePerFrame(() => setN((x) => x + 1));
    const off = model.subscribe(frame.trigger);
    return () => {
      off();
      frame.cancel();
    };
  }, [model]);
  return n;
}

export function App({ client }: { client: EngineClient }) {
  const model = useMemo(() => new ChartModel((cb) => queueMicrotask(cb)), []);
  useModelFrame(model);
  const [error, setError] = useState<string | null>(null);
  /** The engine connection dropped: the panels show the state from before, and say so. */
  const [lost, setLost] = useState<EngineLost | null>(null);
  /** Where the replay was before this window loaded (a reload after an engine restart), offered while the engine is idle. */
  const [resumeOffer, setResumeOffer] = useState<ResumePoint | null>(() => loadResumePoint());
  const savedPoint = useRef<string | null>(null);
  const [sessionsOpen, setSessionsOpen] = useState(false);
  const [inspecting, setInspecting] = useState<string | null>(null);
  const [connectionsOpen, setConnectionsOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [researchOpen, setResearchOpen] = useState(false);
  const [domOpen, setDomOpen] = useState(true);
  const [confirmLive, setConfirmLive] = useState(false);

  useEffect(() => {
    const off = client.onEvents((b) => model.push(b));
    client.onClose((reason, code) => setLost({ reason, restarted: code === 1012 }));
    void client.api.getReplaySnapshot().then((s) => {
      model.load(s);
      if (s.status.state !== 'idle') setResumeOffer(null); // something is open already: nothing to offer
    });
    const readExecution = (): void => void client.api.getExecution().then((x) => model.setExecution(x));
    model.onExecutionGap = readExecution;
    readExecution();
    void client.api.getConnections().then((c) => {
      model.connections = c;
      model.request();
    });
    return off;
  }, [client, model]);

  const call = useCallback(async (fn: () => Promise<unknown>) => {
    try {
      setError(null);
      await fn();
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);

  const status = model.status;
  const playing = status?.state === 'playing' && lost === null;
  // Remember where the replay is, for a reload (only while connected: after a loss the last point stands).
  useEffect(() => {
    if (lost !== null || status === null) return;
    const point = resumePointOf(status);
    const text = point === null ? null : JSON.stringify(point);
    if (text === savedPoint.current || (point === null && status.state === 'idle' && resumeOffer !== null)) return;
    savedPoint.current = text;
    saveResumePoint(point);
  });
  // A live run follows the market: play, pause, step and speed do not apply.
  const canControl = lost === null && status !== null && status.state !== 'idle' && status.state !== 'loading' && !status.live;
  const recorded = status?.recorded ?? null;
  const timeZone = status?.timeZone ?? 'America/New_York';
  // A story belongs to the replay it was opened in.
  const runKey = `${status?.runId ?? ''}/${recorded?.sessionId ?? ''}`;
  useEffect(() => setInspecting(null), [runKey]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      // The kill switch answers everywhere, even in a text field.
      if (e.ctrlKey && e.shiftKey && (e.key === 'K' || e.key === 'k')) {
        e.preventDefault();
        void call(() => client.api.killSwitch('kill switch: Ctrl+Shift+K in the window'));
        return;
      }
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      if (e.key === ' ' && canControl) {
        e.preventDefault();
        void call(async () => model.setStatus(await (playing ? client.api.pause() : client.api.play())));
      } else if (e.key === 'ArrowRight' && canControl && !playing) {
        void call(async () => model.setStatus(await client.api.step()));
      } else if (e.key === 'ArrowLeft' && recorded !== null && !playing) {
        void call(() => client.api.stepBack());
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [call, canControl, client, playing, recorded]);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          MIA <span>Workstation</span>
        </div>
        <FilePicker client={client} onOpen={(path, timeframe, nqPath) => call(() => client.api.openReplay({ path, timeframe, ...(nqPath !== '' ? { nqPath } : {}) }))} />
        <button type="button" data-testid="open-sessions" onClick={() => setSessionsOpen(true)} title="Recorded sessions, backups and restore">
          Sessions
        </button>
        <button type="button" data-testid="open-research" onClick={() => setResearchOpen(true)} title="Research: sweeps and walk-forward of the settings on worker threads, with their reports">
          Research{model.research !== null && (model.research.state === 'preparing' || model.research.state === 'running') ? ` ${model.research.total === 0 ? 0 : Math.round((100 * model.research.done) / model.research.total)}%` : ''}
        </button>
        <ConnectionsButton c={model.connections} onOpen={() => setConnectionsOpen(true)} />
        <button type="button" className="icon-button" data-testid="open-settings" aria-label="Settings" title="Settings: risk limits, sizing, the simulated venue's costs" onClick={() => setSettingsOpen(true)}>
          ⚙
        </button>
        {/* A live run has no replay to control: the row keeps room for the clock. */}
        {status?.live !== true && (
          <div className="controls" role="group" aria-label="Replay controls">
            {recorded !== null && (
              <button type="button" data-testid="step-back-top" disabled={playing || recorded.bar === 0} onClick={() => void call(() => client.api.stepBack())} title="Step one bar back (←)">
                ◂ Back
              </button>
            )}
            <button type="button" data-testid="play" disabled={!canControl || playing || status?.state === 'ended'} onClick={() => void call(async () => model.setStatus(await client.api.play()))} title="Play (Space)">
              ▶<span className="label"> Play</span>
            </button>
            <button type="button" data-testid="pause" disabled={!playing} onClick={() => void call(async () => model.setStatus(await client.api.pause()))} title="Pause (Space)">
              ❚❚<span className="label"> Pause</span>
            </button>
            <button type="button" data-testid="step" disabled={!canControl || playing || status?.state === 'ended'} onClick={() => void call(async () => model.setStatus(await client.api.step()))} title="Step one bar (→)">
              <span className="label">Step </span>▸
            </button>
            <div className="speeds" role="radiogroup" aria-label="Replay speed">
              {SPEEDS.map((s) => (
                <button
                  key={String(s.speed)}
                  type="button"
                  role="radio"
                  aria-checked={status?.speed === s.speed}
                  data-testid={`speed-${s.label}`}
                  className={status?.speed === s.speed ? 'active' : ''}
                  disabled={!canControl}
                  onClick={() => void call(async () => model.setStatus(await client.api.setSpeed(s.speed)))}
                >
                  {s.label}
                </button>
              ))}
            </div>
          </div>
        )}
        <ExecutionControls x={model.execution} client={client} run={call} onLive={() => setConfirmLive(true)} />
        <BackupButton client={client} model={model} run={call} />
        <div className="clock" data-testid="market-clock" data-ts={status?.marketTs ?? ''} title="Replayed market time (US Eastern)">
          {status?.marketTs != null ? formatMarketClock(status.marketTs, status.timeZone) : '—'}
        </div>
      </header>
      {error !== null && (
        <div className="banner error" role="alert">
          {error}
          <button type="button" onClick={() => setError(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {lost !== null && (
        <div className="banner error" role="alert" data-testid="engine-lost-banner">
          {lost.restarted ? 'The engine was restarted' : 'Engine connection lost'}: {lost.reason}. What the window shows is from before.
          <button type="button" onClick={() => window.location.reload()}>
            Reconnect
          </button>
        </div>
      )}
      {lost === null && resumeOffer !== null && status?.state === 'idle' && (
        <div className="banner" role="status" data-testid="resume-offer">
          {resumeOffer.kind === 'file' ? `${resumeOffer.file} was open` : `Recorded session ${resumeOffer.sessionId} (run #${resumeOffer.runId}) was open`}
          {resumeOffer.atTs !== null ? ` at ${formatMarketClock(resumeOffer.atTs, timeZone)}` : ''} before the window reloaded.
          <button
            type="button"
            data-testid="reopen"
            onClick={() =>
              void call(async () => {
                await reopen(client.api, resumeOffer);
                model.load(await client.api.getReplaySnapshot());
                setResumeOffer(null);
              })
            }
          >
            Reopen it there
          </button>
          <button type="button" onClick={() => setResumeOffer(null)}>
            Dismiss
          </button>
        </div>
      )}
      <main className={`workspace${domOpen ? ' with-dom' : ''}`}>
        <section className="chart-column">
          <div className="chart-area">
            <ChartView model={model} timeZone={timeZone} onModifyOrder={recorded === null ? (id, price) => void call(() => client.api.modifyOrder(id, price)) : undefined}>
              <button type="button" className={domOpen ? 'active' : ''} data-testid="toggle-dom" aria-pressed={domOpen} title="The price ladder (DOM): orders by hand, Flatten, Cancel all, Reverse" onClick={() => setDomOpen((o) => !o)}>
                DOM
              </button>
            </ChartView>
            <GammaLegend gamma={model.gamma} />
            <SignalDetail model={model} timeZone={timeZone} onInspect={status?.runId != null ? setInspecting : undefined} />
            {inspecting !== null && <Inspector client={client} signalId={inspecting} marketTs={status?.marketTs ?? null} onClose={() => setInspecting(null)} timeZone={timeZone} />}
            {status?.state === 'idle' && <div className="empty-hint">Open a data file (Sierra Chart .scid, bar CSV or Sierra JSONL export) to replay it, or a recorded session from Sessions.</div>}
          </div>
          {recorded !== null && <RecordedBar client={client} rec={recorded} run={call} timeZone={timeZone} playing={playing} />}
        </section>
        {domOpen && <Ladder x={model.execution} client={client} run={call} active={lost === null && status !== null && status.state !== 'idle' && status.state !== 'loading'} recorded={recorded !== null} />}
        <aside className="side">
          <KillSwitchPanel x={model.execution} client={client} run={call} timeZone={status?.timeZone ?? 'America/New_York'} lost={lost} />
          <div className="side-scroll">
            <ApprovalQueue x={model.execution} client={client} run={call} marketTs={status?.marketTs ?? model.execution?.marketTs ?? null} />
            <PositionsPanel x={model.execution} recorded={recorded !== null} onFlattenBroker={() => void call(() => client.api.flattenAtBroker())} onSetStartingEquity={(usd) => void call(() => client.api.setStartingEquity(usd))} onAdopt={(req) => void call(() => client.api.adoptBrokerPosition(req))} />
            <PerformancePanel x={model.execution} timeZone={timeZone} onInspect={status?.runId != null ? setInspecting : undefined} />
            <BattlePanel model={model} />
            <SignalsPanel model={model} timeZone={status?.timeZone ?? 'America/New_York'} />
            <GammaPanel model={model} client={client} onError={setError} />
            <LevelsPanel model={model} timeZone={timeZone} />
            <SessionsPanel model={model} />
            <RejectionsPanel model={model} />
          </div>
        </aside>
      </main>
      <StatusBar status={status} shell={client.shell} lost={lost} />
      {connectionsOpen && <ConnectionsView client={client} model={model} run={call} onClose={() => setConnectionsOpen(false)} timeZone={timeZone} />}
      {confirmLive && (
        <LiveConfirm
          account={model.connections?.account ?? null}
          onCancel={() => setConfirmLive(false)}
          onConfirm={(typed) => {
            setConfirmLive(false);
            void call(() => client.api.setMode('LIVE', typed));
          }}
        />
      )}
      {settingsOpen && <SettingsView client={client} onClose={() => setSettingsOpen(false)} timeZone={timeZone} />}
      {researchOpen && <ResearchView client={client} job={model.research} defaultPath={status?.file ?? ''} onClose={() => setResearchOpen(false)} />}
      {sessionsOpen && <SessionsView client={client} model={model} run={call} onClose={() => setSessionsOpen(false)} timeZone={timeZone} />}
    </div>
  );
}

/**
 * The data file to replay, its timeframe and, behind "NQ", an NQ bar file
 * over the same times for the method's ES/NQ correlation (issue 17, item 10;
 * neutral without one).
 */
function FilePicker({ client, onOpen }: { client: EngineClient; onOpen: (path: string, timeframe: TimeframeDTO, nqPath: string) => Promise<void> }) {
  const [files, setFiles] = useState<DataFileDTO[]>([]);
  const [path, setPath] = useState('');
  const [nq, setNq] = useState('');
  const [timeframe, setTimeframe] = useState<TimeframeDTO>('1m');
  useEffect(() => {
    void client.api.listDataFiles().then(setFiles, () => setFiles([]));
  }, [client]);
  const browse = async (): Promise<void> => {
    const picked = await client.bridge?.openDataFile();
    if (picked != null) {
      setPath(picked);
      await onOpen(picked, timeframe, nq.trim());
    }
  };
  return (
    <form
      className="file-picker"
      onSubmit={(e) => {
        e.preventDefault();
        if (path.trim() !== '') void onOpen(path.trim(), timeframe, nq.trim());
      }}
    >
      <select aria-label="Data files" title="The data folder's files" data-testid="data-files" value="" onChange={(e) => e.target.value !== '' && setPath(e.target.value)}>
        <option value="">Files ({files.length})…</option>
        {files.map((f) => (
          <option key={f.path} value={f.path}>
            {f.name} · {f.format.toUpperCase()} · {(f.bytes / 1024).toFixed(0)} KB
          </option>
        ))}
      </select>
      <input aria-label="Data file path" data-testid="file-path" placeholder="Path to .scid, .csv or .jsonl" value={path} onChange={(e) => setPath(e.target.value)} spellCheck={false} />
      <select aria-label="Bar timeframe for tick files" data-testid="timeframe" value={timeframe} onChange={(e) => setTimeframe(e.target.value as TimeframeDTO)} title="Bars built from ticks">
        {TIMEFRAMES.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <details className="nq-option" data-testid="nq-option">
        <summary title="An NQ bar file over the same times, for the method's ES/NQ correlation (neutral without one)">{nq.trim() === '' ? 'NQ' : 'NQ ✓'}</summary>
        <div className="popover">
          <label>
            NQ bar file for the ES/NQ correlation
            <input aria-label="NQ bar file" data-testid="nq-path" placeholder="Path to an NQ .csv or .jsonl (optional)" value={nq} onChange={(e) => setNq(e.target.value)} spellCheck={false} />
          </label>
          <p className="muted small">Same times and timeframe as the data file, or finer. Opened with the next Open.</p>
        </div>
      </details>
      {client.bridge !== null && (
        <button type="button" onClick={() => void browse()}>
          Browse…
        </button>
      )}
      <button type="submit" data-testid="open-file" disabled={path.trim() === ''}>
        Open
      </button>
    </form>
  );
}

function LevelsPanel({ model, timeZone }: { model: ChartModel; timeZone: string }) {
  const { levels: l, ts } = model.levelsAtCursor();
  const rows: [string, number | null | undefined, string][] = [
    ['VWAP', l?.vwap, 'vwap'],
    ['POC', l?.poc, 'poc'],
    ['VAH', l?.vah, 'va'],
    ['VAL', l?.val, 'va'],
    ['pPOC', l?.pPoc, 'prev'],
    ['pVAH', l?.pVah, 'prev'],
    ['pVAL', l?.pVal, 'prev'],
    ['Session high', l?.sessionHigh, ''],
    ['Session low', l?.sessionLow, ''],
  ];
  const vwap = l?.vwap ?? null;
  const sigma = l?.vwapSigma ?? null;
  return (
    <Panel title={`Levels${l !== null ? ` · ${l.sessionId}` : ''}${ts !== null ? ` · at ${formatDateTime(ts, timeZone)}` : ''}`}>
      <table className="levels" data-testid="levels-panel" data-at={ts ?? ''}>
        <tbody>
          {rows.map(([name, v, cls]) => (
            <tr key={name}>
              <th>{name}</th>
              <td className={cls}>{formatPrice(v)}</td>
            </tr>
          ))}
          {[1, 2, 3].map((k) => (
            <tr key={`band${k}`}>
              <th>VWAP ±{k}σ</th>
              <td className="band">{vwap === null || sigma === null ? '—' : `${formatPrice(vwap + k * sigma)} / ${formatPrice(vwap - k * sigma)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function SessionsPanel({ model }: { model: ChartModel }) {
  const sessions = model.sessions.slice(-6).reverse();
  return (
    <Panel title="Closed sessions">
      {sessions.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <table className="sessions">
          <thead>
            <tr>
              <th>Session</th>
              <th>POC</th>
              <th>VAH</th>
              <th>VAL</th>
              <th>Volume</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={`${s.kind}${s.id}`}>
                <td title={s.id}>{s.id.slice(5)}</td>
                <td>{formatPrice(s.poc)}</td>
                <td>{formatPrice(s.vah)}</td>
                <td>{formatPrice(s.val)}</td>
                <td>{formatVolumeCompact(s.volume)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function RejectionsPanel({ model }: { model: ChartModel }) {
  const total = model.status?.rejected ?? 0;
  if (total === 0 && model.alerts.length === 0) return null;
  return (
    <Panel title={`Rejected records · ${total}`}>
      <ul className="rejections">
        {model.rejections.slice(0, 8).map((r, i) => (
          <li key={i} data-testid="rejection">
            {r.message}
          </li>
        ))}
        {model.alerts.map((a, i) => (
          <li key={`a${i}`} className={a.level}>
            {a.message}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function StatusBar({ status, shell, lost }: { status: ReplayStatusDTO | null; shell: string; lost: EngineLost | null }) {
  const reasons = Object.entries(status?.rejectedByReason ?? {})
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return (
    <footer className="statusbar">
      <span data-testid="status-feed">
        {status?.recorded != null ? `Recorded session ${status.recorded.sessionId} · run #${status.recorded.runId} · ` : ''}
        {status?.file != null ? (status.live ? `${status.file} (live, ${status.timeframe})` : `${status.file} (${status.format?.toUpperCase()}, ${status.timeframe})`) : 'No feed'}
        {status?.nqPath != null ? ` · NQ ${status.nqPath.split(/[\\/]/).pop() ?? ''}` : ''}
      </span>
      {lost !== null ? (
        // Never PLAYING over a dead run.
        <span data-testid="replay-state" className="state error" data-lost="true">
          {lost.restarted ? 'engine restarted' : 'engine stopped'}
        </span>
      ) : (
        <span data-testid="replay-state" className={`state ${status?.state ?? 'idle'}`}>
          {status?.state ?? 'connecting'}
        </span>
      )}
      <span>{status?.marketTs != null ? formatMarketClock(status.marketTs, status.timeZone) : '—'}</span>
      <span data-testid="status-bars">{formatVolume(status?.barsProcessed ?? 0)} bars</span>
      <span data-testid="status-rate">{formatVolume(status?.barsPerSecond ?? 0)} bars/s</span>
      <span data-testid="status-signals">{status?.signals ?? 0} signals</span>
      <span data-testid="status-rejected" title={reasons}>
        {status?.rejected ?? 0} rejected
      </span>
      <span className="muted">{shell === 'electron' ? 'desktop' : 'headless shell'}</span>
      {status?.error != null && <span className="error">{status.error}</span>}
    </footer>
  );
}

