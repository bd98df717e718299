/**
 * The main <-> renderer boundary (architecture.md, "Contracts"): the few
 * things the preload exposes as `window.mia`, one function per message, and
 * the IPC channel names behind them. Type-only; the renderer imports it with
 * `import type`.
 *
 * [Note: engine ports] `connectEngine()` asks main for a connection; main
 * creates two MessageChannelMains (RPC, events), hands one end of each to the
 * engine and posts the other two to the preload with a fresh nonce, which
 * `connectEngine()` resolves to. The preload forwards the ports to the page
 * with `window.postMessage(EnginePortsMessage, '*', [rpc, events])`; the page
 * accepts only the message whose nonce it was given.
 */

/** What the app is and where it runs. */
export interface AppInfo {
  name: string;
  version: string;
  platform: string;
  /** 'electron' in the desktop app, 'headless' in the browser shell. */
  shell: 'electron' | 'headless';
}

/** `window.mia`, exposed by the preload. */
export interface MiaBridge {
  /** Requests engine ports; resolves to the nonce of the EnginePortsMessage that carries them. */
  connectEngine(): Promise<string>;
  appInfo(): Promise<AppInfo>;
  /** Shows the OS file dialog for a data file; null when cancelled. */
  openDataFile(): Promise<string | null>;
  /** Shows a backup archive in the OS file manager (only paths inside the backup folder). */
  revealBackup(path: string): Promise<void>;
}

/** The window message that carries the two engine ports, in order [rpc, events]. */
export interface EnginePortsMessage {
  type: 'mia:engine-ports';
  nonce: string;
}

/** IPC channels between main and the preload, one per bridge function plus the ports push. */
export type BridgeChannel = 'mia:connect-engine' | 'mia:engine-ports' | 'mia:app-info' | 'mia:open-data-file' | 'mia:reveal-backup';
