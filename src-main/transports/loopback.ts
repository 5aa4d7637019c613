/**
 * The loopback transport: the same contract over HTTP + WebSocket on 127.0.0.1, so the real
 * renderer runs in a browser (end-to-end tests, headless use). It also serves the built
 * renderer. Every call and the event socket need the per-run token; a foreign Origin or a
 * non-loopback peer is refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { classifyError, errorSentence } from '../services/errors';
import type { EventBus } from '../services/events';
import { encodeTyped, hasTypedArrays } from '../contract/frame';
import { encodeWire } from './wire';

/** Content type of a typed-array frame (core/frame.ts). */
export const FRAME_CONTENT_TYPE = 'application/x-rpr-frame';

export type Dispatch = (name: string, input: unknown) => Promise<unknown>;

export interface LoopbackServerOptions {
  dispatch: Dispatch;
  events: EventBus;
  /** folder of the built renderer (out/renderer); null serves no UI */
  staticDir: string | null;
  port?: number;
  token?: string;
  /** largest accepted request body */
  maxBodyBytes?: number;
}

export interface LoopbackServer {
  url: string;
  port: number;
  token: string;
  /** the underlying HTTP server (embedding, tests) */
  server: Server;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

export async function startLoopbackServer(opts: LoopbackServerOptions): Promise<LoopbackServer> {
  const token = opts.token ?? randomBytes(24).toString('hex');
  const tokenBuf = Buffer.from(token);
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  const staticRoot = opts.staticDir ? resolve(opts.staticDir) : null;
  let port = 0;

  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]);
  const tokenOk = (given: string | null | undefined) => {
    if (!given) return false;
    const b = Buffer.from(given);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };
  /** Refusal reason, or null when the request may go on. */
  const refuse = (req: IncomingMessage, requireToken: boolean, queryToken?: string | null): [number, string] | null => {
    if (!isLoopbackAddress(req.socket.remoteAddress)) return [403, 'only loopback clients are served'];
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) return [403, `origin ${origin} is not allowed`];
    if (requireToken) {
      const auth = req.headers.authorization;
      const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : null;
      if (!tokenOk(bearer ?? queryToken)) return [401, 'missing or wrong token'];
    }
    return null;
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = encodeWire(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(text);
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((ok, fail) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBody) {
          fail(new Error(`request body larger than ${maxBody} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
      req.on('error', fail);
    });

  const handleRpc = async (req: IncomingMessage, res: ServerResponse, name: string) => {
    if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { name: 'Error', message: 'use POST' } });
    let input: unknown;
    try {
      const text = await readBody(req);
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch (err) {
      return sendJson(res, 400, { ok: false, error: { name: 'ContractError', message: `bad request body: ${(err as Error).message}`, status: 400, kind: 'invalid' } });
    }
    try {
      const value = await opts.dispatch(name, input);
      if (value instanceof Uint8Array) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': value.byteLength, 'cache-control': 'no-store' });
        res.end(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        return;
      }
      if (hasTypedArrays(value)) {
        // sort/filter columns: one binary typed frame, never JSON arrays of numbers
        const frame = encodeTyped(value);
        res.writeHead(200, { 'content-type': FRAME_CONTENT_TYPE, 'content-length': frame.byteLength, 'cache-control': 'no-store' });
        res.end(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
        return;
      }
      sendJson(res, 200, { ok: true, value: value ?? null });
    } catch (err) {
      // the caller's mistakes are 4xx, faults of the app 500; the body is a sentence, never a stack
      const { status, kind } = classifyError(err);
      sendJson(res, status, { ok: false, error: { name: (err as Error)?.name || 'Error', message: errorSentence(err), status, kind } });
    }
  };

  const handleStatic = async (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (!staticRoot) {
      res.writeHead(404).end('no UI is served');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = normalize(join(staticRoot, rel));
    if (!file.startsWith(staticRoot + sep) && file !== staticRoot) {
      res.writeHead(403).end();
      return;
    }
    let target = file;
    try {
      const st = await fsp.stat(target);
      if (!st.isFile()) throw new Error('not a file');
    } catch {
      // single-page app: unknown paths get index.html
      target = join(staticRoot, 'index.html');
    }
    res.writeHead(200, {
      'content-type': MIME[extname(target)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy(port),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(target).pipe(res);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isRpc = url.pathname.startsWith('/rpc/');
    const refusal = refuse(req, isRpc);
    if (refusal) return sendJson(res, refusal[0], { ok: false, error: { name: 'Forbidden', message: refusal[1] } });
    if (isRpc) return void handleRpc(req, res, decodeURIComponent(url.pathname.slice(5)));
    void handleStatic(req, res, url.pathname);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refusal = url.pathname === '/events' ? refuse(req, true, url.searchParams.get('token')) : ([404, 'not found'] as [number, string]);
    if (refusal) {
      socket.write(`HTTP/1.1 ${refusal[0]} ${refusal[0] === 401 ? 'Unauthorized' : refusal[0] === 404 ? 'Not Found' : 'Forbidden'}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });
  const unsubscribe = opts.events.onAny((event, payload) => {
    if (sockets.size === 0) return;
    const text = encodeWire({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    server,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
    },
  };
}
