import type { CallInput, CallName, CallResults, EventName, EventPayloads, RprClient } from '../../../src-main/contract';
import { decodeWire } from './bytes';
import { Emitter } from './emitter';
import { ClientError } from './errors';
import { decodeTyped } from '../../../src-main/contract/frame';

export interface LoopbackOptions {
  /** e.g. http://127.0.0.1:4321 (no trailing slash) */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** WebSocket constructor (tests pass a fake) */
  WebSocket?: new (url: string) => WebSocketLike;
  /** first reconnect delay in ms (doubles up to maxBackoffMs) */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface WebSocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

export interface LoopbackClient extends RprClient {
  /** close the event socket and stop reconnecting */
  close(): void;
  /** 'connecting' | 'open' | 'closed' of the event socket */
  readonly eventsState: string;
  /** whether the page has a token at all (without one every call would be refused) */
  readonly hasToken: boolean;
}

/** The browser transport of `rpr serve`: POST /rpc/<call> with a bearer token, events over a WebSocket. */
export function createLoopbackClient(opts: LoopbackOptions): LoopbackClient {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const WS = opts.WebSocket ?? (globalThis.WebSocket as unknown as new (url: string) => WebSocketLike);
  const emitter = new Emitter();
  const minBackoff = opts.backoffMs ?? 500;
  const maxBackoff = opts.maxBackoffMs ?? 15_000;
  let backoff = minBackoff;
  let socket: WebSocketLike | null = null;
  let closed = false;
  let state = 'closed';
  let timer: ReturnType<typeof setTimeout> | null = null;

  const wsUrl = `${opts.baseUrl.replace(/^http/, 'ws')}/events?token=${encodeURIComponent(opts.token)}`;

  function connect(): void {
    if (closed || socket || !WS) return;
    state = 'connecting';
    const ws = new WS(wsUrl);
    socket = ws;
    ws.onopen = () => {
      state = 'open';
      backoff = minBackoff;
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg: unknown;
      try {
        msg = decodeWire(ev.data);
      } catch {
        console.error('bad event message', ev.data);
        return;
      }
      const m = msg as { event?: unknown; payload?: unknown };
      if (typeof m.event === 'string') emitter.emit(m.event, m.payload);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = () => {
      socket = null;
      state = 'closed';
      if (closed) return;
      timer = setTimeout(() => {
        timer = null;
        connect();
      }, backoff);
      backoff = Math.min(maxBackoff, backoff * 2);
    };
  }

  return {
    transport: 'loopback',
    get eventsState() {
      return state;
    },
    hasToken: opts.token !== '',
    async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallResults[N]> {
      let res: Response;
      try {
        res = await doFetch(`${opts.baseUrl}/rpc/${name}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${opts.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch (e) {
        throw new ClientError(`cannot reach the RPR server (${name}): ${e instanceof Error ? e.message : String(e)}`, 'NetworkError');
      }
      const type = res.headers.get('Content-Type') ?? '';
      if (res.ok && type.includes('application/x-rpr-frame')) {
        return decodeTyped(new Uint8Array(await res.arrayBuffer())) as CallResults[N];
      }
      if (res.ok && type.includes('application/octet-stream')) {
        return new Uint8Array(await res.arrayBuffer()) as CallResults[N];
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = decodeWire(text);
      } catch {
        throw new ClientError(`${name}: HTTP ${res.status} ${res.statusText || ''} ${text.slice(0, 200)}`.trim(), 'ProtocolError');
      }
      const b = body as { ok?: boolean; value?: unknown; error?: { name?: string; message?: string } };
      if (b && b.ok === true && res.ok) return b.value as CallResults[N];
      if (b && b.ok === false && b.error) throw new ClientError(b.error.message ?? `${name} failed`, b.error.name ?? 'Error', res.status);
      throw new ClientError(`${name}: HTTP ${res.status} unexpected response`, 'ProtocolError');
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
      connect();
      return emitter.on(event, listener);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      socket?.close();
      socket = null;
    },
  };
}
