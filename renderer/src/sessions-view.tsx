/**
 * Issue 5 in the window: the Sessions view (every recorded session of the
 * journal, with the backups and restore), the recorded-session replay bar
 * (step back, the timeline scrubber with its signal, trade and alert ticks,
 * previous/next signal and trade), the snapshot inspector, and the one-click
 * Backup button of the top bar. Every action is one engine RPC.
 *
 * No look-ahead: the chart only holds what the engine replayed up to the
 * cursor; the timeline's ticks give a time and a kind, never a side, price
 * or outcome; the inspector asks the engine for a signal's story as known at
 * the cursor.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { BackupStateDTO, MethodDecisionDataDTO, RecordedSessionDTO, RecordedStatusDTO, RegimeStateDTO, SignalLevelsDTO, SignalStoryDTO, SnapshotDTO, TimelineDTO, TimelineMarkDTO } from '../../engine/contract';
import type { ChartModel } from './chart/model';
import type { EngineClient } from './engine-client';
import { formatDateTime, formatHourMinute, formatPrice, formatScore, formatTicks, formatUsd } from './format';
import { useEscape } from './escape';

type Run = (fn: () => Promise<unknown>) => Promise<void>;

const num = (x: unknown, digits = 2): string => (typeof x !== 'number' || !Number.isFinite(x) ? '—' : x.toFixed(digits));
const kib = (b: number): string => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${Math.max(1, Math.round(b / 1024))} KiB`);
/** A POSITION_UPDATE snapshot. */
type PositionUpdateSnapshot = Extract<SnapshotDTO, { kind: 'POSITION_UPDATE' }>;
const basename = (p: string): string => p.split(/[\\/]/).pop() ?? p;

// ------------------------------------------------------------------ sessions view

