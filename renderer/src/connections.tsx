/**
 * The Connections panel (issue 6): Interactive Brokers TWS / Gateway and the
 * Sierra Chart DTC server, each with its settings, Connect / Disconnect, its
 * live state and the last error in plain words; where market data comes from
 * and where orders go; the front-month contract and the SCID recording.
 * Also the LIVE confirmation (the account id typed) and the top bar's
 * connection indicator.
 */
import { useEffect, useState } from 'react';
import type { BrokerIdDTO, ConnectionsDTO, DtcSettingsDTO, IbSettingsDTO, LinkStatusDTO } from '../../engine/contract';
import type { ChartModel } from './chart/model';
import type { EngineClient } from './engine-client';
import { formatDateTime, formatMarketClock } from './format';
import { useEscape } from './escape';

type Run = (fn: () => Promise<unknown>) => Promise<void>;
type Apply = (fn: () => Promise<ConnectionsDTO>) => Promise<void>;

/** IB's usual ports (TWS and IB Gateway user guides). */
const IB_PORTS: readonly { port: number; label: string }[] = [
  { port: 7497, label: 'TWS paper 7497' },
  { port: 7496, label: 'TWS live 7496' },
  { port: 4002, label: 'Gateway paper 4002' },
  { port: 4001, label: 'Gateway live 4001' },
];

const BROKER_NAME: Readonly<Record<BrokerIdDTO, string>> = { ib: 'Interactive Brokers', dtc: 'Sierra Chart DTC' };

/** A link's state in words: "connected since 14:02:11", "reconnecting · lost since 14:05:40". */
export function linkWords(s: LinkStatusDTO, timeZone: string): string {
  const since = s.sinceMs > 0 ? formatMarketClock(s.sinceMs, timeZone) : '';
  switch (s.state) {
    case 'disconnected':
      return 'not connected';
    case 'connecting':
      return 'connecting…';
    case 'connected':
      return `connected since ${since}`;
    case 'data-farm-down':
      return `connected, market data farm down since ${since}`;
    case 'reconnecting':
      return `reconnecting · lost since ${since}`;
    case 'lost':
      return `lost since ${since}`;
  }
}

/** The top bar's button: a dot per broker, coloured by its state. */
export function ConnectionsButton({ c, onOpen }: { c: ConnectionsDTO | null; onOpen: () => void }) {
  const dot = (s: LinkStatusDTO | undefined) => `dot dot-${s?.state ?? 'disconnected'}`;
  return (
    <button type="button" className="connections-button" data-testid="open-connections" onClick={onOpen} title="Connections: Interactive Brokers and Sierra Chart">
      <span className={dot(c?.ib.status)} aria-label={`IB ${c?.ib.status.state ?? 'disconnected'}`} />
      <span className={dot(c?.dtc.status)} aria-label={`DTC ${c?.dtc.status.state ?? 'disconnected'}`} />
      <span className="label">Connections</span>
    </button>
  );
}

/** The Connections dialog. */
export function ConnectionsView({ client, model, run, onClose, timeZone }: { client: EngineClient; model: ChartModel; run: Run; onClose: () => void; timeZone: string }) {
  useEffect(() => {
    void client.api.getConnections().then((c) => {
      model.connections = c;
      model.request();
    });
  }, [client, model]);
  useEscape(onClose);
  const c = model.connections;
  /** Runs a connections RPC and shows its answer at once (its event may come a frame later). */
  const apply = (fn: () => Promise<ConnectionsDTO>) =>
    run(async () => {
      model.connections = await fn();
      model.request();
    });
  return (
    <div className="overlay" role="dialog" aria-label="Connections" data-testid="connections-view">
      <div className="overlay-body connections-body">
        <header className="overlay-head">
          <h2>Connections</h2>
          <button type="button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {c === null ? (
          <p className="muted">Loading…</p>
        ) : (
          <>
            <Routing c={c} model={model} apply={apply} client={client} />
            <div className="broker-cards">
              <IbCard c={c} client={client} apply={apply} timeZone={timeZone} />
              <DtcCard c={c} client={client} apply={apply} timeZone={timeZone} />
            </div>
            <p className="muted contract-line" data-testid="front-month">
              Front month {c.contract.localSymbol} (Sierra Chart {c.contract.sierraSymbol}), rolls {formatDateTime(c.contract.rollMs, 'UTC').slice(0, 10)} (eight days before expiry, or earlier when the next contract trades more).
            </p>
            {c.recordings.length > 0 && (
              <ul className="muted recordings" data-testid="recordings">
                {c.recordings.map((r) => (
                  <li key={r.file}>
                    Recording every trade to <code data-testid="recording-file">{r.file}</code> ({r.records.toLocaleString('en-US')} so far).
                  </li>
                ))}
              </ul>
            )}
            {c.gamma !== null && (
              <p className="muted" data-testid="live-gamma">
                Gamma levels from {c.gamma.source} at {formatMarketClock(c.gamma.atMs, timeZone)}: SPX {c.gamma.spot.toFixed(2)}
                {c.gamma.basisPoints !== null && <>, ES-SPX basis {c.gamma.basisPoints.toFixed(2)} points</>}.
              </p>
            )}
          </>
        )}
      </div>
    </div>
  );
}

