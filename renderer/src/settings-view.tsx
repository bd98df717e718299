/**
 * The Settings view (issue 18, item 1): the trader's risk limits, sizing and
 * the simulated venue's costs, saved with a reason; the engine checks each
 * value (naming the field), refuses loosening a limit while the account is
 * exposed, and journals every change, listed at the bottom. Export writes the
 * settings as a JSON file; Import reads one (checked the same way).
 */
import { useEffect, useState } from 'react';
import type { SettingsDTO, TraderSettingsDTO } from '../../engine/contract';
import type { EngineClient } from './engine-client';
import { useEscape } from './escape';
import { formatDateTime } from './format';

type Group = keyof Omit<TraderSettingsDTO, 'version'>;

/** Every field the view edits: group, key, label, unit, and whether it is a yes/no. */
const FIELDS: readonly { group: Group; key: string; label: string; unit: string; kind?: 'bool' }[] = [
  { group: 'risk', key: 'maxRiskPerTradeUsd', label: 'Risk per trade', unit: 'USD' },
  { group: 'risk', key: 'dailyLossLimitUsd', label: 'Daily loss limit', unit: 'USD' },
  { group: 'risk', key: 'maxTradesPerDay', label: 'Trades a day', unit: 'trades' },
  { group: 'risk', key: 'lossStreakPause', label: 'Losses in a row that pause', unit: 'trades' },
  { group: 'risk', key: 'pauseMinutes', label: 'Pause after them', unit: 'min' },
  { group: 'risk', key: 'maxDrawdownPct', label: 'Drawdown from peak', unit: '%' },
  { group: 'risk', key: 'maxContractsPerSignal', label: 'Contracts per signal', unit: 'contracts' },
  { group: 'risk', key: 'maxOpenPositions', label: 'Open positions', unit: 'positions' },
  { group: 'risk', key: 'budgetOfDailyLimitPct', label: 'Risk budget, of the daily limit', unit: '%' },
  { group: 'risk', key: 'budgetOfRemainingPct', label: 'Risk budget, of what is left of it', unit: '%' },
  { group: 'sizing', key: 'baseContracts', label: 'Base size', unit: 'contracts' },
  { group: 'sizing', key: 'kelly', label: 'Kelly sizing', unit: '', kind: 'bool' },
  { group: 'sizing', key: 'kellyFraction', label: 'Kelly fraction', unit: 'of Kelly' },
  { group: 'paper', key: 'commissionPerSideUsd', label: 'Simulated commission', unit: 'USD a side' },
  { group: 'paper', key: 'slippageTicks', label: 'Simulated slippage', unit: 'ticks' },
];

const GROUP_TITLES: Record<Group, string> = { risk: 'Risk limits (section 12)', sizing: 'Sizing', paper: 'Simulated venue (paper, replays, backtests)' };

/** The Settings dialog. */
export function SettingsView({ client, onClose, timeZone }: { client: EngineClient; onClose: () => void; timeZone: string }) {
  useEscape(onClose);
  const [dto, setDto] = useState<SettingsDTO | null>(null);
  const [draft, setDraft] = useState<Record<string, string | boolean>>({});
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const load = (d: SettingsDTO): void => {
    setDto(d);
    const next: Record<string, string | boolean> = {};
    for (const f of FIELDS) {
      const v = (d.settings[f.group] as Record<string, number | boolean>)[f.key];
      next[`${f.group}.${f.key}`] = typeof v === 'boolean' ? v : String(v);
    }
    setDraft(next);
  };
  useEffect(() => {
    void client.api.getSettings().then(load, (e: Error) => setError(e.message));
  }, [client]);

  /** The draft as a settings document: numbers where the field is one (the engine names any bad one). */
  const documentOf = (): TraderSettingsDTO => {
    const doc = JSON.parse(JSON.stringify(dto!.settings)) as TraderSettingsDTO;
    for (const f of FIELDS) {
      const v = draft[`${f.group}.${f.key}`];
      (doc[f.group] as Record<string, unknown>)[f.key] = f.kind === 'bool' ? v === true : String(v).trim() === '' ? Number.NaN : Number(v);
    }
    return doc;
  };
  const changed = dto !== null && JSON.stringify(documentOf()) !== JSON.stringify(dto.settings);

  const save = async (settings: TraderSettingsDTO, who: 'trader' | 'import'): Promise<void> => {
    setError(null);
    setSaved(null);
    try {
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
              {(['risk', 'sizing', 'paper'] as const).map((g) => (
                <fieldset key={g}>
                  <legend>{GROUP_TITLES[g]}</legend>
                  {FIELDS.filter((f) => f.group === g).map((f) => {
                    const id = `${f.group}.${f.key}`;
                    return (
                      <label key={id} className="setting">
                        <span>{f.label}</span>
                        {f.kind === 'bool' ? (
                          <input type="checkbox" data-testid={`setting-${id}`} checked={draft[id] === true} onChange={(e) => setDraft({ ...draft, [id]: e.target.checked })} />
                        ) : (
                          <input inputMode="decimal" data-testid={`setting-${id}`} value={String(draft[id] ?? '')} onChange={(e) => setDraft({ ...draft, [id]: e.target.value })} />
                        )}
                        <span className="muted small">{f.unit}</span>
                      </label>
                    );
                  })}
                </fieldset>
              ))}
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
              <p className="error" data-testid="settings-error" role="alert">
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
