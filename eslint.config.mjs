// Lint, including the layer rules of architecture.md ("the folder decides the
// runtime"): engine/** imports no electron and no DOM; renderer/** imports
// engine and main code as types only; only main/** imports electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'worker_threads'];
const domGlobals = ['window', 'document', 'navigator', 'localStorage', 'requestAnimationFrame'];
// Time and yielding are injected (engine/clock.ts, engine/scheduler.ts): nothing else in engine/** schedules work by itself.
const timerGlobals = ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'].map((name) => ({
  name,
  message: 'Timers come from the injected Clock (engine/clock.ts) and yielding from the Scheduler (engine/scheduler.ts).',
}));

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'coverage/**', 'bin/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/** imports electron.' }] }],
    },
  },
  {
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The engine is pure Node: no electron import.' }],
          patterns: [
            { group: ['react', 'react-dom', 'lightweight-charts', '**/renderer/**', '**/main/**'], message: 'The engine imports no UI and no main code.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', ...domGlobals, ...timerGlobals],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Randomness is seeded and injected (architecture.md).' },
        { object: 'Date', property: 'now', message: 'Time comes from the injected Clock (engine/clock.ts LiveClock is the only exception).' },
      ],
    },
  },
  {
    files: ['engine/clock.ts', 'engine/scheduler.ts'],
    rules: { 'no-restricted-properties': 'off', 'no-restricted-globals': ['error', ...domGlobals] },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer is sandboxed: use window.mia (main/bridge.ts).' }],
          patterns: [
            { group: ['**/engine/**', '**/main/**'], allowTypeImports: true, message: 'The renderer imports engine and main code as types only (import type).' },
            { group: nodeBuiltins, message: 'The renderer has no Node.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/engine/**'], allowTypeImports: true, message: 'Main is a switchboard: engine code runs in the engine process; import its types only.' }] },
      ],
    },
  },
  {
    files: ['tests/**/*.ts', 'scripts/**/*.{ts,mjs}', '*.config.{ts,mts,mjs}', 'renderer/vite.config.mts'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { 'no-restricted-imports': 'off', 'no-restricted-properties': 'off' },
  },
  {
    // Code here runs partly inside the page (page.evaluate).
    files: ['scripts/bench-ui.mjs'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', performance: 'readonly', requestAnimationFrame: 'readonly' } },
  },
);
