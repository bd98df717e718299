/**
 * The host <-> engine process boundary: what the Electron main process (over
 * the utility process's parentPort) and the headless shell (over the child
 * process's IPC) say to the engine process, and what it answers. Type-only.
 *
 * In Electron, `connect` carries two MessagePorts (RPC, events) and the
 * engine talks to the window directly; main leaves the data path. In the
 * headless shell there are no ports: each WebSocket frame travels as a
 * `frame` message holding the frame's JSON text (a contract.ts `WireFrame`).
 */

/** Host -> engine. */
export type HostToEngine =
  | { type: 'connect'; id: number }
  | { type: 'frame'; id: number; data: string }
  | { type: 'disconnect'; id: number }
  /** The watchdog's heartbeat: the engine answers with the same seq. */
  | { type: 'heartbeat'; seq: number }
  /** The global shortcut or the tray item: trip the kill switch (manual), whatever the renderer is doing. */
  | { type: 'kill-switch'; reason: string }
  /** The menu's Back Up Now: progress and the result reach the windows as `backup` events. */
  | { type: 'backup' }
  | { type: 'shutdown' };

/** Engine -> host. */
export type EngineToHost =
  | { type: 'ready'; version: string; dataDir: string }
  | { type: 'frame'; id: number; data: string }
  | { type: 'heartbeat'; seq: number }
  | { type: 'fatal'; message: string };
