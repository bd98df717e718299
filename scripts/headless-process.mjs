// Starts the built headless shell (dist/main/headless.cjs) as `npm start`
// would and reads the URL it prints. Used by the end-to-end tests and by
// `npm run bench:ui`.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function startShellProcess(args) {
  const child = spawn(process.execPath, [join(root, 'dist/main/headless.cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  return new Promise((resolveStart, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
      const m = /MIA Workstation: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m !== null)
        resolveStart({
          url: m[1],
          child,
          stop: () =>
            new Promise((r) => {
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`headless shell exited with ${code}: ${err}`)));
  });
}
