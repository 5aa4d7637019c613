/**
 * Engine workers in the desktop app: Electron utilityProcess children (never the main
 * thread, never the renderer), speaking the engine's typed protocol.
 */
import { utilityProcess } from 'electron';
import type { WorkerExit, WorkerHandle, WorkerHost } from '../engine/hosts';
import { ENGINE_V8_FLAGS, workerEntry } from '../engine/hosts';
import { createPool } from '../engine/pool';
import type { ParentMessage, WorkerMessage } from '../engine/protocol';
import type { Services } from '../services/index';

export function utilityHost(): WorkerHost {
  return {
    name: 'utilityProcess',
    spawn(): WorkerHandle {
      const entry = workerEntry();
      const child = utilityProcess.fork(entry.file, [], { serviceName: 'RPR Curator engine', stdio: 'inherit', execArgv: ENGINE_V8_FLAGS });
      let exited = false;
      return {
        get id() {
          return `pid ${child.pid ?? '?'}`;
        },
        get pid() {
          return child.pid;
        },
        postMessage: (m: ParentMessage) => {
          if (!exited) child.postMessage(m);
        },
        on(ev: 'message' | 'exit' | 'error', fn: (x: never) => void) {
          if (ev === 'message') child.on('message', (m: unknown) => (fn as (m: WorkerMessage) => void)(m as WorkerMessage));
          else if (ev === 'error') child.on('error', (type: string, location: string) => (fn as (e: Error) => void)(new Error(`${type} at ${location}`)));
          else
            child.on('exit', (code: number) => {
              exited = true;
              (fn as (e: WorkerExit) => void)({ code, signal: null });
            });
        },
        kill: () => void child.kill(),
      } as WorkerHandle;
    },
  };
}

/** Make the services start their engine pool on utilityProcess workers. */
export function configureElectronEngine(services: Services): void {
  services.app.host.createPool = (opts) => createPool({ ...opts, host: utilityHost() });
}
