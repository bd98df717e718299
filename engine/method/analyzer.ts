/**
 * The Battle Navale analyzer: sections 1-10 of battle-navale.md run on each
 * completed decision bar, in order, producing a `Decision` and, when every
 * condition of section 10 holds under the mode's thresholds (section 11), a
 * `TradingSignal`.
 *
 * [Note: no look-ahead] The analyzer sees a bar only once it has closed (the
 * pipeline calls it from `barClosed`) and keeps only bars it has been given,
 * so the decision for bar N is the same whether the data stops at N or goes
 * on. tests/unit/method-real.test.ts ("no look-ahead") checks it with fast-check.
 */
import { TIMEFRAME_MS, type Bar, type Instrument } from '../domain.js';
import type { GammaLevels } from '../gamma/gex.js';
import type { ClosedBar } from '../pipeline.js';
import { Zone as TimeZone } from '../time/zone.js';
import { battleBalance } from './battle.js';
import { BaseTracker, goldenRule, type Base, type GoldenRuleState } from './bases.js';
import { GRADES, modeThresholdsOf, type MethodConfig, type Mode, type ModeThresholds } from './config.js';
import type { DecisionContext, MappedGamma, NqCloses } from './context.js';
import { confluence, sessionPhase, type Confluence } from './features.js';
import { BarHistory } from './history.js';
import { patternStrengths } from './patterns.js';
import { regimeOf, type Regime, type RegimeState } from './regime.js';
import { baseRetest, gammaFlip, gammaPin, levelConfluence, trap, vaRejection, vwapDeviation, type SetupProposal } from './setups.js';
import { battleConfidence, battleSignal, type Side } from './signal.js';
import type { Decision, ProposalOutcome, ProposalResult, TradingSignal } from './decision.js';
import { decisionSnapshot, type DecisionSnapshot } from './snapshot.js';
import { levelsOf, zonesOf, type Zone } from './zones.js';

/** What the analyzer needs. */
export interface AnalyzerDeps {
  readonly instrument: Instrument;
  readonly config: MethodConfig;
}

const RING = 16;

/** Runs the method bar by bar. One per data stream; not shared. */
export class MethodAnalyzer {
  private cfg: MethodConfig;
  private readonly instrument: Instrument;
  private readonly t: number;
  private readonly zone: TimeZone;
  private h: BarHistory;
  private bases: BaseTracker;
  private readonly vwapRing = new Float64Array(RING);
  private readonly sessionRing: (string | null)[] = new Array<string | null>(RING).fill(null);
  private gamma: MappedGamma | null = null;
  private gammaSource: GammaLevels | null = null;
  private nq: NqCloses | null = null;
  private overnightKey = Number.NaN;
  private overnightHigh = Number.NaN;
  private overnightLow = Number.NaN;

  constructor(deps: AnalyzerDeps) {
    this.cfg = deps.config;
    this.instrument = deps.instrument;
    this.t = deps.instrument.tickSize;
    this.zone = new TimeZone(deps.instrument.timeZone);
    this.h = new BarHistory(this.cfg.avgVolumeBars);
    this.bases = new BaseTracker(this.cfg.bases, this.cfg.goldenRule.violationTicks, this.t);
  }

  /**
   * Starts the method's state over (issue 19: a contract change in a
   * multi-contract series, where two contracts trade at different prices):
   * the bar history and its windows, the bases and the golden rule, the
   * VWAP slope's ring and the overnight range. Its inputs (mode, gamma, NQ)
   * stay.
   */
  restart(): void {
    this.h = new BarHistory(this.cfg.avgVolumeBars);
    this.bases = new BaseTracker(this.cfg.bases, this.cfg.goldenRule.violationTicks, this.t);
    this.vwapRing.fill(Number.NaN);
    this.sessionRing.fill(null);
    this.overnightKey = Number.NaN;
    this.overnightHigh = Number.NaN;
    this.overnightLow = Number.NaN;
  }

  /** The method's configuration. */
  get config(): MethodConfig {
    return this.cfg;
  }

  /** Confirmed bases so far, oldest first (the newest 20). */
  get baseHistory(): readonly Base[] {
    return this.bases.history;
  }

  /**
   * Sets (or clears) the SPX gamma levels and the basis (ES - SPX, points)
   * that moves them onto ES. Applies from the next bar.
   */
  /** Switches the mode (section 11) whose thresholds judge the next bars; the snapshots record it. */
  setMode(mode: Mode): void {
    this.cfg = { ...this.cfg, mode };
  }

  /** Sets (or clears) the NQ series es_nq_correlation reads; from the next bar. */
  setNq(nq: NqCloses | null): void {
    this.nq = nq;
  }