/** The Sessions view: recorded sessions to open, and the backups to restore. */
export function SessionsView({ client, model, run, onClose, timeZone }: { client: EngineClient; model: ChartModel; run: Run; onClose: () => void; timeZone: string }) {
  const [sessions, setSessions] = useState<RecordedSessionDTO[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const restoredAt = model.restored?.ms;
  useEffect(() => {
    client.api.listSessions().then(
      (s) => {
        setSessions(s);
        setError(null);
      },
      (e: unknown) => setError((e as Error).message),
    );
  }, [client, restoredAt]);
  useEscape(onClose);
  return (
    <div className="overlay" role="dialog" aria-label="Recorded sessions" data-testid="sessions-view">
      <div className="overlay-body">
        <header className="overlay-head">
          <h2>Recorded sessions</h2>
          <button type="button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {error !== null && <p className="error">The journal cannot be read: {error}. Restore a backup below.</p>}
        {sessions === null && error === null && <p className="muted">Loading…</p>}
        {sessions !== null && sessions.length === 0 && <p className="muted">No session recorded yet: replay or backtest a data file first.</p>}
        {sessions !== null && sessions.length > 0 && (
          <div className="table-scroll">
            <table className="sessions-table" data-testid="sessions-table">
              <thead>
                <tr>
                  <th>Date</th>
                  <th>Source</th>
                  <th>Run</th>
                  <th>Mode</th>
                  <th>Bars</th>
                  <th>Signals</th>
                  <th>Trades</th>
                  <th>Net P&amp;L</th>
                  <th>Alerts</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {sessions.map((s) => (
                  <tr key={`${s.runId}/${s.sessionId}`} data-session={`${s.runId}/${s.sessionId}`}>
                    <td>
                      {s.sessionId}
                      {s.partial && (
                        <span className="badge partial" data-testid="session-partial" title="The engine stopped during this run: the session is cut short at its last journaled bar">
                          {' '}
                          partial
                        </span>
                      )}
                    </td>
                    <td title={s.source}>{basename(s.source)}</td>
                    <td title={`recorded ${formatDateTime(s.recordedAt, timeZone)} · ${s.runStatus}`}>
                      #{s.runId} {s.runKind}
                    </td>
                    <td>
                      {s.mode ?? '—'}
                      {s.execution !== null ? ` · ${s.execution}` : ''}
                    </td>
                    <td>{s.bars}</td>
                    <td>{s.signals}</td>
                    <td>{s.trades}</td>
                    <td className={s.netPnlUsd > 0 ? 'pos' : s.netPnlUsd < 0 ? 'neg' : ''}>{s.trades === 0 ? '—' : formatUsd(s.netPnlUsd)}</td>
                    <td>{s.alerts}</td>
                    <td>
                      <button
                        type="button"
                        data-testid="open-session"
                        onClick={() =>
                          void run(async () => {
                            await client.api.openSession({ runId: s.runId, sessionId: s.sessionId });
                            onClose();
                          })
                        }
                      >
                        Open
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <BackupsSection client={client} model={model} run={run} timeZone={timeZone} />
      </div>
    </div>
  );
}

/** Archives in the backup folder with Restore, the retention and the daily schedule. */
function BackupsSection({ client, model, run, timeZone }: { client: EngineClient; model: ChartModel; run: Run; timeZone: string }) {
  const [state, setState] = useState<BackupStateDTO | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [other, setOther] = useState('');
  const done = model.backup?.phase === 'done' ? model.backup.archive : null;
  const restoredAt = model.restored?.ms;
  useEffect(() => {
    void client.api.getBackups().then(setState, () => setState(null));
  }, [client, done, restoredAt]);
  const restore = (path: string): void =>
    void run(async () => {
      setConfirm(null);
      await client.api.restore(path);
      setState(await client.api.getBackups());
    });
  return (
    <section className="backups" data-testid="backups">
      <h3>Backups</h3>
      {state !== null && (
        <p className="muted small">
          {state.folder} · keeps the newest{' '}
          <select aria-label="Archives kept" value={state.keep} onChange={(e) => void run(async () => setState(await client.api.setBackupSettings({ keep: Number(e.target.value) })))}>
            {[3, 5, 7, 10, 14, 30].map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>{' '}
          ·{' '}
          <label>
            <input type="checkbox" checked={state.daily} onChange={(e) => void run(async () => setState(await client.api.setBackupSettings({ daily: e.target.checked })))} /> daily backup
          </label>
          {state.lastBackupAt !== null && ` · last ${formatDateTime(state.lastBackupAt, timeZone)}`}
        </p>
      )}
      {model.restored !== null && (
        <p className="ok small" data-testid="restored">
          Restored {basename(model.restored.archive)} in {model.restored.ms} ms; the replaced journal is kept as {model.restored.replacedKeptAt === null ? '—' : basename(model.restored.replacedKeptAt)}. The kill switch is HALTED until you reset it.
        </p>
      )}
      {state !== null && state.archives.length === 0 && <p className="muted">No archive yet.</p>}
      <ul className="archives">
        {state?.archives.map((a) => (
          <li key={a.path} data-archive={a.name}>
            <span title={a.path}>{formatDateTime(a.createdAt, timeZone)}</span>
            <span className="muted">{kib(a.bytes)}</span>
            {confirm === a.path ? (
              <>
                <button type="button" className="danger" data-testid="confirm-restore" onClick={() => restore(a.path)}>
                  Replace the journal with this backup
                </button>
                <button type="button" onClick={() => setConfirm(null)}>
                  Cancel
                </button>
              </>
            ) : (
              <button type="button" data-testid="restore" onClick={() => setConfirm(a.path)} title="Checks the archive first; the current journal is kept in the backup folder">
                Restore…
              </button>
            )}
          </li>
        ))}
      </ul>
      <form
        className="restore-other"
        onSubmit={(e) => {
          e.preventDefault();
          if (other.trim() !== '') restore(other.trim());
        }}
      >
        <input aria-label="Archive path" placeholder="Restore another archive: path to mia-backup-….zip" value={other} onChange={(e) => setOther(e.target.value)} spellCheck={false} />
        <button type="submit" disabled={other.trim() === ''}>
          Restore
        </button>
      </form>
    </section>
  );
}

/** The top bar's one-click backup, with its progress and the resulting file. */
export function BackupButton({ client, model, run }: { client: EngineClient; model: ChartModel; run: Run }) {
  const b = model.backup;
  const busy = b !== null && (b.phase === 'copying' || b.phase === 'compressing');
  const title =
    b === null ? 'Back up the journal, settings and models now' : b.phase === 'done' ? `Last backup: ${b.archive ?? ''}` : b.phase === 'failed' ? `Backup failed: ${b.message ?? ''}` : `${b.phase} ${Math.round(b.fraction * 100)}%`;
  return (
    <div className="backup-button" data-testid="backup-status" data-phase={b?.phase ?? 'idle'} data-archive={b?.archive ?? ''}>
      <button type="button" data-testid="backup-now" disabled={busy} onClick={() => void run(() => client.api.backup())} title={title}>
        {busy ? `Backing up ${Math.round((b?.fraction ?? 0) * 100)}%` : 'Backup'}
      </button>
      {busy && (
        <div className="progress" aria-label="Backup progress">
          <div style={{ width: `${Math.round((b?.fraction ?? 0) * 100)}%` }} />
        </div>
      )}
      {b?.phase === 'done' && b.archive !== null && (
        // Short in the top bar (a long archive name squeezed the file picker until its buttons overlapped): the name is in the title.
        <button type="button" className="link small" data-testid="backup-done" title={`Saved ${basename(b.archive)}${client.bridge === null ? '' : ': click to show it'}`} onClick={() => void client.bridge?.revealBackup(b.archive ?? '')} disabled={client.bridge === null}>
          ✓ saved
        </button>
      )}
      {b?.phase === 'failed' && <span className="error small">{b.message}</span>}
    </div>
  );
}

// ------------------------------------------------------------------ replay bar

const MARK_KINDS = ['signal', 'trade', 'alert'] as const;

/**
 * The recorded session's replay bar under the chart: the scrubber with its
 * ticks, step back, and previous/next signal and trade.
 */
export function RecordedBar({ client, rec, run, timeZone, playing }: { client: EngineClient; rec: RecordedStatusDTO; run: Run; timeZone: string; playing: boolean }) {
  const [timeline, setTimeline] = useState<TimelineDTO | null>(null);
  const [drag, setDrag] = useState<number | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const key = `${rec.runId}/${rec.sessionId}`;
  useEffect(() => {
    void client.api.getTimeline().then(setTimeline, () => setTimeline(null));
  }, [client, key]);
  // The native change event fires once, on release (or a keyboard step): that is when the engine seeks.
  useEffect(() => {
    const el = input.current;
    if (el === null) return;
    const commit = (): void => {
      setDrag(null);
      void run(() => client.api.seek(Number(el.value)));
    };
    el.addEventListener('change', commit);
    return () => el.removeEventListener('change', commit);
  }, [client, run]);
  const cursor = drag ?? rec.bar;
  const shownTs = timeline === null || cursor === 0 ? rec.startTs : (timeline.barTs[cursor - 1] ?? rec.startTs);
  const jump = (kind: 'signal' | 'trade', dir: 1 | -1): TimelineMarkDTO | null => {
    const marks = (timeline?.marks ?? []).filter((m) => m.kind === kind);
    return dir === 1 ? (marks.find((m) => m.bar > rec.bar) ?? null) : (marks.filter((m) => m.bar < rec.bar).pop() ?? null);
  };
  const nav = (kind: 'signal' | 'trade', dir: 1 | -1, label: string) => {
    const m = jump(kind, dir);
    return (
      <button type="button" data-testid={`${dir === 1 ? 'next' : 'prev'}-${kind}`} disabled={m === null || playing} onClick={() => m !== null && void run(() => client.api.seek(m.bar))} title={m === null ? `No ${dir === 1 ? 'later' : 'earlier'} ${kind}` : `${kind} at ${formatHourMinute(m.ts, timeZone)}`}>
        {label}
      </button>
    );
  };
  const pct = (bar: number): string => `${rec.bars === 0 ? 0 : (100 * bar) / rec.bars}%`;
  return (
    <div className="recorded-bar" data-testid="recorded-bar" data-bar={rec.bar} data-bars={rec.bars}>
      <div className="recorded-nav">
        <button type="button" data-testid="step-back" disabled={rec.bar === 0 || playing} onClick={() => void run(() => client.api.stepBack())} title="One bar back">
          ◂ Back
        </button>
        {nav('signal', -1, '⇤ Signal')}
        {nav('signal', 1, 'Signal ⇥')}
        {nav('trade', -1, '⇤ Trade')}
        {nav('trade', 1, 'Trade ⇥')}
        <span className="cursor" data-testid="cursor">
          {formatDateTime(shownTs, timeZone)} · bar {cursor}/{rec.bars}
        </span>
        <Verification rec={rec} />
      </div>
      <div className="scrubber">
        <svg className="marks" aria-hidden="true" preserveAspectRatio="none">
          {(timeline?.marks ?? []).map((m, i) => (
            <rect key={i} className={`mark ${m.kind}`} x={pct(m.bar)} y={m.kind === 'signal' ? 0 : m.kind === 'trade' ? 6 : 12} width="2" height="6" />
          ))}
        </svg>
        <input
          ref={input}
          type="range"
          data-testid="scrubber"
          aria-label="Replay position (bars of the session)"
          min={0}
          max={rec.bars}
          step={1}
          value={cursor}
          disabled={playing}
          onChange={(e) => setDrag(Number(e.target.value))}
        />
        <div className="legend small muted">
          {MARK_KINDS.map((k) => (
            <span key={k} className={`legend-${k}`}>
              ■ {k}s {(timeline?.marks ?? []).filter((m) => m.kind === k).length}
            </span>
          ))}
        </div>
      </div>
    </div>
  );
}

/** How the replay compares with the journal, in a few words. */
function Verification({ rec }: { rec: RecordedStatusDTO }) {
  const ok = rec.differenceCount === 0;
  return (
    <span className={`verification ${ok ? 'ok' : 'warn'}`} data-testid="verification" data-differences={rec.differenceCount} title={ok ? 'Every journaled signal and trade so far was reproduced' : rec.differences.join('\n')}>
      {ok ? '✓' : '⚠'} signals {rec.signalsMatched}/{rec.signalsChecked} · trades {rec.tradesMatched}/{rec.tradesChecked}
      {ok ? ' reproduced' : ` · ${rec.differenceCount} difference${rec.differenceCount === 1 ? '' : 's'}`} · from {rec.source === 'file' ? 'the data file' : 'journaled bars'}
    </span>
  );
}

// ------------------------------------------------------------------ inspector

/** The snapshot inspector of one signal (and its trade), as known at the replay cursor. */
export function Inspector({ client, signalId, marketTs, onClose, timeZone }: { client: EngineClient; signalId: string; marketTs: number | null; onClose: () => void; timeZone: string }) {
  const [story, setStory] = useState<SignalStoryDTO | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  useEscape(onClose);
  useEffect(() => {
    client.api.getSignalStory(signalId).then(
      (s) => {
        setStory(s);
        setError(null);
      },
      (e: unknown) => {
        // Scrubbed back before the signal: what was shown of it is the future now, and goes (issue 17).
        setStory(null);
        setError((e as Error).message);
      },
    );
  }, [client, signalId, marketTs]);
  const copy = (): void => {
    const text = JSON.stringify(story, null, 2);
    void navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
    (window as unknown as { __lastCopiedJson?: string }).__lastCopiedJson = text;
  };
  return (
    <aside className="inspector" role="dialog" aria-label={`Snapshots of ${signalId}`} data-testid="inspector">
      <header>
        <strong>Snapshots · {signalId}</strong>
        <button type="button" data-testid="copy-json" onClick={copy} disabled={story === null}>
          {copied ? 'Copied' : 'Copy as JSON'}
        </button>
        <button type="button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {story !== null && <StoryView story={story} timeZone={timeZone} />}
    </aside>
  );
}

function StoryView({ story, timeZone }: { story: SignalStoryDTO; timeZone: string }) {
  const s = story.signal;
  const t = story.trade;
  const updates = story.snapshots.filter((x): x is PositionUpdateSnapshot => x.kind === 'POSITION_UPDATE');
  return (
    <div className="story">
      <Section title="Signal" testId="snap-signal">
        <KV
          rows={[
            ['Side · setup', `${s.side} · ${s.setup.replace(/_/g, ' ').toLowerCase()}`],
            ['Grade · confidence', `${s.grade} · ${formatScore(s.confidence)}`],
            ['Entry · stop · target', `${formatPrice(s.entry)} · ${formatPrice(s.stop)} · ${formatPrice(s.target)}`],
            ['Emitted', formatDateTime(s.tsEvent, timeZone)],
            ['Mode', s.mode],
            ['Trade', t === null ? 'none (refused, rejected or expired)' : t.exitTs !== null ? `${t.id} closed` : t.entryTs !== null ? `${t.id} open` : `${t.id} working`],
          ]}
        />
      </Section>
      {story.snapshots.map((snap, i) =>
        snap.kind === 'POSITION_UPDATE' ? null : (
          <Section key={i} title={`${snap.kind.replace('_', ' ')} · ${formatHourMinute(snap.ts, timeZone)}`} testId={`snap-${snap.kind}`}>
            <SnapshotBody snap={snap} timeZone={timeZone} />
          </Section>
        ),
      )}
      {updates.length > 0 && (
        <Section title={`POSITION UPDATE · MAE/MFE path (${updates.length})`} testId="snap-POSITION_UPDATE">
          <ExcursionPath updates={updates} timeZone={timeZone} />
        </Section>
      )}
    </div>
  );
}

function SnapshotBody({ snap, timeZone }: { snap: SnapshotDTO; timeZone: string }) {
  switch (snap.kind) {
    case 'PRE_ANALYSIS': {
      const d = snap.data;
      return (
        <KV
          rows={[
            ['Price · ATR14', `${formatPrice(d.price)} · ${num(d.atr14Points)} pts`],
            ['Session phase · regime', `${d.sessionPhase} · ${regimeText(d.regime)}`],
            ['Battle balance · signal', `${num(d.battle.balance)} · ${num(d.battle.signal)} (${d.battle.goldenRule})`],
            ['Position · day P&L', `${d.position} · ${formatUsd(d.dailyPnlUsd)}`],
            ['Kill switch', d.killSwitch],
            ...levelRows(d.levels),
          ]}
        />
      );
    }
    case 'DECISION': {
      // A signal's own DECISION (no trade) is the method snapshot itself; a trade's wraps it with the approval.
      const d = snap.data;
      const decision = 'approval' in d ? d.decision : d;
      const approval = 'approval' in d ? d.approval : null;
      return (
        <>
          {approval !== null && (
            <KV
              rows={[
                ['Decision', `${approval.status} by ${approval.who}`],
                ['When', approval.when !== undefined ? formatDateTime(approval.when, timeZone) : '—'],
                ['Execution · contracts · risk', `${approval.execution ?? '—'} · ${approval.contracts ?? '—'} · ${formatUsd(approval.riskUsd)}`],
              ]}
            />
          )}
          {decision !== null && <MethodDecision d={decision} />}
        </>
      );
    }
    case 'EXECUTION': {
      const d = snap.data;
      return (
        <KV
          rows={[
            ['Fill', `${formatPrice(d.fill.price)} × ${d.fill.qty} at ${formatDateTime(d.fill.ts, timeZone)}`],
            ['Slippage · drift from signal', `${formatTicks(d.fill.slippageTicks)} · ${formatTicks(d.entryDriftTicks)}`],
            ['Commission', formatUsd(d.fill.commissionUsd)],
            ['Bid · ask', `${formatPrice(d.bid)} · ${formatPrice(d.ask)}`],
            ['Stop · target', `${formatPrice(d.stop)} · ${formatPrice(d.target)}`],
            ['Reward : risk · risk', `${num(d.rewardRisk)} · ${num(d.riskTicks, 0)} ticks`],
          ]}
        />
      );
    }
    case 'FINAL_RESULT': {
      const d = snap.data;
      return (
        <KV
          rows={[
            ['P&L', `${formatUsd(d.pnlUsd)} (${formatTicks(d.pnlTicks)}, commissions ${formatUsd(d.commissionsUsd)})`],
            ['Exit', `${d.exitReason} at ${formatPrice(d.exitPrice)}`],
            ['Held', `${Math.round(d.holdingMs / 60_000)} min`],
            ['MAE · MFE', `${formatTicks(d.maeTicks)} · ${formatTicks(d.mfeTicks)}`],
            ['Signal right?', `${d.signalRight ? 'yes' : 'no'} (judged by ${d.judgedBy})`],
          ]}
        />
      );
    }
    default:
      return null;
  }
}

/** The method's DECISION snapshot: feature bars with their weights, the battle, the governing base, the levels. */
function MethodDecision({ d }: { d: MethodDecisionDataDTO }) {
  const weights = d.config.weights;
  const rows = Object.entries(d.features)
    .map(([k, v]) => ({ k, v, w: weights[k] ?? 0 }))
    .sort((a, b) => b.w * b.v - a.w * a.v);
  const base = d.battle.bases.governing;
  const gamma = d.levels.gamma;
  const bal = d.battle.balance;
  return (
    <>
      <table className="features weighted" data-testid="feature-weights">
        <thead>
          <tr>
            <th>Feature</th>
            <th />
            <th>Value</th>
            <th>Weight</th>
            <th>Adds</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ k, v, w }) => (
            <tr key={k}>
              <th>{k.replace(/_/g, ' ')}</th>
              <td className="bar-cell">
                <div className="feature-bar" style={{ width: `${Math.round(v * 100)}%` }} />
              </td>
              <td>{formatScore(v)}</td>
              <td>{num(w)}</td>
              <td>{num(w * v, 3)}</td>
            </tr>
          ))}
          <tr className="total">
            <th>Confluence</th>
            <td />
            <td colSpan={3}>
              {formatScore(d.confluence)} · {d.grade}
            </td>
          </tr>
        </tbody>
      </table>
      <KV
        rows={[
          ['Battle balance · delta ratio', `${num(bal.balance)} · ${num(bal.deltaRatio)} (vikings ${num(bal.vikings)}, defenders ${num(bal.defenders)})`],
          ['Battle signal · status', `${num(d.battle.signal.s)} · ${d.battle.signal.status}`],
          ['Trend continuation', `${num(d.battle.tc)} (${d.battle.goldenRule})`],
          ['Regime', regimeText(d.regime)],
          ['Governing base', base === null ? 'none' : `#${base.id} ${base.rating} ${base.type} ${formatPrice(base.low)}–${formatPrice(base.high)}, quality ${num(base.quality)}, broke ${base.breakout}${d.battle.bases.violated ? ', violated' : ''}`],
          ...levelRows(d.levels.session),
          ['Gamma (ES)', gamma === null ? 'no chain' : `call wall ${formatPrice(gamma.callWall)} · put wall ${formatPrice(gamma.putWall)} · zero ${formatPrice(gamma.zeroGamma)}`],
        ]}
      />
    </>
  );
}

/** A journaled regime state in words: regime, strength, Dow structure (direction and share), VWAP slope. */
function regimeText(r: RegimeStateDTO): string {
  const dir = r.structure.direction;
  const dow = dir === 1 ? 'Dow bullish' : dir === -1 ? 'Dow bearish' : 'Dow flat';
  return `${r.regime.replace(/_/g, ' ').toLowerCase()} (strength ${num(r.strength)}, ${dow} ${num(r.structure.share)}, VWAP slope ${num(r.vwapSlope)} pts)`;
}

/** Session levels around price from a snapshot's levels. */
function levelRows(l: SignalLevelsDTO | null): [string, string][] {
  if (l === null) return [];
  return [
    ['VWAP · σ', `${formatPrice(l.vwap)} · ${num(l.vwapSigma)}`],
    ['POC · VAH · VAL', `${formatPrice(l.poc)} · ${formatPrice(l.vah)} · ${formatPrice(l.val)}`],
    ['pPOC · pVAH · pVAL', `${formatPrice(l.pPoc)} · ${formatPrice(l.pVah)} · ${formatPrice(l.pVal)}`],
  ];
}

/** MAE/MFE over time: a small chart and the table of updates. */
function ExcursionPath({ updates, timeZone }: { updates: PositionUpdateSnapshot[]; timeZone: string }) {
  const pts = updates.map((u) => ({ ts: u.ts, mae: u.data.maeTicks, mfe: u.data.mfeTicks, pnl: u.data.unrealizedTicks }));
  const hi = Math.max(1, ...pts.map((p) => p.mfe));
  const lo = Math.min(-1, ...pts.map((p) => p.mae));
  const y = (v: number): number => 4 + ((hi - v) / (hi - lo)) * 52;
  const x = (i: number): number => (pts.length === 1 ? 100 : (i / (pts.length - 1)) * 200);
  const line = (k: 'mae' | 'mfe' | 'pnl'): string => pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p[k]).toFixed(1)}`).join(' ');
  return (
    <>
      <svg className="excursion" viewBox="0 0 200 60" preserveAspectRatio="none" aria-label="MAE and MFE path">
        <line x1="0" x2="200" y1={y(0)} y2={y(0)} className="zero" />
        <path d={line('mfe')} className="mfe" />
        <path d={line('mae')} className="mae" />
        <path d={line('pnl')} className="pnl" />
      </svg>
      <table className="levels compact">
        <tbody>
          {pts.slice(-8).map((p) => (
            <tr key={p.ts}>
              <th>{formatHourMinute(p.ts, timeZone)}</th>
              <td>
                MAE {formatTicks(p.mae)} · MFE {formatTicks(p.mfe)} · open {formatTicks(p.pnl)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Section({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <section className="snap" data-testid={testId}>
      <h4>{title}</h4>
      {children}
    </section>
  );
}

function KV({ rows }: { rows: [string, string][] }) {
  return (
    <table className="levels compact">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
