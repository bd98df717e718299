/**
 * Numbered schema migrations: MIGRATIONS[i] takes the schema from version i
 * to i + 1. Append only; never edit a migration that has shipped.
 */

export const MIGRATIONS: readonly string[] = [
  // 1: runs (one per replay, backtest or live session), their sessions, bars and levels.
  `
  CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('backtest', 'replay', 'live')),
    source        TEXT    NOT NULL,            -- file path or connection
    format        TEXT,                        -- scid | csv | jsonl
    symbol        TEXT    NOT NULL,
    timeframe     TEXT    NOT NULL,
    session_kind  TEXT    NOT NULL,            -- globex | rth
    time_zone     TEXT    NOT NULL,
    started_at    INTEGER NOT NULL,            -- Unix ms, wall clock
    ended_at      INTEGER,
    status        TEXT    NOT NULL DEFAULT 'running', -- running | completed | stopped | failed
    bars          INTEGER NOT NULL DEFAULT 0,
    rejected      INTEGER NOT NULL DEFAULT 0,
    error         TEXT
  );

  CREATE TABLE sessions (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,              -- trade date YYYY-MM-DD
    kind        TEXT    NOT NULL,
    start_ts    INTEGER NOT NULL,
    end_ts      INTEGER NOT NULL,
    bars        INTEGER NOT NULL,
    volume      REAL    NOT NULL,
    high        REAL    NOT NULL,
    low         REAL    NOT NULL,
    vwap        REAL,
    vwap_sigma  REAL,
    poc         REAL,
    vah         REAL,
    val         REAL,
    PRIMARY KEY (run_id, id, kind)
  ) WITHOUT ROWID;

  CREATE TABLE bars (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    tf          TEXT    NOT NULL,
    ts          INTEGER NOT NULL,              -- bar open, Unix ms
    open        REAL    NOT NULL,
    high        REAL    NOT NULL,
    low         REAL    NOT NULL,
    close       REAL    NOT NULL,
    volume      REAL    NOT NULL,
    bid_volume  REAL    NOT NULL,
    ask_volume  REAL    NOT NULL,
    delta       REAL    NOT NULL,
    trades      INTEGER NOT NULL,
    has_order_flow INTEGER NOT NULL,
    PRIMARY KEY (run_id, tf, ts)
  ) WITHOUT ROWID;

  CREATE TABLE levels (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    ts          INTEGER NOT NULL,              -- the bar's open, Unix ms
    session_id  TEXT    NOT NULL,
    vwap        REAL,
    vwap_sigma  REAL,
    poc         REAL,
    vah         REAL,
    val         REAL,
    p_poc       REAL,
    p_vah       REAL,
    p_val       REAL,
    PRIMARY KEY (run_id, ts)
  ) WITHOUT ROWID;

  CREATE TABLE rejections (
    run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    location  TEXT    NOT NULL,
    field     TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    message   TEXT    NOT NULL,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL CHECK (json_valid(value))
  );
  `,
  // 2: Battle Navale signals with their DECISION snapshot, and the gamma chains runs used.
  `
  CREATE TABLE signals (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,              -- <symbol>-<bar ts>-<setup>-<side>
    ts          INTEGER NOT NULL,              -- open of the bar that fired it, Unix ms
    ts_event    INTEGER NOT NULL,              -- its close: when the signal was emitted
    symbol      TEXT    NOT NULL,
    side        TEXT    NOT NULL CHECK (side IN ('LONG', 'SHORT')),
    setup       TEXT    NOT NULL,
    grade       TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    confluence  REAL    NOT NULL,
    entry       REAL    NOT NULL,              -- points
    stop        REAL    NOT NULL,
    target      REAL    NOT NULL,
    snapshot    TEXT    NOT NULL CHECK (json_valid(snapshot)), -- the DECISION snapshot
    PRIMARY KEY (run_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX signals_by_setup ON signals (setup, side, grade);

  CREATE TABLE gamma_chains (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    loaded_at   INTEGER NOT NULL,              -- market time it applied from, Unix ms
    source      TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    spot        REAL    NOT NULL,              -- SPX points
    basis       REAL    NOT NULL,              -- ES - SPX, points
    net_gex     REAL    NOT NULL,              -- USD per 1% move
    call_wall   REAL    NOT NULL,
    put_wall    REAL    NOT NULL,
    zero_gamma  REAL,
    PRIMARY KEY (run_id, loaded_at, source)
  ) WITHOUT ROWID;
  `,
  // 3: the execution path (issue 4): approvals, orders, fills, trades with their snapshots,
  // risk and execution events of a run, and the kill switch, which outlives runs.
  `
  CREATE TABLE approvals (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    signal_id   TEXT    NOT NULL,
    queued_at   INTEGER NOT NULL,              -- market time, Unix ms
    decided_at  INTEGER,                       -- market time of the decision
    status      TEXT    NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'EXPIRED', 'SENT', 'REFUSED')),
    who         TEXT    NOT NULL,              -- trader, auto, risk, expiry, kill-switch
    why         TEXT,
    execution   TEXT    NOT NULL CHECK (execution IN ('MANUAL', 'AUTO')),
    contracts   INTEGER NOT NULL,
    risk_usd    REAL    NOT NULL,
    PRIMARY KEY (run_id, signal_id)
  ) WITHOUT ROWID;

  CREATE TABLE orders (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    trade_id    TEXT,
    submitted_at INTEGER NOT NULL,
    role        TEXT    NOT NULL,              -- entry, stop, target, close
    side        TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
    type        TEXT    NOT NULL CHECK (type IN ('MARKET', 'LIMIT', 'STOP')),
    qty         INTEGER NOT NULL,
    price       REAL,                          -- limit or stop price, points
    oca_group   TEXT,
    parent_id   TEXT,
    status      TEXT    NOT NULL,
    filled_at   INTEGER,
    fill_price  REAL,
    cancel_reason TEXT,
    PRIMARY KEY (run_id, id)
  ) WITHOUT ROWID;

  CREATE TABLE fills (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    order_id    TEXT    NOT NULL,
    ts          INTEGER NOT NULL,
    role        TEXT    NOT NULL,
    side        TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
    qty         INTEGER NOT NULL,
    price       REAL    NOT NULL,              -- points, slippage included
    slippage_ticks REAL NOT NULL,
    commission_usd REAL NOT NULL,
    PRIMARY KEY (run_id, order_id)
  ) WITHOUT ROWID;

  CREATE TABLE trades (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    signal_id   TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('paper', 'would-be')),
    side        TEXT    NOT NULL CHECK (side IN ('LONG', 'SHORT')),
    setup       TEXT    NOT NULL,
    qty         INTEGER NOT NULL,
    entry_ts    INTEGER,
    entry_price REAL,
    exit_ts     INTEGER,
    exit_price  REAL,
    exit_reason TEXT,
    pnl_usd     REAL,                          -- net of commissions
    pnl_ticks   REAL,                          -- per contract, before commissions
    mae_ticks   REAL,
    mfe_ticks   REAL,
    PRIMARY KEY (run_id, id)
  ) WITHOUT ROWID;

  CREATE TABLE trade_snapshots (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    trade_id    TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('PRE_ANALYSIS', 'DECISION', 'EXECUTION', 'POSITION_UPDATE', 'FINAL_RESULT')),
    ts          INTEGER NOT NULL,              -- market time, Unix ms
    data        TEXT    NOT NULL CHECK (json_valid(data)),
    PRIMARY KEY (run_id, trade_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE run_events (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    ts          INTEGER NOT NULL,              -- market time, Unix ms
    kind        TEXT    NOT NULL,              -- risk.rejected, risk.reduced, risk.warning, execution.toggled, mode.changed, order.rejected, alert
    detail      TEXT    NOT NULL CHECK (json_valid(detail)),
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;

  -- The kill switch latches across runs and restarts: one row, written before it acts.
  CREATE TABLE kill_switch (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    state       TEXT    NOT NULL CHECK (state IN ('ACTIVE', 'REDUCING', 'HALTED')),
    trigger     TEXT,
    detail      TEXT,
    tripped_at  INTEGER,                       -- Unix ms
    flat        INTEGER NOT NULL,              -- 1 when the venue confirmed flat
    updated_at  INTEGER NOT NULL
  );

  CREATE TABLE kill_switch_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts          INTEGER NOT NULL,              -- Unix ms
    from_state  TEXT    NOT NULL,
    to_state    TEXT    NOT NULL,
    trigger     TEXT,
    who         TEXT    NOT NULL,
    reason      TEXT
  );
  `,
  // 4: what a recorded session needs to be replayed exactly (issue 5): the run's
  // configuration (method, risk, execution) and the full gamma levels a run applied.
  `
  ALTER TABLE runs ADD COLUMN config TEXT CHECK (config IS NULL OR json_valid(config));
  ALTER TABLE gamma_chains ADD COLUMN levels TEXT CHECK (levels IS NULL OR json_valid(levels));
  CREATE INDEX signals_by_time ON signals (run_id, ts);
  CREATE INDEX trades_by_entry ON trades (run_id, entry_ts);
  `,
  // 5: a fill per execution, not per order (issue 6): a broker fills an order in parts, and
  // the key (run_id, order_id) kept only an order's last part. Fills are numbered in the order
  // they were journaled; the broker's execution id is kept and counted once.
  `
  CREATE TABLE fills_v5 (
    id          INTEGER PRIMARY KEY,           -- journal order
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    order_id    TEXT    NOT NULL,
    exec_id     TEXT,                          -- the broker's execution id; NULL for a simulated fill
    ts          INTEGER NOT NULL,
    role        TEXT    NOT NULL,
    side        TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
    qty         INTEGER NOT NULL,
    price       REAL    NOT NULL,              -- points, slippage included
    slippage_ticks REAL NOT NULL,
    commission_usd REAL NOT NULL
  );
  INSERT INTO fills_v5 (run_id, order_id, ts, role, side, qty, price, slippage_ticks, commission_usd)
    SELECT run_id, order_id, ts, role, side, qty, price, slippage_ticks, commission_usd FROM fills ORDER BY run_id, ts, order_id;
  DROP TABLE fills;
  ALTER TABLE fills_v5 RENAME TO fills;
  CREATE INDEX fills_by_order ON fills (run_id, order_id);
  CREATE UNIQUE INDEX fills_by_exec ON fills (run_id, exec_id) WHERE exec_id IS NOT NULL;
  `,
  // 6: where a trade came from (issue 16): the method's signal, a broker position the trader
  // adopted (its signal_id is ADOPTED-<trade id>, its setup ADOPTED), or the trader's own order
  // (issue 18). Every trade before this one was the method's.
  `
  ALTER TABLE trades ADD COLUMN source TEXT NOT NULL DEFAULT 'method' CHECK (source IN ('method', 'adopted', 'manual'));
  `,
  // 7: every change of the trader's settings (issue 18): who, when, the field, old and new values (JSON), and why.
  `
  CREATE TABLE settings_changes (
    id        INTEGER PRIMARY KEY,
    ts        INTEGER NOT NULL,                -- wall time, Unix ms
    who       TEXT    NOT NULL,                -- trader, cli, import
    field     TEXT    NOT NULL,                -- dotted path: risk.dailyLossLimitUsd
    old_value TEXT    CHECK (old_value IS NULL OR json_valid(old_value)),
    new_value TEXT    NOT NULL CHECK (json_valid(new_value)),
    reason    TEXT    NOT NULL
  );
  `,
];
