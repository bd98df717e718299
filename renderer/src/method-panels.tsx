/**
 * The Battle Navale side panels and chart overlays: the battle (regime,
 * status, balance gauge, confluence with its grade and features), the
 * session's signals (click to jump the chart there), a signal's detail, and
 * the gamma levels (load a chain, the walls, net GEX, the assumptions).
 */
import { useState } from 'react';
import type { AnalysisDTO, GammaDTO, SignalDTO } from '../../engine/contract';
import type { ChartModel } from './chart/model';
import type { EngineClient } from './engine-client';
import { formatDateTime, formatGex, formatPrice, formatScore } from './format';
import { Panel } from './Panel';

const FEATURE_LABELS: Record<string, string> = {
  vwap_trend_signal: 'VWAP trend',
  sierra_pattern_strength: 'Sierra pattern',
  dow_trend_regime: 'Dow trend',
  gamma_levels_proximity: 'Gamma levels',
  level_proximity: 'Level proximity',
  es_nq_correlation: 'ES/NQ',
  volume_confirmation: 'Volume',
  options_flow_bias: 'Options flow',
  session_context: 'Session',
  pullback_quality: 'Pullback',
};

const REGIME_LABELS: Record<AnalysisDTO['regime'], string> = { TREND_BULL: 'Trend ▲', TREND_BEAR: 'Trend ▼', RANGE: 'Range', TRANSITION: 'Transition' };
const human = (x: string): string => x.replace(/_/g, ' ').toLowerCase();

/** A -1..1 gauge: Defenders left (red), Vikings right (green). */
function BalanceGauge({ value }: { value: number }) {
  const pct = Math.abs(value) * 50;
  return (
    <div className="gauge" role="meter" aria-valuemin={-1} aria-valuemax={1} aria-valuenow={value} aria-label="Battle balance" data-testid="balance-gauge">
      <div className={`gauge-fill ${value >= 0 ? 'up' : 'down'}`} style={value >= 0 ? { left: '50%', width: `${pct}%` } : { left: `${50 - pct}%`, width: `${pct}%` }} />
      <div className="gauge-mid" />
    </div>
  );
}

