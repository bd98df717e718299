/**
 * The Settings view (issue 18, item 1): the trader's risk limits, sizing,
 * the ATM bracket of their own orders, position management, the method's
 * numbers and the simulated venue's costs, saved with a reason; the engine checks each
 * value (naming the field), refuses loosening a limit while the account is
 * exposed, and journals every change, listed at the bottom. Export writes the
 * settings as a JSON file; Import reads one (checked the same way).
 */
import { useEffect, useRef, useState } from 'react';
import type { SettingsDTO, TraderSettingsDTO } from '../../engine/contract';
import type { EngineClient } from './engine-client';
import { useEscape } from './escape';
import { formatDateTime } from './format';

type Group = 'risk' | 'sizing' | 'paper' | 'method' | 'approval' | 'orders' | 'management';
/** 'off-number' and 'off-time': empty turns the rule off (null in the settings). */
type Kind = 'number' | 'bool' | 'time' | 'grade' | 'off-number' | 'off-time';

/** Every field the view edits: its dotted path in the settings, label, unit and kind. */
interface Field {
  readonly path: string;
  readonly label: string;
  readonly unit: string;
  readonly kind: Kind;
}
const num = (path: string, label: string, unit: string): Field => ({ path, label, unit, kind: 'number' });
const off = (path: string, label: string, unit: string): Field => ({ path, label, unit, kind: 'off-number' });
const MODE_FIELDS = (['DATA_COLLECTION', 'PAPER', 'LIVE'] as const).flatMap((m) => [
  num(`method.modes.${m}.minConfidence`, `${m}: min confidence`, '0-1'),
  num(`method.modes.${m}.minConfluence`, `${m}: min confluence`, '0-1'),
  { path: `method.modes.${m}.minGrade`, label: `${m}: min grade`, unit: '', kind: 'grade' as const },
  num(`method.modes.${m}.minBaseQuality`, `${m}: min base quality`, '0-1'),
]);
const FIELDS: Readonly<Record<Group, readonly Field[]>> = {
  risk: [
    num('risk.maxRiskPerTradeUsd', 'Risk per trade', 'USD'),
    num('risk.dailyLossLimitUsd', 'Daily loss limit', 'USD'),
    num('risk.maxTradesPerDay', 'Trades a day', 'trades'),
    num('risk.lossStreakPause', 'Losses in a row that pause', 'trades'),
    num('risk.pauseMinutes', 'Pause after them', 'min'),
    num('risk.maxDrawdownPct', 'Drawdown from peak', '%'),
    num('risk.maxContractsPerSignal', 'Contracts per signal', 'contracts'),
    num('risk.maxOpenPositions', 'Open positions', 'positions'),
    num('risk.budgetOfDailyLimitPct', 'Risk budget, of the daily limit', '%'),
    num('risk.budgetOfRemainingPct', 'Risk budget, of what is left of it', '%'),
  ],
  sizing: [num('sizing.baseContracts', 'Base size', 'contracts'), { path: 'sizing.kelly', label: 'Kelly sizing', unit: '', kind: 'bool' }, num('sizing.kellyFraction', 'Kelly fraction', 'of Kelly')],
  paper: [num('paper.commissionPerSideUsd', 'Simulated commission', 'USD a side'), num('paper.slippageTicks', 'Simulated slippage', 'ticks')],
  approval: [num('approval.expirySeconds', 'Unanswered, expires after', 's'), num('approval.expiryTicks', 'Or when price moves past the entry', 'ticks')],
  orders: [num('orders.contracts', 'Ladder quantity', 'contracts'), num('orders.stopTicks', 'ATM stop', 'ticks'), num('orders.targetTicks', 'ATM target', 'ticks')],
  management: [
    off('management.breakevenAfterTicks', 'Breakeven after', 'ticks'),
    num('management.breakevenOffsetTicks', 'Breakeven plus', 'ticks'),
    off('management.trailTicks', 'Trailing stop', 'ticks'),
    off('management.trailAtrMultiple', 'Trailing stop', '× ATR'),
    off('management.timeExitBars', 'Time exit after', 'bars'),
    { path: 'management.flattenAt', label: 'Flatten before the close at', unit: 'ET', kind: 'off-time' },
  ],
  method: [
    ...MODE_FIELDS,
    { path: 'method.window.start', label: 'Trading window from', unit: 'ET', kind: 'time' },
    { path: 'method.window.end', label: 'Trading window to', unit: 'ET', kind: 'time' },
    { path: 'method.window.noEntryStart', label: 'No new entries from', unit: 'ET', kind: 'time' },
    { path: 'method.window.noEntryEnd', label: 'No new entries to', unit: 'ET', kind: 'time' },
    num('method.stops.trendTicks', 'Stop, trend setup', 'ticks'),
    num('method.stops.rangeTicks', 'Stop, range setup', 'ticks'),
    num('method.stops.otherTicks', 'Stop, other setups', 'ticks'),
    num('method.targets.trendRR', 'Target, trend', 'R:R'),
    num('method.targets.rangeRR', 'Target, range', 'R:R'),
    num('method.targets.otherRR', 'Target, other', 'R:R'),
    num('method.targets.minRR', 'Least reward:risk taken', 'R:R'),
  ],
};
const ALL_FIELDS = Object.values(FIELDS).flat();

