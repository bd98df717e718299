/**
 * Where MIA Workstation keeps its data when no `--data-dir` is given: the
 * folder Electron's `app.getPath('userData')` names for the product, so the
 * desktop app, the headless shell and the CLI share one journal.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'MIA Workstation';

/** The OS's per-user application-data folder for MIA Workstation. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
}

/** The market-data folder inside a data folder (recordings and imported files). */
export function defaultMarketDataDir(dataDir: string): string {
  return join(dataDir, 'market-data');
}

declare const MIA_VERSION: string | undefined;

/** The app's version, set at build time; `0.0.0-dev` when run from source. */
export const APP_VERSION: string = typeof MIA_VERSION === 'string' ? MIA_VERSION : '0.0.0-dev';
