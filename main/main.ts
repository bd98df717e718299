/**
 * Electron main: the switchboard (architecture.md, "Processes"). It forks the
 * engine as a utility process, opens the sandboxed window, and per window
 * hands the engine and the renderer the two ends of an RPC and an event
 * channel; then it leaves the data path. It never relays engine traffic.
 * It owns what must work even when the renderer hangs: the global kill-switch
 * shortcut (Ctrl+Shift+K), the tray item, and the watchdog that restarts a
 * frozen engine HALTED (engine `--halted`).
 *
 * Arguments: --replay <file>, --data-dir <dir>, --market-data-dir <dir>.
 */
import { app, BrowserWindow, dialog, globalShortcut, ipcMain, Menu, MessageChannelMain, nativeImage, session, shell, Tray, utilityProcess, type IpcMainInvokeEvent, type UtilityProcess } from 'electron';
import { randomUUID } from 'node:crypto';
import { join, relative, isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EngineToHost, HostToEngine } from '../engine/host/contract';
import type { AppInfo, BridgeChannel } from './bridge';
import { EngineRestarts, EngineWatchdog, exitReason } from './watchdog';

/** The kill switch's global shortcut (also Ctrl+Shift+K inside the window). */
const KILL_SHORTCUT = 'CommandOrControl+Shift+K';

const argv = process.argv.slice(app.isPackaged ? 1 : 2);
const argValue = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

