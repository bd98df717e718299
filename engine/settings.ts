/**
 * Reading and saving the workstation's settings: JSON values by key in the
 * journal's settings table, which outlive runs and restarts (and travel in
 * backups). The execution settings (mode, MANUAL/AUTO), the backup settings
 * and the connections live here. An engine without a journal keeps none.
 */
import { z } from 'zod';
import type { PositionManagement } from './execution/management.js';
import type { ExecutionMode } from './execution/records.js';
import { DEFAULT_METHOD_CONFIG, GRADES, MODES, type MethodConfig, type Mode } from './method/config.js';
import { DEFAULT_RISK_CONFIG, type RiskConfig } from './risk/sizing.js';
import type { Db } from './store/db.js';

/** One setting key per concern ('trader': the trader's settings document, TraderSettingsSchema; 'trader-deferred': a raised daily loss limit waiting for the next session). */
export type SettingKey = 'execution' | 'backup' | 'connections' | 'account' | 'trader' | 'trader-deferred';

/** The settings table of one journal. */
export class SettingsStore {
  constructor(private readonly db: Db | null) {}

  /** The value saved under `key`, or null (none saved, or no journal). */
  get<T>(key: SettingKey): T | null {
    const row = this.db?.prepare(`SELECT value FROM settings WHERE key = ?`).get(key) as { value: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.value) as T);
  }

  /** Saves `value` (JSON) under `key`; nothing without a journal. */
  set(key: SettingKey, value: unknown): void {
    this.db?.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, JSON.stringify(value));
  }

  /**
   * Saves the trader's settings and journals each change (who, when, old and
   * new, why) in one transaction: both or neither. Nothing without a journal.
   */
  saveTrader(next: TraderSettings, changes: readonly SettingChange[], who: string, reason: string, ts: number): void {
    const db = this.db;
    if (db === null) return;
    const log = db.prepare(`INSERT INTO settings_changes (ts, who, field, old_value, new_value, reason) VALUES (?, ?, ?, ?, ?, ?)`);
    db.transaction(() => {
      this.set('trader', next);
      for (const c of changes) log.run(ts, who, c.field, c.from === undefined ? null : JSON.stringify(c.from), JSON.stringify(c.to), reason);
    })();
  }

  /**
   * Saves `value` under `key` and journals the change of one field (who,
   * when, old and new, why) in one transaction, as saveTrader does: the
   * starting equity of the account settings, set beside Equity. Nothing
   * without a journal.
   */
  saveLogged(key: SettingKey, value: unknown, change: { readonly field: string; readonly from: unknown; readonly to: unknown }, who: string, reason: string, ts: number): void {
    const db = this.db;
    if (db === null) return;
    db.transaction(() => {
      this.set(key, value);
      db.prepare(`INSERT INTO settings_changes (ts, who, field, old_value, new_value, reason) VALUES (?, ?, ?, ?, ?, ?)`).run(ts, who, change.field, JSON.stringify(change.from ?? null), JSON.stringify(change.to ?? null), reason);
    })();
  }

  /** The journaled changes of the trader's settings, newest first. */
  traderChanges(limit = 200): { ts: number; who: string; field: string; from: unknown; to: unknown; reason: string }[] {
    const rows = (this.db?.prepare(`SELECT ts, who, field, old_value AS o, new_value AS n, reason FROM settings_changes ORDER BY id DESC LIMIT ?`).all(limit) ?? []) as { ts: number; who: string; field: string; o: string | null; n: string; reason: string }[];
    return rows.map((r) => ({ ts: r.ts, who: r.who, field: r.field, from: r.o === null ? null : (JSON.parse(r.o) as unknown), to: JSON.parse(r.n) as unknown, reason: r.reason }));
  }
}

/** The mode and MANUAL/AUTO, as the top bar shows them. */
export interface ExecutionSettings {
  mode: Mode;
  execution: ExecutionMode;
}

/**
 * The saved execution settings; `defaultMode` (the method config's) when
 * none. LIVE never comes back by itself: no broker is connected at start.
 */
