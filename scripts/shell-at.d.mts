import type { ShellProcess } from './headless-process.mjs';

/** Starts the headless shell at `headless` (a built dist/main/headless.cjs) with `args`; resolves once it prints its URL. */
export function startShellAt(headless: string, args: string[]): Promise<ShellProcess>;
