/**
 * The client side of the contract, as the renderer (or a test) sees it. Both transports
 * (Electron IPC through the preload, loopback HTTP + WebSocket) implement this interface.
 */
import type { CallInput, CallName, CallResults } from './calls';
import type { EventName, EventPayloads } from './events';

export interface RprClient {
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResults[N]>;
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  readonly transport: 'ipc' | 'loopback' | 'memory';
}

/** Errors travel as { error: { name, message, status, kind } } and are rethrown as ClientError in the renderer (src-renderer/src/api/errors.ts). */
export interface WireError {
  name: string;
  message: string;
  /** the HTTP-style status of the error: 4xx the caller's mistake, 5xx a fault of the app */
  status?: number;
  /** invalid | not-found | conflict | unreadable | cancelled | internal */
  kind?: string;
}

/**
 * The functions the preload exposes on window.rpr: narrow (never ipcRenderer itself) but not
 * typed per call: a call name is a string and its input unknown. The renderer's IPC client
 * (src-renderer/src/api/ipc.ts) gives them the contract's types; the main side validates every
 * input at the door (parseCall).
 */
export interface PreloadApi {
  /** `frame`: a value holding typed arrays, sent as a binary typed frame (contract/frame.ts) */
  invoke(name: string, input: unknown): Promise<{ ok: true; value: unknown } | { ok: true; frame: Uint8Array } | { ok: false; error: WireError }>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}