  /**
   * NQ's closes as of the last `n` ES bars, oldest first (NqCloses.closeAt);
   * null without an NQ series, or when NQ has a hole in the window (the
   * feature is then neutral, and 'nq' a missing input).
   */
  private nqWindow(n: number): number[] | null {
    const nq = this.nq;
    if (nq === null) return null;
    const out: number[] = [];
    for (let ago = n - 1; ago >= 0; ago--) {
      const c = nq.closeAt(this.h.at(ago).ts);
      if (c === undefined) return null;
      out.push(c);
    }
    return out;
  }

  setGamma(levels: GammaLevels | null, basisPoints = 0): void {
    this.gammaSource = levels;
    this.gamma =
      levels === null
        ? null
        : {
            callWall: levels.callWall + basisPoints,
            putWall: levels.putWall + basisPoints,
            zeroGamma: levels.zeroGamma === null ? null : levels.zeroGamma + basisPoints,
            netGex: levels.netGex,
            callVolume: levels.callVolume,
            putVolume: levels.putVolume,
            basis: basisPoints,
            chainTs: levels.ts,
          };
  }

  /** The DECISION snapshot of a decision that emitted a signal (for the journal). */
  snapshot(d: Decision & { tradingSignal: TradingSignal }): DecisionSnapshot {
    return decisionSnapshot(d, this.cfg, this.gamma, this.gammaSource);
  }

  /** Runs sections 1-10 on a completed bar. */
  onBar(closed: ClosedBar): Decision {
    const { bar, levels } = closed;
    const cfg = this.cfg;
    const h = this.h;
    h.push(bar);
    const n = h.count - 1;
    const slot = n % RING;
    this.vwapRing[slot] = levels?.vwap ?? Number.NaN;
    this.sessionRing[slot] = levels?.sessionId ?? null;
    const back = cfg.features.slopeBars;
    let vwapSlope = 0;
    if (levels !== null && n >= back && back < RING) {
      const old = (n - back) % RING;
      if (this.sessionRing[old] === levels.sessionId) vwapSlope = levels.vwap - this.vwapRing[old]!;
    }
    const closeTs = bar.ts + TIMEFRAME_MS[bar.tf];
    const wall = closeTs + this.zone.offsetAt(closeTs);
    const minuteOfDay = Math.floor(wall / 60_000) % 1440;
    this.trackOvernight(bar);

    const balance = battleBalance(h, cfg.battle);
    const bases = this.bases.onBar(h);
    const golden = goldenRule(bases, balance.balance, cfg.goldenRule);
    const patterns = patternStrengths(h, this.t);
    const signal = battleSignal(balance.balance, balance.complete, golden.tc, bases, patterns, cfg.signal);
    const regime = regimeOf(h, vwapSlope, cfg.regime);
    const ctx: DecisionContext = {
      h,
      bar,
      t: this.t,
      levels,
      vwapSlope,
      overnightHigh: this.overnightHigh,
      overnightLow: this.overnightLow,
      minuteOfDay,
      balance,
      tc: golden.tc,
      bases,
      patterns,
      signal,
      gamma: this.gamma,
      nqCloses: this.nqWindow(Math.min(cfg.features.correlationBars + 1, h.length)),
    };
    const reach = cfg.zones.widthTicks * this.t + 1e-9;
    const zones = zonesOf(
      levelsOf(ctx, cfg.zones).filter((l) => l.price >= bar.low - reach && l.price <= bar.high + reach),
      this.t,
      cfg.zones,
    );
    const proposals = this.proposals(ctx, zones, regime.regime);
    const results: ProposalResult[] = [];
    let best: TradingSignal | null = null;
    const thresholds = modeThresholdsOf(cfg);
    // The features depend only on the side: computed at most once for each.
    const bySide: Partial<Record<Side, Confluence>> = {};
    const confluenceFor = (side: Side): Confluence => (bySide[side] ??= confluence(ctx, side, cfg));
    for (const p of proposals) {
      const r = this.judge(ctx, p, confluenceFor(p.side), regime, golden.state, closeTs, thresholds);
      results.push(r.result);
      if (r.signal !== null && (best === null || r.signal.confidence > best.confidence)) best = r.signal;
    }
    if (best !== null) {
      for (let k = 0; k < results.length; k++) {
        const r = results[k]!;
        if (r.outcome === 'signal' && r.proposal.setup !== best.setup) results[k] = { ...r, outcome: 'outranked' };
      }
    }
    const side: Side = best?.side ?? signal.candidate ?? (signal.s >= 0 ? 'LONG' : 'SHORT');
    return {
      bar,
      levels,
      balance,
      bases,
      goldenRule: golden.state,
      tc: golden.tc,
      patterns,
      signal,
      regime,
      confluence: confluenceFor(side),
      zones,
      proposals: results,
      tradingSignal: best,
      mode: cfg.mode,
      thresholds,
      sessionPhase: sessionPhase(minuteOfDay, cfg.sessionPhaseStart),
      gamma: this.gamma,
    };
  }