export function readExecutionSettings(s: SettingsStore, defaultMode: Mode): ExecutionSettings {
  const saved = s.get<{ mode?: unknown; execution?: unknown }>('execution');
  const mode = (MODES as readonly unknown[]).includes(saved?.mode) ? (saved?.mode as Mode) : defaultMode;
  return { mode: mode === 'LIVE' ? 'PAPER' : mode, execution: saved?.execution === 'AUTO' ? 'AUTO' : 'MANUAL' };
}

/** Backup settings: archives kept, the daily backup, and when the last one ran (Unix ms). */
export interface BackupSettings {
  keep: number;
  daily: boolean;
  lastBackupAt: number | null;
}

const DEFAULT_BACKUP: BackupSettings = { keep: 7, daily: true, lastBackupAt: null };

/** The saved backup settings over the defaults (7 archives, daily). */
export function readBackupSettings(s: SettingsStore): BackupSettings {
  return { ...DEFAULT_BACKUP, ...s.get<Partial<BackupSettings>>('backup') };
}

/**
 * The account's equity settings (issue 16): the starting equity the trader
 * set for runs whose orders are not at a broker (null: not set, the risk
 * config's default stands and is shown as such), and the high-water mark of
 * each broker account's net liquidation value, by `<broker>:<account>`
 * (the drawdown rule's peak, kept across restarts). USD.
 */
export interface AccountSettings {
  startingEquityUsd: number | null;
  brokerPeaksUsd: Record<string, number>;
}

/** The saved account settings; values that are not positive finite numbers are dropped. */
export function readAccountSettings(s: SettingsStore): AccountSettings {
  const saved = s.get<{ startingEquityUsd?: unknown; brokerPeaksUsd?: unknown }>('account');
  const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  const peaks: Record<string, number> = {};
  if (typeof saved?.brokerPeaksUsd === 'object' && saved.brokerPeaksUsd !== null) {
    for (const [k, v] of Object.entries(saved.brokerPeaksUsd)) if (positive(v)) peaks[k] = v;
  }
  return { startingEquityUsd: positive(saved?.startingEquityUsd) ? saved.startingEquityUsd : null, brokerPeaksUsd: peaks };
}

// ------------------------------------------------------------------ the trader's settings (issue 18, item 1)

/** The version of the trader's settings document; parseTraderSettings migrates older ones (1: no `orders` nor `management`). */
export const TRADER_SETTINGS_VERSION = 2;

const pct = z.number().gt(0).max(100);
const unit = z.number().min(0).max(1);
/** A New York wall time, "HH:MM". */
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day in New York, HH:MM');
const modeThresholds = z.strictObject({ minConfidence: unit, minConfluence: unit, minGrade: z.enum(GRADES), minBaseQuality: unit });
const count = (max: number) => z.number().int().min(1).max(max);

/**
 * The trader's settings (battle-navale.md section 12's numbers, the sizing,
 * and the simulated venue's costs), as the Settings view, the settings file
 * and `mia settings` carry them. Units in the names: USD, minutes, percent
 * (0-100), ticks, contracts. zod names the field of any bad value.
 */
