/**
 * What the services need from their host (Electron main, the CLI, a test): the app's data
 * folder, native dialogs when there are any, and how engine work is run.
 */
import type { BackendName } from '../contract/types';
import type { EnginePool } from '../engine/pool';

export interface Dialogs {
  pickFolder(title?: string): Promise<string | null>;
  pickPath(kind: 'folder' | 'file'): Promise<string | null>;
}

export interface ServiceHost {
  version: string;
  /** the app's data folder: recent workspaces, download cache, default workspace */
  dataDir: string;
  transport: 'ipc' | 'loopback';
  dialogs?: Dialogs;
  /** default MNIST mirror for downloads */
  mnistMirror?: string;
  /** engine workers (default: one per core) and a forced backend */
  workers?: number;
  backend?: BackendName;
  /** how engine workers are started (Electron: utilityProcess; default worker_threads) */
  createPool?: (opts: { size?: number; backend?: BackendName; executionProvider?: string; intraOpThreads?: number }) => EnginePool;
}

export const DEFAULT_MNIST_MIRROR = 'https://storage.googleapis.com/cvdf-datasets/mnist';
