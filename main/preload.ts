/**
 * Preload of the sandboxed window: exposes `window.mia` (main/bridge.ts), one
 * function per message, and forwards the engine ports main posts to the page.
 * Nothing generic (no `send(channel, ...)`) crosses the context bridge.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { AppInfo, BridgeChannel, EnginePortsMessage, MiaBridge } from './bridge';

const invoke = <T>(channel: BridgeChannel, ...args: unknown[]): Promise<T> => ipcRenderer.invoke(channel, ...args) as Promise<T>;

const bridge: MiaBridge = {
  connectEngine: () => invoke<string>('mia:connect-engine'),
  appInfo: () => invoke<AppInfo>('mia:app-info'),
  openDataFile: () => invoke<string | null>('mia:open-data-file'),
  revealBackup: (path: string) => invoke<void>('mia:reveal-backup', path),
};

contextBridge.exposeInMainWorld('mia', bridge);

const portsChannel: BridgeChannel = 'mia:engine-ports';
ipcRenderer.on(portsChannel, (event, nonce: string) => {
  const msg: EnginePortsMessage = { type: 'mia:engine-ports', nonce };
  window.postMessage(msg, '*', event.ports);
});