function Routing({ c, model, client, apply }: { c: ConnectionsDTO; model: ChartModel; client: EngineClient; apply: Apply }) {
  const set = (change: { dataSource?: BrokerIdDTO; orderRoute?: BrokerIdDTO }) => {
    // The latest routing, not the one this render saw: two quick changes must not undo each other.
    const now = model.connections ?? c;
    void apply(() => client.api.setRouting({ dataSource: change.dataSource ?? now.dataSource, orderRoute: change.orderRoute ?? now.orderRoute }));
  };
  const choice = (value: BrokerIdDTO, on: (b: BrokerIdDTO) => void, testid: string) => (
    <select data-testid={testid} value={value} onChange={(e) => on(e.target.value as BrokerIdDTO)}>
      <option value="ib">{BROKER_NAME.ib}</option>
      <option value="dtc">{BROKER_NAME.dtc}</option>
    </select>
  );
  return (
    <div className="routing" role="group" aria-label="Routing">
      <label>
        Market data from {choice(c.dataSource, (b) => set({ dataSource: b }), 'data-source')}
      </label>
      <label>
        Orders go to {choice(c.orderRoute, (b) => set({ orderRoute: b }), 'order-route')}
      </label>
    </div>
  );
}

function StateLine({ s, timeZone, testid }: { s: LinkStatusDTO; timeZone: string; testid: string }) {
  return (
    <div className="link-state">
      <div className={`link-words link-${s.state}`} data-testid={`${testid}-state`} data-state={s.state}>
        <span className={`dot dot-${s.state}`} /> {linkWords(s, timeZone)}
      </div>
      {s.accounts.length > 0 && <div className="muted">Account {s.accounts.join(', ')}</div>}
      {s.lastError !== null && (
        <div className="link-error" data-testid={`${testid}-error`}>
          {s.lastError}
        </div>
      )}
    </div>
  );
}

