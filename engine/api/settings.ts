/**
 * The EngineApi of the Settings view (engine/api/parts.ts): the trader's
 * settings (issue 18) read, validated, checked against what the account
 * holds, saved with every change journaled, and applied to the open run.
 * The rules are engine/settings.ts's.
 */
import type { EngineApi, SettingsDTO } from '../contract.js';
import { EngineError } from '../errors.js';
import { SettingsError, checkChanges, parseTraderSettings, readAccountSettings, settingChanges, type TraderSettings } from '../settings.js';
import type { KernelParts } from './parts.js';

type SettingsApi = Pick<EngineApi, 'getSettings' | 'setSettings'>;

/** The Settings view's calls. */
export function settingsApi(k: KernelParts): SettingsApi {
  const dto = (): SettingsDTO => {
    const t = k.traderSettings();
    return {
      settings: t.settings,
      saved: t.saved,
      dailyLossLimitInForceUsd: k.dailyLossLimitInForce(),
      startingEquityUsd: readAccountSettings(k.settings()).startingEquityUsd,
      changes: k.settings().traderChanges(50),
    };
  };

  return {
    async getSettings() {
      return dto();
    },

    async setSettings(req) {
      if (typeof req?.reason !== 'string' || req.reason.trim() === '') throw new EngineError('bad-request', 'setSettings: say why in "reason" (every change is journaled with it)');
      let next: TraderSettings;
      try {
        next = parseTraderSettings(req.settings, 'setSettings');
        const changes = settingChanges(k.traderSettings().settings, next);
        if (changes.length === 0) return dto();
        const trader = k.run()?.run.trader ?? null;
        checkChanges(changes, { positionQty: trader?.portfolio.qty ?? 0, workingOrders: trader?.workingOrders().length ?? 0, killSwitch: k.killSwitch().status.state });
        k.saveTraderSettings(next, changes, req.who ?? 'trader', req.reason.trim());
      } catch (e) {
        if (e instanceof SettingsError) throw new EngineError('bad-request', e.message);
        throw e;
      }
      return dto();
    },
  };
}
