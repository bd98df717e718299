#!/usr/bin/env node
// `npx mia`: the MIA Workstation command line (engine/cli/mia.ts, built into dist/ by npm install).
require('../dist/cli/mia.cjs');
