/**
 * Command line of the headless shell (dist/main/headless.cjs):
 *   --port <n> (default: a free port), --data-dir <dir>, --market-data-dir <dir>,
 *   --replay <file>, --method-config <file.json>, --renderer <dir> (the built renderer, default dist/renderer),
 *   --heartbeat-log <file> (benchmarks: each heartbeat's round trip in ms, a line each, beats every 100 ms).
 * Prints `MIA Workstation: http://127.0.0.1:<port>/?token=<token>`.
 */
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startShell } from './shell';

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'market-data-dir': { type: 'string' },
      replay: { type: 'string' },
      'method-config': { type: 'string' },
      renderer: { type: 'string' },
      'heartbeat-log': { type: 'string' },
    },
    strict: false,
  });
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const port = str(values.port);
  const logFile = str(values['heartbeat-log']);
  const heartbeatLog = logFile === undefined ? null : createWriteStream(logFile, { flags: 'a' });
  const shellHandle = await startShell({
    port: port === undefined ? undefined : Number(port),
    dataDir: str(values['data-dir']),
    marketDataDir: str(values['market-data-dir']),
    replay: str(values.replay) === undefined ? undefined : resolve(str(values.replay) as string),
    methodConfig: str(values['method-config']) === undefined ? undefined : resolve(str(values['method-config']) as string),
    rendererDir: str(values.renderer) ?? join(__dirname, '../renderer'),
    engineEntry: join(__dirname, '../engine/main.cjs'),
    ...(heartbeatLog === null ? {} : { watchdogIntervalMs: 100, onHeartbeat: (ms: number) => void heartbeatLog.write(`${ms.toFixed(3)}\n`) }),
  });
  process.stdout.write(`MIA Workstation: ${shellHandle.url}\n`);
  const stop = (): void => {
    void shellHandle.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

cli().catch((e: unknown) => {
  process.stderr.write(`MIA Workstation (headless): ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
