// Starts a built headless shell (dist/main/headless.cjs) and reads the URL it
// prints. Kept apart from headless-process.mjs (which finds dist/ from its own
// place) so a bundled script, such as the live latency bench, can use it.
import { spawn } from 'node:child_process';

export function startShellAt(headless, args) {
  const child = spawn(process.execPath, [headless, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
