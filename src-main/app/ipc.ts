/**
 * Electron IPC transport: one invoke channel for every call, one channel for every event.
 * Calls are accepted only from our own renderer frame; payloads are schema-validated by
 * the services' dispatch.
 */
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import type { WireError } from '../contract/client';
import { classifyError, errorSentence } from '../services/errors';
import { encodeTyped, hasTypedArrays } from '../contract/frame';
import type { EventBus } from '../services/events';
import { isAppUrl } from './security';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../contract/ipc-channels';

export function wireIpc(opts: {
  ipcMain: IpcMain;
  dispatch: (name: string, input: unknown) => Promise<unknown>;
  events: EventBus;
  window: () => BrowserWindow | null;
  appUrl: () => string;
}): () => void {
  const handler = async (e: IpcMainInvokeEvent, name: unknown, input: unknown) => {
    const frameUrl = e.senderFrame?.url ?? '';
    if (!isAppUrl(frameUrl, opts.appUrl())) {
      return { ok: false, error: { name: 'Forbidden', message: 'calls are accepted only from the app window' } satisfies WireError };
    }
    try {
      const value = await opts.dispatch(String(name), input);
      // typed arrays (sort/filter columns) cross as one binary frame
      if (hasTypedArrays(value)) return { ok: true, frame: encodeTyped(value) };
      return { ok: true, value };
    } catch (err) {
      // the same classification as the loopback's HTTP status
      const { status, kind } = classifyError(err);
      return { ok: false, error: { name: (err as Error)?.name || 'Error', message: errorSentence(err), status, kind } satisfies WireError };
    }
  };
  opts.ipcMain.handle(CALL_CHANNEL, handler);
  const off = opts.events.onAny((event, payload) => {
    const w = opts.window();
    if (w && !w.isDestroyed()) w.webContents.send(EVENT_CHANNEL, { event, payload });
  });
  return () => {
    off();
    opts.ipcMain.removeHandler(CALL_CHANNEL);
  };
}
