// Four suites: unit (engine, in-process), contract (the real engine process
// over the real transport), e2e (Playwright driving Debian's Chromium) and
// electron (the desktop app, only where the Electron binary exists).
// contract and e2e need `npm run build` first (npm install runs it).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['tests/support/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      { extends: true, test: { name: 'contract', include: ['tests/contract/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 60_000 } },
      // Skipped, and says so, where no Electron binary is installed.
      { extends: true, test: { name: 'electron', include: ['tests/electron/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 60_000 } },
    ],
  },
});