const GROUP_TITLES: Record<Group, string> = {
  risk: 'Risk limits (section 12)',
  sizing: 'Sizing',
  approval: 'MANUAL approvals',
  paper: 'Simulated venue (paper, replays, backtests)',
  method: 'The method (sections 10 and 11; for runs opened next)',
  orders: 'Your orders (ladder, chart): the ATM bracket',
  management: 'Position management (empty: off)',
};

/** A value by dotted path. */
function at(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], doc);
}

/** Sets a value by dotted path, in place. */
export function put(doc: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  (keys.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], doc) as Record<string, unknown>)[last] = value;
}

/** The Settings dialog. */
export function SettingsView({ client, onClose, timeZone }: { client: EngineClient; onClose: () => void; timeZone: string }) {
  useEscape(onClose);
  const [dto, setDto] = useState<SettingsDTO | null>(null);
  const [draft, setDraft] = useState<Record<string, string | boolean>>({});
  const [reason, setReason] = useState('');
  /** The starting equity for paper (the account settings, saved by its own call), as typed. */
  const [equity, setEquity] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const errorRef = useRef<HTMLParagraphElement>(null);
  // A refusal is read where it is said: the form may be scrolled away from it.
  useEffect(() => {
    if (error !== null) errorRef.current?.scrollIntoView({ block: 'nearest' });
  }, [error]);

  const load = (d: SettingsDTO): void => {
    setDto(d);
    setEquity(d.startingEquityUsd === null ? '' : String(d.startingEquityUsd));
    const next: Record<string, string | boolean> = {};
    for (const f of ALL_FIELDS) {
      const v = at(d.settings, f.path);
      next[f.path] = typeof v === 'boolean' ? v : v === null ? '' : String(v);
    }
    setDraft(next);
  };
  useEffect(() => {
    void client.api.getSettings().then(load, (e: Error) => setError(e.message));
  }, [client]);

  /** The draft as a settings document: numbers where the field is one (the engine names any bad one). */
  const documentOf = (): TraderSettingsDTO => {
    const doc = JSON.parse(JSON.stringify(dto!.settings)) as TraderSettingsDTO;
    for (const f of ALL_FIELDS) {
      const v = draft[f.path];
      const text = String(v).trim();
      const value =
        f.kind === 'bool' ? v === true
        : f.kind === 'time' || f.kind === 'grade' ? String(v)
        : f.kind === 'off-time' ? (text === '' ? null : text)
        : text === '' ? (f.kind === 'off-number' ? null : Number.NaN)
        : Number(text);
      put(doc, f.path, value);
    }
    return doc;
  };
  const equityNow = equity.trim() === '' ? null : Number(equity);
  const equityChanged = dto !== null && equityNow !== dto.startingEquityUsd;
  const changed = dto !== null && (JSON.stringify(documentOf()) !== JSON.stringify(dto.settings) || equityChanged);

  const save = async (settings: TraderSettingsDTO, who: 'trader' | 'import'): Promise<void> => {
    setError(null);
    setSaved(null);
    try {
      if (who === 'trader' && equityChanged) await client.api.setStartingEquity(equityNow, reason);
      const d = await client.api.setSettings({ settings, reason, who });
      load(d);
      setReason('');
      setSaved(d.dailyLossLimitInForceUsd === null ? 'Saved.' : `Saved. The raised daily loss limit takes effect at the next session; ${d.dailyLossLimitInForceUsd} USD until then.`);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const exportFile = (): void => {
    if (dto === null) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([`${JSON.stringify(dto.settings, null, 2)}\n`], { type: 'application/json' }));
    a.download = 'mia-settings.json';
    a.click();
    URL.revokeObjectURL(a.href);
  };
  const importFile = async (file: File | undefined): Promise<void> => {
    if (file === undefined) return;
    if (reason.trim() === '') {
      setError('Say why in Reason first: every change is journaled with it');
      return;
    }
    let doc: TraderSettingsDTO;
    try {
      doc = JSON.parse(await file.text()) as TraderSettingsDTO;
    } catch (e) {
      setError(`${file.name}: not a settings file (${(e as Error).message})`);
      return;
    }
    await save(doc, 'import');
  };

  return (
    <div className="overlay" role="dialog" aria-label="Settings" data-testid="settings-view">
      <div className="overlay-body settings-body">
        <header className="overlay-head">
          <h2>Settings</h2>
          <button type="button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {dto === null ? (
          <p className="muted">{error ?? 'Loading…'}</p>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save(documentOf(), 'trader');
            }}
          >
            {!dto.saved && <p className="muted small">Nothing saved yet: these are the defaults.</p>}
            <div className="settings-groups">
              {(['risk', 'sizing', 'orders', 'management', 'approval', 'paper', 'method'] as const).map((g) => (
                <fieldset key={g} className={g}>
                  <legend>{GROUP_TITLES[g]}</legend>
                  {FIELDS[g].map((f) => {
                    const id = f.path;
                    const set = (v: string | boolean): void => setDraft({ ...draft, [id]: v });
                    return (
                      <label key={id} className="setting">
                        <span>{f.label}</span>
                        {f.kind === 'bool' ? (
                          <input type="checkbox" data-testid={`setting-${id}`} checked={draft[id] === true} onChange={(e) => set(e.target.checked)} />
                        ) : f.kind === 'grade' ? (
                          <select data-testid={`setting-${id}`} value={String(draft[id] ?? '')} onChange={(e) => set(e.target.value)}>
                            {['NO_TRADE', 'WEAK', 'STRONG', 'PREMIUM'].map((x) => (
                              <option key={x}>{x}</option>
                            ))}
                          </select>
                        ) : (
                          <input inputMode={f.kind === 'time' || f.kind === 'off-time' ? 'text' : 'decimal'} placeholder={f.kind === 'off-number' || f.kind === 'off-time' ? 'off' : undefined} data-testid={`setting-${id}`} value={String(draft[id] ?? '')} onChange={(e) => set(e.target.value)} />
                        )}
                        <span className="muted small">{f.unit}</span>
                      </label>
                    );
                  })}
                </fieldset>
              ))}
              <fieldset className="account">
                <legend>Account (paper, replays)</legend>
                <label className="setting">
                  <span>Starting equity</span>
                  <input inputMode="decimal" placeholder="default" data-testid="setting-startingEquityUsd" value={equity} onChange={(e) => setEquity(e.target.value)} />
                  <span className="muted small">USD</span>
                </label>
                <p className="muted small">Runs opened next count their drawdown from it; at a broker, its net liquidation value counts.</p>
              </fieldset>
            </div>
            {dto.dailyLossLimitInForceUsd !== null && (
              <p className="warn small" data-testid="daily-limit-in-force">
                The raised daily loss limit takes effect at the next session: {dto.dailyLossLimitInForceUsd} USD until then.
              </p>
            )}
            <div className="settings-actions">
              <input aria-label="Reason for the change" data-testid="settings-reason" placeholder="Reason (journaled with the change)" value={reason} onChange={(e) => setReason(e.target.value)} />
              <button type="submit" data-testid="settings-save" disabled={!changed || reason.trim() === ''}>
                Save
              </button>
              <button type="button" onClick={exportFile} title="The settings as a JSON file">
                Export…
              </button>
              <label className="button-like" title="Settings from a JSON file, checked like any change">
                Import…
                <input type="file" accept="application/json,.json" hidden data-testid="settings-import" onChange={(e) => void importFile(e.target.files?.[0])} />
              </label>
            </div>
            {error !== null && (
              <p className="error" data-testid="settings-error" role="alert" ref={errorRef}>
                {error}
              </p>
            )}
            {saved !== null && <p className="muted small" data-testid="settings-saved">{saved}</p>}
            <h3>Changes</h3>
            {dto.changes.length === 0 ? (
              <p className="muted small">None yet.</p>
            ) : (
              <table className="settings-changes" data-testid="settings-changes">
                <tbody>
                  {dto.changes.map((c) => (
                    <tr key={`${c.ts}-${c.field}`}>
                      <td>{formatDateTime(c.ts, timeZone)}</td>
                      <td>{c.who}</td>
                      <td>{c.field}</td>
                      <td>
                        {JSON.stringify(c.from)} → {JSON.stringify(c.to)}
                      </td>
                      <td className="muted">{c.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </form>
        )}
      </div>
    </div>
  );
}