const dataDir = argValue('--data-dir') ?? app.getPath('userData');
const rendererIndex = join(__dirname, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

let engine: UtilityProcess | null = null;
let window: BrowserWindow | null = null;
let nextConnection = 1;
let tray: Tray | null = null;

const toEngine = (m: HostToEngine): void => engine?.postMessage(m);
/** Restarts after the engine exited by itself: at most 5 a minute. */
const restartsAfterExit = new EngineRestarts(5);

const watchdog = new EngineWatchdog({
  send: (seq) => toEngine({ type: 'heartbeat', seq }),
  onDead: (silentMs) => {
    const reason = `engine restarted by the watchdog: no heartbeat answer for ${(silentMs / 1000).toFixed(1)} s`;
    const old = engine;
    engine = null;
    old?.kill();
    engine = startEngine(['--halted', reason]);
    // The window's ports died with the old engine: reload so it connects to the new one.
    window?.webContents.reload();
  },
});

/** Trips the kill switch from outside the renderer (global shortcut, tray). */
function killSwitch(source: string): void {
  if (engine === null) {
    dialog.showErrorBox('Kill switch', 'The engine is not running; it will start HALTED if the watchdog restarts it.');
    return;
  }
  toEngine({ type: 'kill-switch', reason: `kill switch: ${source}` });
}

function startEngine(extra: string[] = []): UtilityProcess {
  const args = ['--data-dir', dataDir, ...extra];
  const marketDataDir = argValue('--market-data-dir');
  if (marketDataDir !== undefined) args.push('--market-data-dir', marketDataDir);
  const replay = argValue('--replay');
  if (replay !== undefined) args.push('--replay', replay);
  const child = utilityProcess.fork(join(__dirname, '../engine/main.cjs'), args, { serviceName: 'MIA Engine', stdio: 'inherit' });
  child.on('message', (m: EngineToHost) => {
    if (m.type === 'ready') watchdog.start();
    else if (m.type === 'heartbeat') watchdog.answered(m.seq);
    else if (m.type === 'fatal') dialog.showErrorBox('MIA engine failed', m.message);
  });
  child.on('exit', (code) => {
    if (engine !== child) return; // replaced by the watchdog
    engine = null;
    watchdog.stop();
    if (quitting) return;
    // Exited by itself: restarted HALTED like a frozen engine, unless it keeps exiting.
    if (restartsAfterExit.allow()) {
      engine = startEngine(['--halted', exitReason(code, null)]);
      window?.webContents.reload();
    } else dialog.showErrorBox('MIA engine stopped', `The engine exited with code ${code} five times in a minute. Restart MIA Workstation; the kill switch stays latched.`);
  });
  return child;
}

/** True when an IPC call comes from our window's top frame showing our renderer. */
function fromOurWindow(e: IpcMainInvokeEvent): boolean {
  return window !== null && e.sender === window.webContents && e.senderFrame?.url.startsWith(rendererUrl) === true;
}

function handle(channel: BridgeChannel, fn: (e: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
  ipcMain.handle(channel, (e, ...args) => {
    if (!fromOurWindow(e)) throw new Error(`${channel}: refused, the sender is not the MIA window`);
    return fn(e, ...args);
  });
}

function registerBridge(): void {
  handle('mia:connect-engine', (e) => {
    if (engine === null) throw new Error('The engine is not running');
    const rpc = new MessageChannelMain();
    const events = new MessageChannelMain();
    const connect: HostToEngine = { type: 'connect', id: nextConnection++ };
    engine.postMessage(connect, [rpc.port1, events.port1]);
    const nonce = randomUUID();
    const portsChannel: BridgeChannel = 'mia:engine-ports';
    e.sender.postMessage(portsChannel, nonce, [rpc.port2, events.port2]);
    return nonce;
  });
  handle('mia:app-info', (): AppInfo => ({ name: app.getName(), version: app.getVersion(), platform: process.platform, shell: 'electron' }));
  handle('mia:open-data-file', async () => {
    if (window === null) return null;
    const res = await dialog.showOpenDialog(window, {
      title: 'Open market data',
      properties: ['openFile'],
      filters: [{ name: 'Market data', extensions: ['scid', 'csv', 'jsonl', 'ndjson'] }],
    });
    return res.canceled ? null : (res.filePaths[0] ?? null);
  });
  handle('mia:reveal-backup', (_e, path) => {
    const backups = join(dataDir, 'backups');
    const rel = typeof path === 'string' ? relative(backups, path) : '..';
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error('mia:reveal-backup: only files in the backup folder can be shown');
    shell.showItemInFolder(path as string);
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1600,
    height: 960,
    title: 'MIA Workstation',
    backgroundColor: '#0b0f14',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // No DevTools in the installed app: a page that could open them could read the engine's ports.
      devTools: !app.isPackaged,
    },
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.on('will-redirect', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void win.loadFile(rendererIndex);
  return win;
}

let quitting = false;

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

/**
 * Permissions (issue 16, item 13): the window may show desktop notifications
 * (alerts), nothing else: no camera, microphone, geolocation, clipboard
 * reads, MIDI, HID or serial, whatever a page asks.
 */
function denyAllButNotifications(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'notifications'));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => permission === 'notifications');
}

void app.whenReady().then(() => {
  denyAllButNotifications();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      {
        label: 'File',
        submenu: [
          // Straight to the engine, like the kill switch: progress and the archive's name reach the window as `backup` events.
          { label: 'Back Up Now', accelerator: 'CmdOrCtrl+Shift+B', click: () => toEngine({ type: 'backup' }) },
          { label: 'Show Backup Folder', click: () => void shell.openPath(join(dataDir, 'backups')) },
          { type: 'separator' },
          { role: 'quit' },
        ],
      },
      { label: 'View', submenu: [{ role: 'reload' }, ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as const]), { type: 'separator' }, { role: 'togglefullscreen' }] },
    ]),
  );
  engine = startEngine();
  registerBridge();
  window = createWindow();
  window.on('closed', () => (window = null));
  if (!globalShortcut.register(KILL_SHORTCUT, () => killSwitch('global shortcut Ctrl+Shift+K'))) {
    dialog.showErrorBox('Kill switch shortcut', `${KILL_SHORTCUT} is taken by another application; use the tray item or the panel.`);
  }
  tray = new Tray(nativeImage.createFromPath(join(__dirname, '../../assets/icon.png')));
  tray.setToolTip('MIA Workstation');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'KILL SWITCH: halt and flatten', click: () => killSwitch('tray') },
      { type: 'separator' },
      { label: 'Show MIA Workstation', click: () => window?.show() },
      { role: 'quit' },
    ]),
  );
});

app.on('will-quit', () => globalShortcut.unregisterAll());

app.on('before-quit', () => {
  quitting = true;
  watchdog.stop();
  tray?.destroy();
  toEngine({ type: 'shutdown' });
});

app.on('window-all-closed', () => app.quit());
