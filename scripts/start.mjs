// `npm start [-- --replay <file>] [-- --data-dir <dir>] [-- --market-data-dir <dir>]`:
// opens the Electron window where the Electron binary exists; elsewhere starts
// the headless shell, which prints the URL (with its token) to open in a browser.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-path.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
if (!existsSync(join(root, 'dist/main/headless.cjs'))) {
  console.error('MIA Workstation is not built: run `npm run build` (npm install does it).');
  process.exit(1);
}

const electron = process.env.MIA_HEADLESS === '1' ? null : findElectronBinary();
const child = electron !== null
  ? spawn(electron, [root, ...args], { stdio: 'inherit' })
  : spawn(process.execPath, [join(root, 'dist/main/headless.cjs'), ...args], { stdio: 'inherit' });
if (electron === null) console.error('(no Electron binary here: starting the headless shell)');
const forward = (sig) => () => child.kill(sig);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));
