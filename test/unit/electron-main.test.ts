/**
 * The Electron main process with `electron` mocked (the binary cannot run here): the security
 * checklist holds, and IPC reaches the services only from the app's own frame, validated.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;

const state = vi.hoisted(() => ({
  windows: [] as { options: Record<string, unknown>; webContents: { handlers: Record<string, Handler>; openHandler?: Handler; send: ReturnType<typeof vi.fn> }; loaded?: string }[],
  ipcHandlers: {} as Record<string, Handler>,
  appHandlers: {} as Record<string, Handler>,
  headersHook: null as null | Handler,
  permissionHook: null as null | Handler,
  sandboxEnabled: false,
  openExternal: [] as string[],
  whenReady: null as null | Promise<void>,
  userData: '',
}));

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = () => state.windows;
    webContents: { handlers: Record<string, Handler>; openHandler?: Handler; send: ReturnType<typeof vi.fn>; on: (ev: string, h: Handler) => void; setWindowOpenHandler: (h: Handler) => void };
    constructor(public options: Record<string, unknown>) {
      const handlers: Record<string, Handler> = {};
      this.webContents = {
        handlers,
        send: vi.fn(),
        on: (ev, h) => void (handlers[ev] = h),
        setWindowOpenHandler: (h) => void (this.webContents.openHandler = h),
      };
      state.windows.push(this as never);
    }
    once() {}
    show() {}
    isDestroyed() {
      return false;
    }
    loadURL(u: string) {
      (this as unknown as { loaded: string }).loaded = u;
      return Promise.resolve();
    }
    loadFile(f: string) {
      (this as unknown as { loaded: string }).loaded = `file://${f}`;
      return Promise.resolve();
    }
  }
  const app = {
    getVersion: () => '0.0.0-test',
    getPath: () => state.userData,
    enableSandbox: () => void (state.sandboxEnabled = true),
    on: (ev: string, h: Handler) => void (state.appHandlers[ev] = h),
    whenReady: () => (state.whenReady = Promise.resolve()),
    quit: vi.fn(),
  };
  return {
    app,
    BrowserWindow,
    dialog: { showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] })), showErrorBox: vi.fn() },
    ipcMain: { handle: (ch: string, h: Handler) => void (state.ipcHandlers[ch] = h), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: vi.fn() },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (h: Handler) => void (state.headersHook = h) },
        setPermissionRequestHandler: (h: Handler) => void (state.permissionHook = h),
      },
    },
    shell: { openExternal: async (u: string) => void state.openExternal.push(u) },
    utilityProcess: { fork: vi.fn() },
    default: {},
  };
});

describe('Electron main (electron mocked)', () => {
  beforeAll(async () => {
    state.userData = mkdtempSync(join(tmpdir(), 'rpr-electron-'));
    await import('../../src-main/app/main');
    await state.whenReady;
    await new Promise((r) => setTimeout(r, 0));
  });

  it('creates one window with isolation, sandbox and no Node in the renderer', () => {
    expect(state.windows).toHaveLength(1);
    const prefs = state.windows[0].options.webPreferences as Record<string, unknown>;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.webviewTag).toBe(false);
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(state.sandboxEnabled).toBe(true);
    expect(state.windows[0].loaded).toMatch(/renderer[\\/]index\.html$/);
  });

  it('applies a strict Content-Security-Policy to every response', () => {
    let headers: Record<string, string[]> = {};
    state.headersHook?.({ responseHeaders: { 'x-a': ['1'] } }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders));
    const csp = headers['Content-Security-Policy'][0];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-eval/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it('blocks navigation away, new windows, webviews and permission requests', async () => {
    const wc = state.windows[0].webContents;
    const prevent = vi.fn();
    wc.handlers['will-navigate']({ preventDefault: prevent }, 'https://evil.example/');
    expect(prevent).toHaveBeenCalled();
    expect(wc.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.openHandler?.({ url: 'https://github.com/tensorflow/tfjs' })).toEqual({ action: 'deny' });
    await new Promise((r) => setTimeout(r, 0));
    expect(state.openExternal).toEqual(['https://github.com/tensorflow/tfjs']);
    const wv = vi.fn();
    wc.handlers['will-attach-webview']({ preventDefault: wv });
    expect(wv).toHaveBeenCalled();
    const perm = vi.fn();
    state.permissionHook?.({}, 'camera', perm);
    expect(perm).toHaveBeenCalledWith(false);
  });

  it('answers IPC calls from the app frame, validated, and refuses other frames', async () => {
    const handler = state.ipcHandlers['rpr:call'];
    const appUrl = state.windows[0].loaded as string;
    const ok = (await handler({ senderFrame: { url: appUrl } }, 'workspace.current', {})) as { ok: boolean; value: unknown };
    expect(ok).toEqual({ ok: true, value: null });
    const bad = (await handler({ senderFrame: { url: appUrl } }, 'workspace.open', { path: 42 })) as { ok: boolean; error: { name: string; message: string } };
    expect(bad.ok).toBe(false);
    expect(bad.error.name).toBe('ContractError');
    expect(bad.error.message).toMatch(/invalid input for workspace.open: path/);
    const foreign = (await handler({ senderFrame: { url: 'https://evil.example/' } }, 'workspace.current', {})) as { ok: boolean; error: { name: string } };
    expect(foreign).toMatchObject({ ok: false, error: { name: 'Forbidden' } });
    const unknown = (await handler({ senderFrame: { url: appUrl } }, 'fs.readFile', {})) as { ok: boolean; error: { message: string } };
    expect(unknown.error.message).toBe('unknown call "fs.readFile"');
  });
});
