/**
 * The preload exposes the contract and nothing else: two narrow functions on window.rpr.
 * It never hands ipcRenderer itself to the page; `on` returns its unsubscribe function.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { PreloadApi } from '../contract/client';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../contract/ipc-channels';

const api: PreloadApi & { pathForFile(file: File): string } = {
  invoke: (name, input) => ipcRenderer.invoke(CALL_CHANNEL, String(name), input),
  on: (event, listener) => {
    const wrapped = (_e: IpcRendererEvent, msg: { event: string; payload: unknown }) => {
      if (msg && msg.event === event) listener(msg.payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
    };
  },
  // drag-and-drop: the absolute path of a dropped file or folder
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('rpr', api);