export const TraderSettingsSchema = z.strictObject({
  version: z.literal(TRADER_SETTINGS_VERSION),
  risk: z.strictObject({
    /** Risk of one trade at its stop, USD. */
    maxRiskPerTradeUsd: z.number().positive().max(100_000),
    /** The day's loss that trips the kill switch, USD. */
    dailyLossLimitUsd: z.number().positive().max(1_000_000),
    maxTradesPerDay: count(500),
    /** Losses in a row that pause new entries, and for how long. */
    lossStreakPause: count(100),
    pauseMinutes: z.number().min(0).max(1440),
    /** Drawdown from the peak equity that trips the kill switch, percent. */
    maxDrawdownPct: pct,
    maxContractsPerSignal: count(100),
    maxOpenPositions: count(10),
    /** New and open risk within this share of the daily limit, and of what is left of it, percent. */
    budgetOfDailyLimitPct: pct,
    budgetOfRemainingPct: pct,
  }),
  sizing: z.strictObject({
    baseContracts: count(100),
    /** Kelly sizing on, betting this fraction of the Kelly fraction (0.25: quarter Kelly). */
    kelly: z.boolean(),
    kellyFraction: z.number().gt(0).max(1),
  }),
  /** The simulated venue (PAPER, replays, backtests). */
  paper: z.strictObject({
    commissionPerSideUsd: z.number().min(0).max(100),
    slippageTicks: z.number().int().min(0).max(20),
  }),
  /** The method's numbers the trader sets (battle-navale.md sections 10 and 11); for runs opened later. */
  method: z.strictObject({
    /** Section 11's thresholds per mode. */
    modes: z.strictObject({ DATA_COLLECTION: modeThresholds, PAPER: modeThresholds, LIVE: modeThresholds }),
    /** Section 10's trading window and its no-entry stretch, New York time. */
    window: z.strictObject({ start: hhmm, end: hhmm, noEntryStart: hhmm, noEntryEnd: hhmm }),
    /** Section 10's stop distances, ticks, and reward:risk of the targets. */
    stops: z.strictObject({ trendTicks: z.number().int().min(1).max(200), rangeTicks: z.number().int().min(1).max(200), otherTicks: z.number().int().min(1).max(200) }),
    targets: z.strictObject({ trendRR: z.number().gt(0).max(20), rangeRR: z.number().gt(0).max(20), otherRR: z.number().gt(0).max(20), minRR: z.number().gt(0).max(20) }),
  }),
  /** MANUAL approvals (section 11): unanswered, they expire after this long or when price moves this far past the entry. */
  approval: z.strictObject({ expirySeconds: z.number().int().min(5).max(3600), expiryTicks: z.number().int().min(1).max(200) }),
  /** The trader's own orders (the ladder, the chart, Reverse): the quantity the ladder starts with, and the ATM bracket every entry carries, ticks from the fill. */
  orders: z.strictObject({ contracts: count(100), stopTicks: z.number().int().min(1).max(400), targetTicks: z.number().int().min(1).max(400) }),
  /**
   * Position management of every trade (issue 18, item 3; engine/execution/management.ts), off by default:
   * null turns a rule off. Breakeven after N ticks in favour (plus an offset), a trailing stop in ticks or
   * ATR(14) multiples, a time exit after N completed bars, and a flatten at a New York time before the close.
   */
  management: z.strictObject({
    breakevenAfterTicks: z.number().int().min(1).max(400).nullable(),
    breakevenOffsetTicks: z.number().int().min(0).max(100),
    trailTicks: z.number().int().min(1).max(400).nullable(),
    trailAtrMultiple: z.number().gt(0).max(20).nullable(),
    timeExitBars: z.number().int().min(1).max(1000).nullable(),
    flattenAt: hhmm.nullable(),
  }),
});

/** The ATM bracket and ladder quantity of a first day: 1 contract, stop 8 ticks (100 USD, section 12's per-trade limit), target 16. */
const DEFAULT_ORDERS = { contracts: 1, stopTicks: 8, targetTicks: 16 } as const;
/** Every management rule off. */
const DEFAULT_MANAGEMENT = { breakevenAfterTicks: null, breakevenOffsetTicks: 0, trailTicks: null, trailAtrMultiple: null, timeExitBars: null, flattenAt: null } as const;

/** The trader's settings. */
export type TraderSettings = z.infer<typeof TraderSettingsSchema>;

/** The defaults: section 12's numbers (DEFAULT_RISK_CONFIG) and the simulated venue's (2.25 USD a side, 1 tick). */
export const DEFAULT_TRADER_SETTINGS: TraderSettings = traderSettingsOf(DEFAULT_RISK_CONFIG);

