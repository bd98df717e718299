import type { ChildProcess } from 'node:child_process';

/** A running headless shell and the URL (with token) it printed. */
export interface ShellProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts dist/main/headless.cjs with `args`; resolves once it prints its URL. */
export function startShellProcess(args: string[]): Promise<ShellProcess>;