  private trackOvernight(bar: Bar): void {
    // Shift ET wall time by 6 h so the 18:00 open starts a "day"; overnight is before 09:30 ET (15:30 shifted).
    const shifted = bar.ts + this.zone.offsetAt(bar.ts) + 6 * 3_600_000;
    const key = Math.floor(shifted / 86_400_000);
    if (key !== this.overnightKey) {
      this.overnightKey = key;
      this.overnightHigh = Number.NaN;
      this.overnightLow = Number.NaN;
    }
    const minute = Math.floor(shifted / 60_000) % 1440;
    if (minute < 15 * 60 + 30) {
      if (!(bar.high <= this.overnightHigh)) this.overnightHigh = bar.high;
      if (!(bar.low >= this.overnightLow)) this.overnightLow = bar.low;
    }
  }

  /** Section 8's setups, filtered by section 9's strategy for the regime. */
  private proposals(ctx: DecisionContext, zones: readonly Zone[], regime: Regime): SetupProposal[] {
    const c = this.cfg.setups;
    const trend: -1 | 0 | 1 = regime === 'TREND_BULL' ? 1 : regime === 'TREND_BEAR' ? -1 : 0;
    const out: SetupProposal[] = [];
    const add = (p: SetupProposal | null): void => {
      if (p !== null) out.push(p);
    };
    add(vaRejection(ctx, c));
    add(vwapDeviation(ctx, c, trend));
    add(gammaFlip(ctx, c));
    add(baseRetest(ctx, c));
    add(levelConfluence(ctx, zones, c));
    add(gammaPin(ctx, c));
    add(trap(ctx, c));
    return out;
  }

  private judge(
    ctx: DecisionContext,
    p: SetupProposal,
    conf: Confluence,
    regime: RegimeState,
    golden: GoldenRuleState,
    closeTs: number,
    th: ModeThresholds,
  ): { result: ProposalResult; signal: TradingSignal | null } {
    const cfg = this.cfg;
    const sg = ctx.signal;
    const bnConfidence = battleConfidence(sg.s, sg.baseQuality, ctx.tc, ctx.patterns, p.side);
    const confidence = 0.5 * bnConfidence + 0.5 * conf.score;
    const reject = (outcome: ProposalOutcome) => ({ result: { proposal: p, outcome, confluence: conf.score, confidence }, signal: null });
    if (!strategyAllows(regime.regime, p)) return reject('regime');
    const against = p.side === 'LONG' ? sg.s < -cfg.rangeAgainstLimit : sg.s > cfg.rangeAgainstLimit;
    if (!(sg.candidate === p.side || (p.kind === 'range' && !against))) return reject('against-battle');
    const minGrade = regime.regime === 'TRANSITION' ? 'PREMIUM' : th.minGrade;
    if (GRADES.indexOf(conf.grade) < GRADES.indexOf(minGrade)) return reject('grade');
    if (conf.score < th.minConfluence) return reject('confluence');
    const g = ctx.bases.governing;
    const violated = ctx.bases.violated && g !== null && ((p.side === 'LONG' && g.type === 'GREEN') || (p.side === 'SHORT' && g.type === 'RED'));
    if (violated) return reject('golden-rule');
    if (!inWindow(ctx.minuteOfDay, cfg.window)) return reject('window');
    if (confidence < th.minConfidence) return reject('confidence');
    if (th.minBaseQuality > 0 && (g === null || g.quality < th.minBaseQuality)) return reject('base-quality');
    const bracket = stopAndTarget(p, ctx, conf.score, cfg);
    if (bracket.rewardRisk < cfg.targets.minRR) return reject('reward-risk');
    const gm = this.gamma;
    const l = ctx.levels;
    const nn = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);
    const signal: TradingSignal = {
      id: `${this.instrument.symbol}-${ctx.bar.ts}-${p.setup}-${p.side}`,
      ts: ctx.bar.ts,
      tsEvent: closeTs,
      symbol: this.instrument.symbol,
      side: p.side,
      setup: p.setup,
      form: p.form,
      kind: p.kind,
      label: `${p.label} ${conf.grade}`,
      reason: p.reason,
      entry: p.entry,
      stop: bracket.stop,
      target: bracket.target,
      rewardRisk: bracket.rewardRisk,
      riskTicks: bracket.riskTicks,
      confidence,
      confluence: conf.score,
      grade: conf.grade,
      battle: {
        b: ctx.balance.balance,
        vikings: ctx.balance.vikings,
        defenders: ctx.balance.defenders,
        tc: ctx.tc,
        q: sg.baseQuality,
        s: sg.s,
        candidate: sg.candidate,
        battleStrength: sg.battleStrength,
        status: sg.status,
        confidence: bnConfidence,
        goldenRule: golden,
        goldenRuleViolated: ctx.bases.violated,
        governingBase: g,
        patterns: ctx.patterns,
        deltaRatio: ctx.balance.deltaRatio,
        aggressorShare: ctx.balance.aggressorShare,
      },
      features: conf.features,
      regime: regime.regime,
      levels: {
        vwap: nn(l?.vwap),
        vwapSigma: nn(l?.vwapSigma),
        poc: nn(l?.poc),
        vah: nn(l?.vah),
        val: nn(l?.val),
        pPoc: nn(l?.pPoc),
        pVah: nn(l?.pVah),
        pVal: nn(l?.pVal),
        callWall: gm?.callWall ?? null,
        putWall: gm?.putWall ?? null,
        zeroGamma: gm?.zeroGamma ?? null,
        netGex: gm?.netGex ?? null,
      },
      missingInputs: conf.missing,
    };
    return { result: { proposal: p, outcome: 'signal', confluence: conf.score, confidence }, signal };
  }
}

