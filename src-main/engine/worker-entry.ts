/**
 * Engine worker entry: runs under node:worker_threads, a child_process.fork child, or an
 * Electron utilityProcess. Waits for 'init' (backend), then runs 'start'ed jobs, streaming
 * progress/partials and honouring 'cancel'. Bundled as out/main/worker.js.
 */
import { parentPort } from 'node:worker_threads';
import { CancelledError, InputError } from '../core/errors';
import { initBackend } from './backend';
import { runJob } from './jobs';
import { setIntraOpThreads } from './onnx/runtime';
import type { ParentMessage, WorkerMessage } from './protocol';
import { isParentMessage } from './protocol';

interface Port {
  post(m: WorkerMessage): void;
  onMessage(fn: (m: unknown) => void): void;
}

interface ElectronParentPort {
  postMessage(m: unknown): void;
  on(ev: 'message', fn: (e: { data: unknown }) => void): void;
}

function detectPort(): Port {
  if (parentPort) {
    const p = parentPort;
    return { post: (m) => p.postMessage(m), onMessage: (fn) => p.on('message', fn) };
  }
  const electronPort = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electronPort) {
    return { post: (m) => electronPort.postMessage(m), onMessage: (fn) => electronPort.on('message', (e) => fn(e.data)) };
  }
  if (process.send) {
    return { post: (m) => process.send?.(m), onMessage: (fn) => process.on('message', fn) };
  }
  throw new Error('engine worker started without a parent channel (worker_threads, fork or utilityProcess)');
}

function errorMessage(jobId: string | null, e: unknown): WorkerMessage {
  const err = e instanceof Error ? e : new Error(String(e));
  const m: WorkerMessage = { type: 'error', jobId, message: err.message, name: err.name };
  if (e instanceof InputError) {
    m.file = e.file;
    m.problem = e.problem;
    m.kind = e.kind;
  }
  return m;
}

const port = detectPort();
const running = new Map<string, AbortController>();
let ready: Promise<void> | null = null;

function init(msg: Extract<ParentMessage, { type: 'init' }> | null): Promise<void> {
  if (msg?.intraOpThreads) setIntraOpThreads(msg.intraOpThreads);
  ready ??= initBackend({ ...(msg?.backend ? { force: msg.backend } : {}), ...(msg?.executionProvider ? { executionProvider: msg.executionProvider } : {}) }).then(
    (info) => port.post({ type: 'ready', backend: { ...info, workers: msg?.workers ?? info.workers } }),
    (e) => {
      port.post(errorMessage(null, e));
      throw e;
    },
  );
  return ready as Promise<void>;
}

async function start(msg: Extract<ParentMessage, { type: 'start' }>): Promise<void> {
  const ac = new AbortController();
  running.set(msg.jobId, ac);
  try {
    await init(null);
    const result = await runJob(msg.job, {
      jobId: msg.jobId,
      signal: ac.signal,
      progress: (p) => port.post({ type: 'progress', jobId: msg.jobId, ...p }),
      partial: (results) => port.post({ type: 'partial', jobId: msg.jobId, results }),
    });
    port.post({ type: 'result', jobId: msg.jobId, result });
  } catch (e) {
    port.post(errorMessage(msg.jobId, ac.signal.aborted && !(e instanceof InputError) ? new CancelledError() : e));
  } finally {
    running.delete(msg.jobId);
  }
}

port.onMessage((raw) => {
  if (!isParentMessage(raw)) return;
  switch (raw.type) {
    case 'init':
      init(raw).catch(() => undefined);
      break;
    case 'start':
      void start(raw);
      break;
    case 'cancel':
      running.get(raw.jobId)?.abort();
      break;
  }
});
