/**
 * Loading onnxruntime-node and opening sessions. Importing this module loads nothing: the
 * native addon is required on the first `loadOrt()` (the engine's backend ladder calls it).
 */
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import { type ProviderEntry, selectProvider } from './providers';

export type OrtModule = typeof Ort;

let ort: OrtModule | null = null;
let provider = 'cpu';
/** intra-op threads per session (0 = ONNX Runtime's default) */
let intraOpThreads = 0;

/** Loads onnxruntime-node (once) and picks the execution provider; throws when it cannot load. */
export function loadOrt(requestedProvider?: string): { ort: OrtModule; provider: string } {
  if (!ort) {
    const require = createRequire(import.meta.url);
    ort = require('onnxruntime-node') as OrtModule;
  }
  const list = (ort as unknown as { listSupportedBackends?: () => ProviderEntry[] }).listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
  provider = selectProvider(list, requestedProvider);
  return { ort, provider };
}

export function ortLoaded(): OrtModule | null {
  return ort;
}

export function currentProvider(): string {
  return provider;
}

export function setIntraOpThreads(n: number): void {
  intraOpThreads = Math.max(0, Math.floor(n));
}

/** A session on the current provider, from a file path (external data resolves beside it) or bytes. */
export async function openSession(source: string | Uint8Array, threads = intraOpThreads): Promise<Ort.InferenceSession> {
  const o = ort ?? loadOrt().ort;
  const opts: Ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
  return typeof source === 'string' ? o.InferenceSession.create(source, opts) : o.InferenceSession.create(source, opts);
}