/** Section 9: which setups each regime trades. TRANSITION takes any setup (its PREMIUM-only rule is applied on the grade). */
export function strategyAllows(regime: Regime, p: SetupProposal): boolean {
  switch (regime) {
    case 'TREND_BULL':
    case 'TREND_BEAR': {
      const withTrend = (regime === 'TREND_BULL') === (p.side === 'LONG');
      const setupOk = (p.setup === 'VWAP_DEVIATION' && p.form === 'continuation') || p.setup === 'GAMMA_FLIP' || p.setup === 'BN_BASE_RETEST' || p.setup === 'LEVEL_CONFLUENCE';
      return withTrend && setupOk;
    }
    case 'RANGE':
      return (
        p.setup === 'VA_REJECTION' ||
        (p.setup === 'VWAP_DEVIATION' && p.form === 'reversion') ||
        p.setup === 'LEVEL_CONFLUENCE' ||
        p.setup === 'GAMMA_PIN' ||
        p.setup === 'TRAP'
      );
    case 'TRANSITION':
      return true;
  }
}

/** Section 10's trading window: [start, end) minus [noEntryStart, noEntryEnd), minutes ET. */
export function inWindow(minute: number, w: MethodConfig['window']): boolean {
  return minute >= w.startMinute && minute < w.endMinute && !(minute >= w.noEntryStartMinute && minute < w.noEntryEndMinute);
}

/**
 * Section 10's stop and target. Stop distance by kind (8 trend, 4 range, 6
 * other ticks), x0.8 under an EXCELLENT governing base, rounded up to whole
 * ticks; a LONG stop never above base.low - 2 ticks under a GREEN base (SHORT
 * mirrored). Target at reward:risk 2.5 / 1.5 / 2.0 (x1.2 above 0.8
 * confluence), rounded toward the entry to whole ticks, or the setup's own
 * target when it lies on the profit side and nearer.
 */
export function stopAndTarget(p: SetupProposal, ctx: Pick<DecisionContext, 't' | 'bases'>, confluenceScore: number, cfg: MethodConfig): { stop: number; target: number; rewardRisk: number; riskTicks: number } {
  const t = ctx.t;
  const dir = p.side === 'LONG' ? 1 : -1;
  const s = cfg.stops;
  const g = ctx.bases.governing;
  let ticks = p.kind === 'trend' ? s.trendTicks : p.kind === 'range' ? s.rangeTicks : s.otherTicks;
  if (g?.rating === 'EXCELLENT') ticks *= s.excellentFactor;
  ticks = Math.ceil(ticks - 1e-9);
  const entryTicks = Math.round(p.entry / t);
  let stopTicks = entryTicks - dir * ticks;
  if (g !== null && !ctx.bases.violated) {
    if (dir > 0 && g.type === 'GREEN') stopTicks = Math.min(stopTicks, Math.round(g.low / t) - s.baseBufferTicks);
    if (dir < 0 && g.type === 'RED') stopTicks = Math.max(stopTicks, Math.round(g.high / t) + s.baseBufferTicks);
  }
  const riskTicks = Math.abs(entryTicks - stopTicks);
  const tg = cfg.targets;
  let rr = p.kind === 'trend' ? tg.trendRR : p.kind === 'range' ? tg.rangeRR : tg.otherRR;
  if (confluenceScore > tg.highConfluence) rr *= tg.highConfluenceFactor;
  let rewardTicks = Math.floor(rr * riskTicks + 1e-9);
  if (p.target !== null) {
    const own = Math.floor((dir * (p.target - p.entry)) / t + 1e-9);
    if (own > 0 && own < rewardTicks) rewardTicks = own;
  }
  return { stop: stopTicks * t, target: (entryTicks + dir * rewardTicks) * t, rewardRisk: riskTicks > 0 ? rewardTicks / riskTicks : 0, riskTicks };
}
