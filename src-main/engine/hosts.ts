/**
 * Where engine workers run. A WorkerHost spawns WorkerHandles; the pool only speaks the
 * typed protocol through them. Two Node hosts here (worker_threads, child_process.fork);
 * the Electron utilityProcess host lives in the app and implements the same interface.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { ParentMessage, WorkerMessage } from './protocol';

export interface WorkerExit {
  code: number | null;
  signal: string | null;
}

export interface WorkerHandle {
  /** diagnostics: 'thread 3', 'pid 1234' */
  readonly id: string;
  /** OS process id when the worker is a process */
  readonly pid?: number;
  postMessage(m: ParentMessage): void;
  on(ev: 'message', fn: (m: WorkerMessage) => void): void;
  on(ev: 'exit', fn: (e: WorkerExit) => void): void;
  on(ev: 'error', fn: (e: Error) => void): void;
  /** ends the worker; 'exit' follows */
  kill(): void;
}

export interface WorkerHost {
  readonly name: string;
  spawn(): WorkerHandle;
}

/** The worker script: the TypeScript entry (run through tsx) from source, else the bundled worker.js. */
export function workerEntry(): { file: string; typescript: boolean } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { file: fileURLToPath(new URL('./worker-entry.ts', here)), typescript: true };
  const dir = dirname(fileURLToPath(here));
  for (const c of [join(dir, 'worker.js'), join(dir, '..', 'worker.js'), join(dir, 'main', 'worker.js')]) {
    if (existsSync(c)) return { file: c, typescript: false };
  }
  throw new Error(`engine worker script not found: expected worker.js beside ${fileURLToPath(here)}`);
}

/**
 * The young generation of an engine worker's V8 heap. Training allocates tens of MB of
 * short-lived JS objects a second (TF.js bookkeeping per op); with V8's default 16 MB
 * semi-spaces a scavenge runs every few batches and hands pages back to the OS, and the
 * faults to get them again cost a fifth of the worker's CPU as system time. 64 MB semi-spaces
 * measured about 10% less wall time for one epoch of paper-cnn on MNIST here (the note of
 * issue 9 has the figures).
 */
export const ENGINE_SEMI_SPACE_MB = 64;
/** The same as a V8 flag, for hosts that start a process. */
export const ENGINE_V8_FLAGS = [`--max-semi-space-size=${ENGINE_SEMI_SPACE_MB}`];

function tsxDir(): string {
  const req = createRequire(import.meta.url);
  return dirname(req.resolve('tsx/package.json'));
}

/** node:worker_threads host (default for the CLI and tests). */
export function threadHost(): WorkerHost {
  return {
    name: 'worker_threads',
    spawn(): WorkerHandle {
      const entry = workerEntry();
      // V8 reads its flags when it creates a heap: the worker's isolate gets the larger
      // semi-spaces (resourceLimits.maxYoungGenerationSizeMb measured no gain here)
      setFlagsFromString(ENGINE_V8_FLAGS.join(' '));
      let worker: Worker;
      if (entry.typescript) {
        // a worker's --import hooks register too late for its own entry; register tsx first
        const api = pathToFileURL(join(tsxDir(), 'dist', 'esm', 'api', 'index.mjs')).href;
        const file = pathToFileURL(entry.file).href;
        const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(file)}); }).catch((e) => { console.error(e); process.exit(70); });`;
        worker = new Worker(code, { eval: true, stdout: true });
      } else {
        worker = new Worker(entry.file, { stdout: true });
      }
      // keep the parent's stdout clean (CLI output, `rpr serve`'s first line): worker output goes to stderr
      worker.stdout.pipe(process.stderr);
      let errored: Error | null = null;
      return {
        id: `thread ${worker.threadId}`,
        postMessage: (m) => worker.postMessage(m),
        on(ev: 'message' | 'exit' | 'error', fn: (x: never) => void) {
          if (ev === 'message') worker.on('message', fn as (m: WorkerMessage) => void);
          else if (ev === 'error')
            worker.on('error', (e: Error) => {
              errored = e;
              (fn as (e: Error) => void)(e);
            });
          else worker.on('exit', (code: number) => (fn as (e: WorkerExit) => void)({ code, signal: errored ? `uncaught ${errored.name}` : null }));
        },
        kill: () => void worker.terminate(),
      } as WorkerHandle;
    },
  };
}

/** child_process.fork host: a crash of native code cannot take the parent down. */
export function forkHost(): WorkerHost {
  return {
    name: 'fork',
    spawn(): WorkerHandle {
      const entry = workerEntry();
      const execArgv = [...ENGINE_V8_FLAGS, ...(entry.typescript ? ['--import', pathToFileURL(join(tsxDir(), 'dist', 'loader.mjs')).href] : [])];
      const child = fork(entry.file, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      child.stdout?.pipe(process.stderr);
      return {
        id: `pid ${child.pid}`,
        pid: child.pid,
        postMessage: (m) => {
          if (child.connected) child.send(m);
        },
        on(ev: 'message' | 'exit' | 'error', fn: (x: never) => void) {
          if (ev === 'message') child.on('message', fn as (m: unknown) => void);
          else if (ev === 'error') child.on('error', fn as (e: Error) => void);
          else child.on('exit', (code, signal) => (fn as (e: WorkerExit) => void)({ code, signal }));
        },
        kill: () => void child.kill('SIGKILL'),
      } as WorkerHandle;
    },
  };
}
