/**
 * The Electron IPC channel names: one invoke channel for every call, one channel for every
 * event. Read by the main side (app/ipc.ts) and the preload (preload/index.ts).
 */
export const CALL_CHANNEL = 'rpr:call';
export const EVENT_CHANNEL = 'rpr:event';