function FeatureBars({ features }: { features: Record<string, number> }) {
  return (
    <table className="features">
      <tbody>
        {Object.entries(features).map(([k, v]) => (
          <tr key={k}>
            <th>{FEATURE_LABELS[k] ?? k}</th>
            <td className="bar-cell">
              <div className="feature-bar" style={{ width: `${Math.round(v * 100)}%` }} />
            </td>
            <td>{formatScore(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Regime, battle status and balance, confluence with grade and features, at the last bar. */
export function BattlePanel({ model }: { model: ChartModel }) {
  const a = model.analysis;
  return (
    <Panel title="Battle Navale" testId="battle-panel">
      {a === null ? (
        <p className="muted">Waiting for the first bar.</p>
      ) : (
        <>
          <div className="battle-head">
            <span className={`regime ${a.regime}`} data-testid="regime">
              {REGIME_LABELS[a.regime]}
            </span>
            <span className={`status ${a.status}`} data-testid="battle-status">
              {human(a.status)}
            </span>
          </div>
          <div className="gauge-row">
            <span className="down">Defenders</span>
            <BalanceGauge value={a.balance} />
            <span className="up">Vikings</span>
          </div>
          <table className="levels">
            <tbody>
              <tr>
                <th>Balance b · signal s</th>
                <td>
                  {formatScore(a.balance)} · {formatScore(a.s)}
                  {a.candidate !== null ? ` ${a.candidate}` : ''}
                </td>
              </tr>
              <tr>
                <th title="Golden rule, rouge sous verte">Golden rule · tc</th>
                <td className={a.goldenRuleViolated ? 'down' : ''}>
                  {human(a.goldenRule)} · {formatScore(a.tc)}
                </td>
              </tr>
              <tr>
                <th>Base quality</th>
                <td>{a.governingBaseId === null ? '—' : `#${a.governingBaseId} · ${formatScore(a.baseQuality)}`}</td>
              </tr>
              <tr>
                <th>Confluence ({a.confluenceSide})</th>
                <td data-testid="confluence">
                  {formatScore(a.confluence)} <span className={`grade ${a.grade}`}>{human(a.grade)}</span>
                </td>
              </tr>
            </tbody>
          </table>
          <FeatureBars features={a.features} />
          {a.missingInputs.length > 0 && <p className="muted small">Neutral (missing): {a.missingInputs.join(', ')}</p>}
        </>
      )}
    </Panel>
  );
}

/** The session's signals, newest first; a click opens the detail and moves the chart there. */
export function SignalsPanel({ model, timeZone }: { model: ChartModel; timeZone: string }) {
  const list = model.signals.slice(-200).reverse();
  return (
    <Panel title={`Signals · ${model.signals.length}`} testId="signals-panel">
      {list.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ul className="signals">
          {list.map((s) => (
            <li key={s.id}>
              <button type="button" data-testid="signal-row" data-ts={s.ts} className={`${s.side} ${model.selected?.id === s.id ? 'active' : ''}`} onClick={() => model.select(s, true)}>
                <span className="when">{formatDateTime(s.ts, timeZone).slice(5, 16)}</span>
                <span className="side">{s.side === 'LONG' ? '▲' : '▼'}</span>
                <span className="label">{s.label}</span>
                <span className="px">{formatPrice(s.entry)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

/** The selected signal's detail, over the chart. */
export function SignalDetail({ model, timeZone, onInspect }: { model: ChartModel; timeZone: string; onInspect?: (signalId: string) => void }) {
  const s: SignalDTO | null = model.selected;
  if (s === null) return null;
  const b = s.battle;
  return (
    <div className={`signal-detail ${s.side}`} data-testid="signal-detail" role="dialog" aria-label={`Signal ${s.label}`}>
      <header>
        <strong>
          {s.side === 'LONG' ? '▲' : '▼'} {s.side} · {s.label}
        </strong>
        <button type="button" aria-label="Close" onClick={() => model.select(null)}>
          ×
        </button>
      </header>
      <p className="muted small">
        {formatDateTime(s.tsEvent, timeZone)} · {human(s.setup)} · {s.reason}
      </p>
      <table className="levels">
        <tbody>
          <tr>
            <th>Entry · stop · target</th>
            <td>
              {formatPrice(s.entry)} · {formatPrice(s.stop)} · {formatPrice(s.target)}
            </td>
          </tr>
          <tr>
            <th>Reward : risk</th>
            <td>{s.rewardRisk.toFixed(2)}</td>
          </tr>
          <tr>
            <th>Confidence · confluence</th>
            <td data-testid="detail-confidence">
              {formatScore(s.confidence)} · {formatScore(s.confluence)} <span className={`grade ${s.grade}`}>{human(s.grade)}</span>
            </td>
          </tr>
          <tr>
            <th>Battle balance · status</th>
            <td>
              {formatScore(b.b)} · {human(b.status)}
            </td>
          </tr>
          <tr>
            <th>Trend continuation</th>
            <td>
              {formatScore(b.tc)} ({human(b.goldenRule)})
            </td>
          </tr>
          <tr>
            <th>Base quality</th>
            <td>{b.baseId === null ? 'no governing base' : `${formatScore(b.q)} (${human(b.baseRating ?? '')})`}</td>
          </tr>
          <tr>
            <th>Regime</th>
            <td>{REGIME_LABELS[s.regime]}</td>
          </tr>
        </tbody>
      </table>
      <FeatureBars features={s.features} />
      <p className="muted small">Missing inputs: {s.missingInputs.length === 0 ? 'none' : s.missingInputs.join(', ')}</p>
      {onInspect !== undefined && (
        <button type="button" data-testid="inspect" onClick={() => onInspect(s.id)} title="PRE_ANALYSIS, DECISION, EXECUTION, POSITION_UPDATE and FINAL_RESULT as journaled">
          Inspect snapshots
        </button>
      )}
    </div>
  );
}

/** Net GEX and the gamma lines' values over the chart; the assumptions one click away. */
export function GammaLegend({ gamma }: { gamma: GammaDTO | null }) {
  const [open, setOpen] = useState(false);
  if (gamma === null) return null;
  return (
    <div className="gamma-legend" data-testid="gamma-legend">
      <span>
        Net GEX <b className={gamma.netGex >= 0 ? 'up' : 'down'}>{formatGex(gamma.netGex)}</b>/1%
      </span>
      <span className="cw">Call wall {formatPrice(gamma.es.callWall)}</span>
      <span className="pw">Put wall {formatPrice(gamma.es.putWall)}</span>
      <span>Zero Γ {formatPrice(gamma.es.zeroGamma)}</span>
      <button type="button" data-testid="gamma-assumptions-toggle" aria-expanded={open} onClick={() => setOpen(!open)} title="What these levels assume">
        {open ? 'Hide assumptions' : 'Assumptions'}
      </button>
      {open && (
        <ul className="assumptions" data-testid="gamma-assumptions">
          <li>
            {gamma.source}, {gamma.date}: SPX {formatPrice(gamma.spot)}, basis {gamma.basisPoints >= 0 ? '+' : ''}
            {gamma.basisPoints} pts
          </li>
          {gamma.assumptions.map((a) => (
            <li key={a}>{a}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Loads an SPX option chain into the replay and shows its levels. */
export function GammaPanel({ model, client, onError }: { model: ChartModel; client: EngineClient; onError: (m: string | null) => void }) {
  const [path, setPath] = useState('');
  const [basis, setBasis] = useState('0');
  const g = model.gamma;
  const load = async (): Promise<void> => {
    const basisPoints = Number(basis);
    if (basis.trim() === '' || !Number.isFinite(basisPoints)) {
      onError('Basis must be a number of points (ES - SPX)');
      return;
    }
    try {
      onError(null);
      await client.api.loadChain({ path: path.trim(), basisPoints });
    } catch (e) {
      onError((e as Error).message);
    }
  };
  return (
    <Panel title="Gamma levels" testId="gamma-panel">
      <form
        className="chain-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim() !== '') void load();
        }}
      >
        <input
          aria-label="SPX option chain file or folder"
          data-testid="chain-path"
          placeholder="SPX chain .csv, or a folder of dated chains"
          title="One CBOE quote table, in force from now on; or a folder of them, each in force from its snapshot time"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          spellCheck={false}
        />
        <label title="ES - SPX, points">
          Basis
          <input aria-label="Basis, ES minus SPX, points" data-testid="chain-basis" className="basis" value={basis} onChange={(e) => setBasis(e.target.value)} inputMode="decimal" />
        </label>
        <button type="submit" data-testid="load-chain" disabled={path.trim() === ''}>
          Load
        </button>
        {g !== null && (
          <button type="button" onClick={() => void client.api.clearChain().catch((e: Error) => onError(e.message))}>
            Clear
          </button>
        )}
      </form>
      {g !== null && (
        <table className="levels" data-testid="gamma-levels">
          <tbody>
            <tr>
              <th>Chain</th>
              <td>
                {g.source.replace(/\.csv$/, '')} · SPX {formatPrice(g.spot)}
              </td>
            </tr>
            <tr>
              <th>Net GEX, USD / 1%</th>
              <td className={g.netGex >= 0 ? 'up' : 'down'}>{formatGex(g.netGex)}</td>
            </tr>
            <tr>
              <th>Call wall ES · SPX</th>
              <td className="cw">
                {formatPrice(g.es.callWall)} · {formatPrice(g.callWall)}
              </td>
            </tr>
            <tr>
              <th>Put wall ES · SPX</th>
              <td className="pw">
                {formatPrice(g.es.putWall)} · {formatPrice(g.putWall)}
              </td>
            </tr>
            <tr>
              <th>Zero gamma ES · SPX</th>
              <td>
                {formatPrice(g.es.zeroGamma)} · {formatPrice(g.zeroGamma)}
              </td>
            </tr>
          </tbody>
        </table>
      )}
    </Panel>
  );
}
