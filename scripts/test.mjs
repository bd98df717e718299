// `npm test`: build, lint (with the layer rules), the engine's dependency
// rules (.dependency-cruiser.cjs), type-check every runtime,
// then the unit, contract and end-to-end suites. Prints one closing line
// "vitest: N passed, N failed, N skipped" and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (label, cmd, args) => {
  console.log(`\n== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`\n${label} failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
};

run('build', process.execPath, ['scripts/build.mjs']);
run('lint', 'npx', ['eslint', '.']);
run('dependency rules (no import loop, no import of a higher layer)', 'npx', ['depcruise', 'engine', '--config', '.dependency-cruiser.cjs', '--output-type', 'err']);
for (const p of ['engine', 'renderer', 'main', 'tests']) run(`typecheck ${p}`, 'npx', ['tsc', '-p', p]);

const report = join(mkdtempSync(join(tmpdir(), 'mia-test-')), 'vitest.json');
console.log('\n== tests: vitest run (unit, contract, e2e, electron)');
const r = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { stdio: 'inherit', shell: process.platform === 'win32' });
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  passed = j.numPassedTests;
  failed = j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0);
  skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
} catch {
  failed = Math.max(failed, 1);
}
// Skipped: the Electron-window tests where no Electron binary is installed.
console.log(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(r.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
