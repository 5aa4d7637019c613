/**
 * Electron main: windows, menus, dialogs and the IPC wiring. All work lives in the services
 * (and the engine workers they start); nothing heavy runs on this thread.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell } from 'electron';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServices } from '../services/index';
import { wireIpc } from './ipc';
import { isAppUrl, isVettedExternalUrl, rendererCsp, secureWebPreferences } from './security';
import { configureElectronEngine } from './engine-host';

const here = dirname(fileURLToPath(import.meta.url));
const devUrl = process.env.ELECTRON_RENDERER_URL;
const rendererFile = join(here, '../renderer/index.html');
const appUrl = () => devUrl ?? pathToFileURL(rendererFile).toString();

let win: BrowserWindow | null = null;

const services = createServices({
  version: app.getVersion(),
  dataDir: app.getPath('userData'),
  transport: 'ipc',
  dialogs: {
    pickFolder: async (title) => {
      const r = await dialog.showOpenDialog({ title: title ?? 'Choose a workspace folder', properties: ['openDirectory', 'createDirectory'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    pickPath: async (kind) => {
      const r = await dialog.showOpenDialog({ properties: kind === 'folder' ? ['openDirectory'] : ['openFile'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  },
});
configureElectronEngine(services);

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'RPR Curator',
    show: false,
    backgroundColor: '#1b1d22',
    webPreferences: secureWebPreferences(join(here, '../preload/index.cjs')),
  });
  win.once('ready-to-show', () => win?.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isVettedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, appUrl())) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(rendererFile);
}

function buildMenu(): void {
  const menu = Menu.buildFromTemplate([
    {
      label: 'File',
      submenu: [
        {
          label: 'Open Workspace…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const r = await dialog.showOpenDialog({ properties: ['openDirectory', 'createDirectory'] });
            if (!r.canceled && r.filePaths[0]) {
              try {
                services.app.open(r.filePaths[0], true);
              } catch (err) {
                dialog.showErrorBox('Cannot open workspace', (err as Error).message);
              }
            }
          },
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ]);
  Menu.setApplicationMenu(menu);
}

app.enableSandbox();
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url, appUrl())) e.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [rendererCsp(devUrl)] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  wireIpc({ ipcMain, dispatch: services.dispatch, events: services.app.events, window: () => win, appUrl });
  buildMenu();
  createWindow();
  // start the engine while the window loads: its start-up (about a second of CPU) then never
  // competes with the first view; a failure shows when the UI asks system.info itself
  void services.call('system.info', {}).catch(() => undefined);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  void services.app.close().finally(() => {
    if (process.platform !== 'darwin') app.quit();
  });
});