/** A settings value refused: `field` is its dotted path (risk.dailyLossLimitUsd). */
export class SettingsError extends Error {
  constructor(
    message: string,
    readonly field: string | null,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/**
 * Validates a settings document (a file's, an import's, the store's).
 * @throws SettingsError naming the first bad field and why (zod's words), or the version it cannot read.
 */
export function parseTraderSettings(doc: unknown, source = 'settings'): TraderSettings {
  const version = (doc as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > TRADER_SETTINGS_VERSION) throw new SettingsError(`${source}: version ${version} is newer than this workstation reads (${TRADER_SETTINGS_VERSION}); update the workstation`, 'version');
  // Version 1 had no orders nor management: the defaults, which change nothing it did.
  const migrated = version === 1 && typeof doc === 'object' && doc !== null ? { orders: DEFAULT_ORDERS, management: DEFAULT_MANAGEMENT, ...doc, version: TRADER_SETTINGS_VERSION } : doc;
  const r = TraderSettingsSchema.safeParse(migrated);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw new SettingsError(`${source}: ${field === '' ? 'the document' : field}: ${issue.message}`, field === '' ? null : field);
}

/** The trader's settings a risk config stands for (the engine's configuration before any is saved), with the simulated venue's default costs. */
export function traderSettingsOf(r: RiskConfig, m: MethodConfig = DEFAULT_METHOD_CONFIG): TraderSettings {
  const time = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
  return {
    version: TRADER_SETTINGS_VERSION,
    risk: {
      maxRiskPerTradeUsd: r.maxRiskPerTradeUsd,
      dailyLossLimitUsd: r.dailyLossLimitUsd,
      maxTradesPerDay: r.maxTradesPerDay,
      lossStreakPause: r.lossStreakPause,
      pauseMinutes: r.pauseMs / 60_000,
      maxDrawdownPct: r.maxDrawdownShare * 100,
      maxContractsPerSignal: r.maxContractsPerSignal,
      maxOpenPositions: r.maxOpenPositions,
      budgetOfDailyLimitPct: r.budgetOfDailyLimit * 100,
      budgetOfRemainingPct: r.budgetOfRemaining * 100,
    },
    sizing: { baseContracts: r.baseContracts, kelly: r.kellyShare !== null, kellyFraction: r.kellyShare ?? 0.25 },
    paper: { commissionPerSideUsd: 2.25, slippageTicks: 1 },
    method: {
      modes: { DATA_COLLECTION: { ...m.modes.DATA_COLLECTION }, PAPER: { ...m.modes.PAPER }, LIVE: { ...m.modes.LIVE } },
      window: { start: time(m.window.startMinute), end: time(m.window.endMinute), noEntryStart: time(m.window.noEntryStartMinute), noEntryEnd: time(m.window.noEntryEndMinute) },
      stops: { trendTicks: m.stops.trendTicks, rangeTicks: m.stops.rangeTicks, otherTicks: m.stops.otherTicks },
      targets: { trendRR: m.targets.trendRR, rangeRR: m.targets.rangeRR, otherRR: m.targets.otherRR, minRR: m.targets.minRR },
    },
    approval: { expirySeconds: 30, expiryTicks: 4 },
    orders: { ...DEFAULT_ORDERS },
    management: { ...DEFAULT_MANAGEMENT },
  };
}

/** The position management rules of the trader's settings (engine/execution/management.ts). */
export function managementOf(s: TraderSettings): PositionManagement {
  const m = s.management;
  const minute = m.flattenAt === null ? null : Number(m.flattenAt.slice(0, 2)) * 60 + Number(m.flattenAt.slice(3, 5));
  return { breakevenAfterTicks: m.breakevenAfterTicks, breakevenOffsetTicks: m.breakevenOffsetTicks, trailTicks: m.trailTicks, trailAtrMultiple: m.trailAtrMultiple, timeExitBars: m.timeExitBars, flattenAtMinuteEt: minute };
}

/** The method config of the trader's settings over `base` (the numbers the settings do not hold stay `base`'s). */
export function methodOf(s: TraderSettings, base: MethodConfig = DEFAULT_METHOD_CONFIG): MethodConfig {
  const minute = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const m = s.method;
  return {
    ...base,
    modes: { DATA_COLLECTION: { ...m.modes.DATA_COLLECTION }, PAPER: { ...m.modes.PAPER }, LIVE: { ...m.modes.LIVE } },
    window: { startMinute: minute(m.window.start), endMinute: minute(m.window.end), noEntryStartMinute: minute(m.window.noEntryStart), noEntryEndMinute: minute(m.window.noEntryEnd) },
    stops: { ...base.stops, ...m.stops },
    targets: { ...base.targets, ...m.targets },
  };
}

/** The risk config of the trader's settings over `base` (the fields the settings do not hold stay `base`'s). */
export function riskOf(s: TraderSettings, base: RiskConfig = DEFAULT_RISK_CONFIG): RiskConfig {
  const r = s.risk;
  return {
    ...base,
    maxRiskPerTradeUsd: r.maxRiskPerTradeUsd,
    dailyLossLimitUsd: r.dailyLossLimitUsd,
    maxTradesPerDay: r.maxTradesPerDay,
    lossStreakPause: r.lossStreakPause,
    pauseMs: r.pauseMinutes * 60_000,
    maxDrawdownShare: r.maxDrawdownPct / 100,
    maxContractsPerSignal: r.maxContractsPerSignal,
    maxOpenPositions: r.maxOpenPositions,
    budgetOfDailyLimit: r.budgetOfDailyLimitPct / 100,
    budgetOfRemaining: r.budgetOfRemainingPct / 100,
    baseContracts: s.sizing.baseContracts,
    kellyShare: s.sizing.kelly ? s.sizing.kellyFraction : null,
  };
}

/** One field's change: dotted path, old and new values. */
export interface SettingChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
  /** Gives the trader more room to lose (a risk limit raised, sizing up, the pause shortened). */
  readonly loosens: boolean;
}

/** Fields where a higher value loosens the risk (the others: pauseMinutes, where a lower one does; the costs, neither). */
const HIGHER_LOOSENS = new Set([
  'risk.maxRiskPerTradeUsd', 'risk.dailyLossLimitUsd', 'risk.maxTradesPerDay', 'risk.lossStreakPause', 'risk.maxDrawdownPct', 'risk.maxContractsPerSignal',
  'risk.maxOpenPositions', 'risk.budgetOfDailyLimitPct', 'risk.budgetOfRemainingPct', 'sizing.baseContracts', 'sizing.kelly', 'sizing.kellyFraction',
]);

/** The fields that differ between two settings documents, in the schema's order. */
export function settingChanges(from: TraderSettings, to: TraderSettings): SettingChange[] {
  const out: SettingChange[] = [];
  const walk = (a: Record<string, unknown>, b: Record<string, unknown>, prefix: string): void => {
    for (const k of Object.keys(b)) {
      const field = `${prefix}${k}`;
      if (typeof b[k] === 'object' && b[k] !== null) {
        walk((a[k] ?? {}) as Record<string, unknown>, b[k] as Record<string, unknown>, `${field}.`);
        continue;
      }
      if (a[k] === b[k]) continue;
      const up = Number(b[k]) > Number(a[k]);
      const loosens = HIGHER_LOOSENS.has(field) ? up : field === 'risk.pauseMinutes' ? !up : false;
      out.push({ field, from: a[k], to: b[k], loosens });
    }
  };
  const rest: Record<string, unknown> = { ...to };
  delete rest.version;
  walk(from as unknown as Record<string, unknown>, rest, '');
  return out;
}

/** What the account holds when a change is asked. */
export interface Exposure {
  readonly positionQty: number;
  readonly workingOrders: number;
  readonly killSwitch: 'ACTIVE' | 'REDUCING' | 'HALTED';
}

/**
 * The safety rule (Sierra Chart's daily loss lock, issue 18): a change that
 * loosens a risk limit is refused while a position or a working order is
 * open, or the kill switch is not ACTIVE. Tightening is always allowed.
 * @throws SettingsError naming the first loosened field and why.
 */
export function checkChanges(changes: readonly SettingChange[], x: Exposure): void {
  const loose = changes.find((c) => c.loosens);
  if (loose === undefined) return;
  const why =
    x.killSwitch !== 'ACTIVE' ? `the kill switch is ${x.killSwitch}`
    : x.positionQty !== 0 ? `a position of ${x.positionQty} contract(s) is open`
    : x.workingOrders > 0 ? `${x.workingOrders} order(s) are working`
    : null;
  if (why !== null) throw new SettingsError(`${loose.field} ${String(loose.from)} -> ${String(loose.to)} loosens a risk limit: refused while ${why}; flatten first (tightening is always allowed)`, loose.field);
}

/** The trader's settings saved, migrated to this version; the defaults when none (or no journal). @throws SettingsError when the stored document is bad. */
export function readTraderSettings(s: SettingsStore): TraderSettings {
  const saved = s.get<unknown>('trader');
  return saved === null ? DEFAULT_TRADER_SETTINGS : parseTraderSettings(saved, 'the saved settings');
}
