// Builds every runtime of the app into dist/ (architecture.md, "Layout"):
// engine, CLI, bench and headless shell for Node; Electron main and preload;
// the renderer with Vite. Runs on `npm install` (prepare) so `npm start` and
// `npx mia` work straight after install.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const only = process.argv.includes('--node-only');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
  define: { MIA_VERSION: JSON.stringify(pkg.version) },
  // Native modules stay outside the bundle; electron-builder rebuilds them for Electron.
  // piscina too: it starts its own worker script from its package folder.
  external: ['better-sqlite3', 'onnxruntime-node', 'electron', 'bufferutil', 'utf-8-validate', 'piscina'],
};

const entries = [
  ['engine/main.ts', 'dist/engine/main.cjs'],
  ['engine/cli/bin.ts', 'dist/cli/mia.cjs'],
  // A sweep's worker thread (engine/research/sweep.ts runs it through piscina).
  ['engine/research/sweep-worker.ts', 'dist/engine/sweep-worker.cjs'],
  ['engine/bench/bench.ts', 'dist/bench/bench.cjs'],
  ['main/headless/bin.ts', 'dist/main/headless.cjs'],
  ['main/main.ts', 'dist/main/main.cjs'],
  ['main/preload.ts', 'dist/main/preload.cjs'],
];

await Promise.all([
  ...entries.map(([entry, outfile]) => build({ ...common, entryPoints: [entry], outfile })),
  // The live latency bench drives the fake TWS (tests/peers) and Chromium through playwright-core, which stays a package.
  build({ ...common, entryPoints: ['tests/bench/live-latency.ts'], outfile: 'dist/bench/live.cjs', external: [...common.external, 'playwright-core'] }),
  build({ ...common, entryPoints: ['tests/bench/responsiveness.ts'], outfile: 'dist/bench/responsive.cjs', external: [...common.external, 'playwright-core'] }),
  build({ ...common, entryPoints: ['tests/bench/link-cycles.ts'], outfile: 'dist/bench/cycles.cjs' }),
]);

if (!only) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(root, 'renderer/vite.config.mts'), logLevel: 'warn' });
}
console.log(`built MIA Workstation ${pkg.version} into dist/`);