/** USD with sign and cents; a dash when TWS has not said. */
function usd(v: number): string {
  return Number.isFinite(v) ? `${v < 0 ? '-' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : '—';
}

function IbCard({ c, client, apply, timeZone }: { c: ConnectionsDTO; client: EngineClient; apply: Apply; timeZone: string }) {
  const [f, setF] = useState<IbSettingsDTO>(c.ib.settings);
  const up = c.ib.status.state !== 'disconnected';
  return (
    <section className="broker-card" data-testid="ib-card">
      <h3>Interactive Brokers (TWS / IB Gateway)</h3>
      <div className="form-grid">
        <label>
          Host <input data-testid="ib-host" value={f.host} onChange={(e) => setF({ ...f, host: e.target.value })} />
        </label>
        <label>
          Port <input data-testid="ib-port" type="number" value={f.port} onChange={(e) => setF({ ...f, port: Number(e.target.value) })} />
        </label>
        <label>
          Client id <input data-testid="ib-client-id" type="number" value={f.clientId} onChange={(e) => setF({ ...f, clientId: Number(e.target.value) })} />
        </label>
      </div>
      <div className="presets" role="group" aria-label="Usual ports">
        {IB_PORTS.map((p) => (
          <button key={p.port} type="button" className={f.port === p.port ? 'active' : ''} onClick={() => setF({ ...f, port: p.port })}>
            {p.label}
          </button>
        ))}
      </div>
      <StateLine s={c.ib.status} timeZone={timeZone} testid="ib" />
      {c.ib.pnl !== null && (
        <div className="muted" data-testid="ib-pnl">
          Account P&amp;L today {usd(c.ib.pnl.dailyUsd)} (realized {usd(c.ib.pnl.realizedUsd)}, unrealized {usd(c.ib.pnl.unrealizedUsd)})
        </div>
      )}
      <div className="card-actions">
        {up ? (
          <button type="button" data-testid="ib-disconnect" onClick={() => void apply(() => client.api.disconnect('ib'))}>
            Disconnect
          </button>
        ) : (
          <button type="button" className="primary" data-testid="ib-connect" onClick={() => void apply(() => client.api.connect({ broker: 'ib', settings: f }))}>
            Connect
          </button>
        )}
      </div>
    </section>
  );
}

function DtcCard({ c, client, apply, timeZone }: { c: ConnectionsDTO; client: EngineClient; apply: Apply; timeZone: string }) {
  const [f, setF] = useState<DtcSettingsDTO>({ ...c.dtc.settings, password: '' });
  const up = c.dtc.status.state !== 'disconnected';
  return (
    <section className="broker-card" data-testid="dtc-card">
      <h3>Sierra Chart (DTC server)</h3>
      <div className="form-grid">
        <label>
          Host <input data-testid="dtc-host" value={f.host} onChange={(e) => setF({ ...f, host: e.target.value })} />
        </label>
        <label>
          Port <input data-testid="dtc-port" type="number" value={f.port} onChange={(e) => setF({ ...f, port: Number(e.target.value) })} />
        </label>
        <label>
          Encoding
          <select data-testid="dtc-encoding" value={f.encoding} onChange={(e) => setF({ ...f, encoding: e.target.value as DtcSettingsDTO['encoding'] })}>
            <option value="binary">Binary</option>
            <option value="json">JSON</option>
          </select>
        </label>
        <label>
          Symbol <input data-testid="dtc-symbol" placeholder={c.contract.sierraSymbol} value={f.symbol} onChange={(e) => setF({ ...f, symbol: e.target.value })} />
        </label>
        <label>
          User <input data-testid="dtc-user" value={f.username} autoComplete="username" onChange={(e) => setF({ ...f, username: e.target.value })} />
        </label>
        <label>
          Password
          <input data-testid="dtc-password" type="password" autoComplete="current-password" placeholder={c.dtc.settings.hasPassword === true ? '(kept for this session)' : 'if the server asks'} value={f.password ?? ''} onChange={(e) => setF({ ...f, password: e.target.value })} />
        </label>
      </div>
      <StateLine s={c.dtc.status} timeZone={timeZone} testid="dtc" />
      <div className="card-actions">
        {up ? (
          <button type="button" data-testid="dtc-disconnect" onClick={() => void apply(() => client.api.disconnect('dtc'))}>
            Disconnect
          </button>
        ) : (
          <button type="button" className="primary" data-testid="dtc-connect" onClick={() => void apply(() => client.api.connect({ broker: 'dtc', settings: { ...f, password: f.password === '' ? undefined : f.password } }))}>
            Connect
          </button>
        )}
      </div>
    </section>
  );
}

/** LIVE asks for the account id, typed: orders will reach the broker. */
export function LiveConfirm({ account, onConfirm, onCancel }: { account: string | null; onConfirm: (typed: string) => void; onCancel: () => void }) {
  const [typed, setTyped] = useState('');
  useEscape(onCancel);
  return (
    <div className="overlay" role="dialog" aria-label="Confirm LIVE trading" data-testid="live-confirm">
      <div className="overlay-body live-confirm">
        <h2>Switch to LIVE?</h2>
        <p>
          Orders will go to the broker, account <b>{account ?? '(not known yet)'}</b>, with real money. Type the account id to confirm.
        </p>
        <input data-testid="live-account" autoFocus value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={account ?? ''} />
        <div className="card-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger" data-testid="live-go" disabled={account === null || typed.trim() !== account} onClick={() => onConfirm(typed.trim())}>
            Go LIVE
          </button>
        </div>
      </div>
    </div>
  );
}
