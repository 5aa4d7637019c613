import { encodeTyped } from '../../src-main/contract/frame';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoopbackClient } from '../../src-renderer/src/api/loopback';
import type { WebSocketLike } from '../../src-renderer/src/api/loopback';
import { createIpcClient } from '../../src-renderer/src/api/ipc';
import { createMemoryClient } from '../../src-renderer/src/api/memory';
import { createDefaultClient } from '../../src-renderer/src/api';
import { ClientError } from '../../src-renderer/src/api/errors';
import { bytesToBase64, decodeWire, encodeWire, reviveBytes } from '../../src-renderer/src/api/bytes';
import type { PreloadApi } from '../../src-main/contract';

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('bytes on the wire', () => {
  it('revives {$bytes} at any depth and round-trips', () => {
    const b = new Uint8Array([0, 1, 2, 254, 255]);
    const text = JSON.stringify({ a: { $bytes: bytesToBase64(b) }, list: [{ x: { $bytes: 'AAE=' } }], n: 3 });
    const v = decodeWire(text) as { a: Uint8Array; list: { x: Uint8Array }[]; n: number };
    expect(v.a).toBeInstanceOf(Uint8Array);
    expect([...v.a]).toEqual([0, 1, 2, 254, 255]);
    expect([...v.list[0].x]).toEqual([0, 1]);
    expect(v.n).toBe(3);
    expect([...(decodeWire(encodeWire({ p: b })) as { p: Uint8Array }).p]).toEqual([...b]);
    // an object that merely has a $bytes key among others stays an object
    expect(reviveBytes({ $bytes: 'AA==', other: 1 })).toEqual({ $bytes: 'AA==', other: 1 });
    expect([...(reviveBytes([{ $bytes: 'AQI=' }]) as Uint8Array[])[0]]).toEqual([1, 2]);
  });

  it('encodes large arrays without blowing the stack', () => {
    const big = new Uint8Array(200_000).map((_, i) => i % 251);
    const back = decodeWire(encodeWire(big)) as Uint8Array;
    expect(back.length).toBe(200_000);
    expect(back[199_999]).toBe(199_999 % 251);
  });
});

