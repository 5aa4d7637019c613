import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;
import WebSocket from 'ws';
import { parseCall } from '../../src-main/contract/calls';
import { decodeTyped } from '../../src-main/contract/frame';
import { EventBus } from '../../src-main/services/events';
import { isLoopbackAddress, startLoopbackServer, type LoopbackServer } from '../../src-main/transports/loopback';

describe('loopback transport', () => {
  const events = new EventBus();
  let server: LoopbackServer;
  const staticDir = mkdtempSync(join(tmpdir(), 'rpr-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');

  beforeAll(async () => {
    server = await startLoopbackServer({
      staticDir,
      events,
      dispatch: async (name, input) => {
        const { args } = parseCall(name, input);
        if (name === 'datasets.thumbs') return new Uint8Array([1, 2, 3, 255]);
        if (name === 'datasets.columns') return { datasetId: 'd', splitNames: ['train'], split: new Uint8Array([0, 0]), index: new Int32Array([0, 1]), label: new Uint8Array([4, 2]) };
        if (name === 'datasets.image') return { pixels: new Uint8Array([9, 8]), args };
        if (name === 'jobs.list') throw new Error('boom: the work failed');
        return { echo: args };
      },
    });
  });
  afterAll(async () => server.close());

  const rpc = (name: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${server.port}/rpc/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, ...headers },
      body: JSON.stringify(body),
    });

  it('prints a URL on 127.0.0.1 with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
  });

  it('answers a valid call with the validated input (defaults applied)', async () => {
    const r = await rpc('workspace.open', { path: '/tmp/x' });
    expect(r.status).toBe(200);
    expect((await r.json()) as Body).toEqual({ ok: true, value: { echo: { path: '/tmp/x', create: false } } });
  });

  it('refuses a call without the token, or with a wrong one', async () => {
    const none = await fetch(`http://127.0.0.1:${server.port}/rpc/datasets.list`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    const wrong = await rpc('datasets.list', {}, { authorization: 'Bearer ' + 'f'.repeat(48) });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as Body).error.message).toMatch(/token/);
  });

  it('refuses a foreign Origin even with the token', async () => {
    const r = await rpc('datasets.list', {}, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(((await r.json()) as Body).error.message).toMatch(/origin/);
    const own = await rpc('datasets.list', {}, { origin: `http://127.0.0.1:${server.port}` });
    expect(own.status).toBe(200);
  });

  it('validates inputs at the door with a clear message', async () => {
    const r = await rpc('datasets.import', { path: '', format: 'zip' });
    expect(r.status).toBe(400);
    const body = (await r.json()) as Body;
    expect(body.error.name).toBe('ContractError');
    expect(body.error.message).toMatch(/invalid input for datasets.import: path: .*; format:/);
    const unknown = await rpc('no.such.call', {});
    expect(((await unknown.json()) as Body).error.message).toBe('unknown call "no.such.call"');
  });

  it('carries service errors and binary results', async () => {
    const fail = await rpc('jobs.list', {});
    expect(fail.status).toBe(500);
    expect(((await fail.json()) as Body).error.message).toBe('boom: the work failed');
    const bin = await rpc('datasets.thumbs', { datasetId: 'd', split: 'train', offset: 0, count: 1 });
    expect(bin.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await bin.arrayBuffer())]).toEqual([1, 2, 3, 255]);
    // a value holding bytes goes as one binary typed frame too (no base64)
    const img = await rpc('datasets.image', { datasetId: 'd', split: 'train', index: 0 });
    expect(img.headers.get('content-type')).toBe('application/x-rpr-frame');
    const nested = decodeTyped(new Uint8Array(await img.arrayBuffer())) as { pixels: Uint8Array };
    expect(nested.pixels).toEqual(new Uint8Array([9, 8]));
    // typed arrays (sort/filter columns) travel as one binary frame, not JSON arrays
    const cols = await rpc('datasets.columns', { datasetId: 'd' });
    expect(cols.headers.get('content-type')).toBe('application/x-rpr-frame');
    const back = decodeTyped(new Uint8Array(await cols.arrayBuffer())) as { index: Int32Array; label: Uint8Array; splitNames: string[] };
    expect(back.index).toBeInstanceOf(Int32Array);
    expect([...back.label]).toEqual([4, 2]);
    expect(back.splitNames).toEqual(['train']);
  });

  it('serves the UI with a strict CSP and never files outside its folder', async () => {
    const r = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    const traversal = await fetch(`http://127.0.0.1:${server.port}/..%2f..%2fetc%2fpasswd`);
    expect(await traversal.text()).not.toContain('root:');
  });

  it('streams events over the WebSocket only with the token and our origin', async () => {
    const refused = (url: string, origin?: string) =>
      new Promise<number>((ok) => {
        const ws = new WebSocket(url, origin ? { origin } : {});
        ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
        ws.on('open', () => ok(101));
        ws.on('error', () => undefined);
      });
    expect(await refused(`ws://127.0.0.1:${server.port}/events`)).toBe(401);
    expect(await refused(`ws://127.0.0.1:${server.port}/events?token=${server.token}`, 'http://evil.example')).toBe(403);

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${server.token}`);
    await new Promise((ok) => ws.once('open', ok));
    const got = new Promise<unknown>((ok) => ws.once('message', (d) => ok(JSON.parse(String(d)))));
    events.emit('scoring.changed', { runId: 'r1' });
    expect(await got).toEqual({ event: 'scoring.changed', payload: { runId: 'r1' } });
    ws.close();
  });

  it('knows which peer addresses are loopback', () => {
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('127.3.2.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.5')).toBe(false);
    expect(isLoopbackAddress('192.168.1.2')).toBe(false);
    expect(isLoopbackAddress('::ffff:8.8.8.8')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });
});

describe('loopback transport: a peer that is not on loopback', () => {
  it('is refused by the real request handler, token or not (no packet leaves the machine)', async () => {
    const { IncomingMessage, ServerResponse } = await import('node:http');
    const { Socket } = await import('node:net');
    const server = await startLoopbackServer({ staticDir: null, events: new EventBus(), dispatch: async () => ({ reached: true }) });
    try {
      // a request as the HTTP server would build it for a TCP peer at 192.0.2.10 (TEST-NET-1)
      const socket = new Socket();
      Object.defineProperty(socket, 'remoteAddress', { value: '192.0.2.10' });
      const req = new IncomingMessage(socket);
      req.method = 'POST';
      req.url = '/rpc/datasets.list';
      req.headers = { authorization: `Bearer ${server.token}`, host: `127.0.0.1:${server.port}` };
      const res = new ServerResponse(req);
      const chunks: Buffer[] = [];
      res.write = ((c: Buffer | string) => (chunks.push(Buffer.from(c)), true)) as typeof res.write;
      const ended = new Promise<void>((ok) => {
        res.end = ((c?: Buffer | string) => {
          if (c) chunks.push(Buffer.from(c));
          ok();
          return res;
        }) as typeof res.end;
      });
      server.server.emit('request', req, res);
      req.push(null);
      await ended;
      expect(res.statusCode).toBe(403);
      expect(Buffer.concat(chunks).toString()).toMatch(/only loopback clients are served/);
      socket.destroy();
    } finally {
      await server.close();
    }
  });
});
