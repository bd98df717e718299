// Starts the built headless shell (dist/main/headless.cjs) as `npm start`
// would and reads the URL it prints. Used by the end-to-end tests and by
// `npm run bench:ui`.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startShellAt } from './shell-at.mjs';

export function startShellProcess(args) {
  return startShellAt(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist/main/headless.cjs'), args);
}
