/**
 * Starts the built headless shell (dist/main/headless.cjs) as `npm start`
 * would, and reads the URL it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from './paths';

export interface ShellProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startShellProcess(args: string[]): Promise<ShellProcess> {
  const child = spawn(process.execPath, [resolve(ROOT, 'dist/main/headless.cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d) => (err += String(d)));
  return new Promise((resolveStart, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
      const m = /MIA Workstation: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m !== null)
        resolveStart({
          url: m[1] as string,
          child,
          stop: () =>
            new Promise<void>((r) => {
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`headless shell exited with ${code}: ${err}`)));
  });
}