describe('loopback client', () => {
  it('POSTs /rpc/<call> with the bearer token and the JSON input, and returns the value', async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => jsonResponse({ ok: true, value: [{ id: 'd1' }] }));
    const c = createLoopbackClient({ baseUrl: 'http://127.0.0.1:4321', token: 'tok', fetch: fetch as unknown as typeof globalThis.fetch, WebSocket: undefined as never });
    const v = await c.call('datasets.get', { datasetId: 'd1' });
    expect(v).toEqual([{ id: 'd1' }]);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('http://127.0.0.1:4321/rpc/datasets.get');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(JSON.parse(init?.body as string)).toEqual({ datasetId: 'd1' });
    expect(c.transport).toBe('loopback');
  });

  it('returns raw bytes for application/octet-stream and revives $bytes inside JSON', async () => {
    const bytes = new Uint8Array([9, 8, 7]);
    const fetch = vi.fn(async (url: string) =>
      url.endsWith('datasets.thumbs')
        ? new Response(bytes, { status: 200, headers: { 'Content-Type': 'application/octet-stream' } })
        : jsonResponse({ ok: true, value: { id: 'test/1', pixels: { $bytes: bytesToBase64(bytes) } } }),
    );
    const c = createLoopbackClient({ baseUrl: 'http://h', token: 't', fetch: fetch as unknown as typeof globalThis.fetch });
    const px = await c.call('datasets.thumbs', { datasetId: 'd', split: 'test', offset: 0, count: 1 });
    expect(px).toBeInstanceOf(Uint8Array);
    expect([...px]).toEqual([9, 8, 7]);
    const img = await c.call('datasets.image', { datasetId: 'd', split: 'test', index: 1 });
    expect(img.pixels).toBeInstanceOf(Uint8Array);
    expect([...img.pixels]).toEqual([9, 8, 7]);
  });

  it('decodes typed-array frames (sort/filter columns) into typed arrays', async () => {
    const cols = { datasetId: 'd', splitNames: ['train'], splitCounts: [3], label: new Uint8Array([7, 1, 9]) };
    const fetch = vi.fn(async () => new Response(encodeTyped(cols).buffer as ArrayBuffer, { status: 200, headers: { 'Content-Type': 'application/x-rpr-frame' } }));
    const c = createLoopbackClient({ baseUrl: 'http://h', token: 't', fetch: fetch as unknown as typeof globalThis.fetch });
    const got = await c.call('datasets.columns', { datasetId: 'd' });
    expect(got.label).toBeInstanceOf(Uint8Array);
    expect(got.splitCounts).toEqual([3]);
    expect([...got.label]).toEqual([7, 1, 9]);
    expect(got.splitNames).toEqual(['train']);
  });

  it("throws the server's error name and message", async () => {
    const fetch = vi.fn(async () => jsonResponse({ ok: false, error: { name: 'InputError', message: '/x/train-images: wrong magic 0x0000' } }, 400));
    const c = createLoopbackClient({ baseUrl: 'http://h', token: 't', fetch: fetch as unknown as typeof globalThis.fetch });
    const err = await c.call('datasets.import', { path: '/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientError);
    expect((err as ClientError).message).toBe('/x/train-images: wrong magic 0x0000');
    expect((err as ClientError).kind).toBe('InputError');
  });

  it('reports non-JSON failures and unreachable servers clearly', async () => {
    const c1 = createLoopbackClient({ baseUrl: 'http://h', token: 't', fetch: (async () => new Response('Forbidden', { status: 403 })) as unknown as typeof fetch });
    await expect(c1.call('jobs.list', {})).rejects.toThrow(/jobs.list: HTTP 403/);
    const c2 = createLoopbackClient({ baseUrl: 'http://h', token: 't', fetch: (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch });
    await expect(c2.call('jobs.list', {})).rejects.toThrow(/cannot reach the RPR server \(jobs.list\): Failed to fetch/);
  });

  describe('events', () => {
    class FakeWs implements WebSocketLike {
      static all: FakeWs[] = [];
      onopen: ((ev: unknown) => void) | null = null;
      onmessage: ((ev: { data: unknown }) => void) | null = null;
      onclose: ((ev: unknown) => void) | null = null;
      onerror: ((ev: unknown) => void) | null = null;
      closed = false;
      constructor(readonly url: string) {
        FakeWs.all.push(this);
      }
      close(): void {
        this.closed = true;
      }
    }
    afterEach(() => {
      FakeWs.all = [];
      vi.useRealTimers();
    });

    it('dispatches {event, payload} messages to subscribers and unsubscribes', () => {
      const c = createLoopbackClient({ baseUrl: 'http://127.0.0.1:9', token: 'a b', WebSocket: FakeWs, fetch: vi.fn() as never });
      const got: unknown[] = [];
      const off = c.on('job.progress', (p) => got.push(p));
      expect(FakeWs.all).toHaveLength(1);
      expect(FakeWs.all[0].url).toBe('ws://127.0.0.1:9/events?token=a%20b');
      const ws = FakeWs.all[0];
      ws.onopen?.({});
      ws.onmessage?.({ data: JSON.stringify({ event: 'job.progress', payload: { jobId: 'j', done: 3, total: 10 } }) });
      ws.onmessage?.({ data: JSON.stringify({ event: 'job.finished', payload: { jobId: 'j' } }) });
      ws.onmessage?.({ data: 'not json' });
      expect(got).toEqual([{ jobId: 'j', done: 3, total: 10 }]);
      off();
      ws.onmessage?.({ data: JSON.stringify({ event: 'job.progress', payload: { jobId: 'k' } }) });
      expect(got).toHaveLength(1);
      // a second subscription reuses the socket
      c.on('datasets.changed', () => {});
      expect(FakeWs.all).toHaveLength(1);
      c.close();
      expect(ws.closed).toBe(true);
    });

    it('reconnects with doubling backoff and resets it after a successful open', () => {
      vi.useFakeTimers();
      const c = createLoopbackClient({ baseUrl: 'http://h', token: 't', WebSocket: FakeWs, backoffMs: 100, maxBackoffMs: 300, fetch: vi.fn() as never });
      c.on('job.started', () => {});
      FakeWs.all[0].onclose?.({});
      vi.advanceTimersByTime(99);
      expect(FakeWs.all).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(FakeWs.all).toHaveLength(2);
      FakeWs.all[1].onclose?.({});
      vi.advanceTimersByTime(199);
      expect(FakeWs.all).toHaveLength(2);
      vi.advanceTimersByTime(1);
      expect(FakeWs.all).toHaveLength(3);
      FakeWs.all[2].onclose?.({});
      vi.advanceTimersByTime(300); // capped at 300
      expect(FakeWs.all).toHaveLength(4);
      FakeWs.all[3].onopen?.({});
      expect(c.eventsState).toBe('open');
      FakeWs.all[3].onclose?.({});
      vi.advanceTimersByTime(100); // reset to the first delay
      expect(FakeWs.all).toHaveLength(5);
      c.close();
      FakeWs.all[4].onclose?.({});
      vi.advanceTimersByTime(10_000);
      expect(FakeWs.all).toHaveLength(5);
    });
  });
});

describe('ipc client', () => {
  it('unwraps ok values and rethrows errors with their kind', async () => {
    const listeners: ((p: unknown) => void)[] = [];
    const api: PreloadApi = {
      invoke: async (name) =>
        name === 'jobs.list' ? { ok: true, value: [] } : { ok: false, error: { name: 'ContractError', message: 'invalid input for datasets.get: datasetId: Required' } },
      on: (_e, l) => {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
    };
    const c = createIpcClient(api);
    expect(c.transport).toBe('ipc');
    expect(await c.call('jobs.list', {})).toEqual([]);
    await expect(c.call('datasets.get', { datasetId: '' })).rejects.toMatchObject({ kind: 'ContractError', message: /datasetId: Required/ });
    const got: unknown[] = [];
    const off = c.on('models.changed', (p) => got.push(p));
    listeners[0]({});
    off();
    expect(got).toEqual([{}]);
    expect(listeners).toHaveLength(0);
  });
});

describe('createDefaultClient', () => {
  afterEach(() => {
    delete window.rpr;
    sessionStorage.clear();
  });

  it('uses window.rpr when the preload exposed it', () => {
    window.rpr = { invoke: async () => ({ ok: true, value: null }), on: () => () => {} };
    expect(createDefaultClient(window).transport).toBe('ipc');
  });

  it('takes the token from the URL, keeps it in sessionStorage and removes it from the address bar', async () => {
    window.history.replaceState(null, '', '/?token=s3cret&x=1');
    const fetch = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => jsonResponse({ ok: true, value: [] }));
    const c = createDefaultClient(window);
    expect(c.transport).toBe('loopback');
    expect(window.location.search).toBe('?x=1');
    expect(sessionStorage.getItem('rpr.token')).toBe('s3cret');
    await c.call('jobs.list', {});
    expect((fetch.mock.calls[0][1]?.headers as Record<string, string>).Authorization).toBe('Bearer s3cret');
    // a reload without ?token= still authenticates
    window.history.replaceState(null, '', '/');
    const c2 = createDefaultClient(window);
    await c2.call('jobs.list', {});
    expect((fetch.mock.calls[1][1]?.headers as Record<string, string>).Authorization).toBe('Bearer s3cret');
    fetch.mockRestore();
  });
});

describe('memory client', () => {
  it('records calls, wraps handler errors and emits events', async () => {
    const c = createMemoryClient({ 'jobs.list': () => { throw new Error('boom'); } });
    await expect(c.call('jobs.list', {})).rejects.toBeInstanceOf(ClientError);
    await expect(c.call('models.list', {})).rejects.toThrow(/no handler for models.list/);
    expect(c.calls.map((x) => x.name)).toEqual(['jobs.list', 'models.list']);
    const got: unknown[] = [];
    c.on('scoring.changed', (p) => got.push(p));
    c.emit('scoring.changed', { runId: 'r' });
    expect(got).toEqual([{ runId: 'r' }]);
  });
});
