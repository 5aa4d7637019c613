/**
 * Which ONNX Runtime execution provider runs a session: the best the installed build has
 * (CUDA, DirectML, CoreML before the CPU), or exactly the one asked for. Pure: the list of
 * available providers comes in as an argument (onnxruntime-node's listSupportedBackends()),
 * so the choice is testable against any stubbed list.
 */

/** What onnxruntime-node's listSupportedBackends() returns. */
export interface ProviderEntry {
  name: string;
  /** false: the provider's library is not shipped in the package (must be installed apart) */
  bundled: boolean;
}

/** Preference order; 'cpu' always last and always present. */
export const PROVIDER_PREFERENCE: readonly string[] = ['cuda', 'dml', 'coreml', 'cpu'];

/** Providers that can run here: bundled ones from the preference list, cpu always. */
export function usableProviders(list: readonly ProviderEntry[]): string[] {
  const have = new Set(list.filter((p) => p.bundled).map((p) => p.name.toLowerCase()));
  have.add('cpu');
  return PROVIDER_PREFERENCE.filter((p) => have.has(p));
}

/**
 * The execution provider to use: `requested` when usable (an Error naming the usable ones
 * otherwise), else the first usable one in preference order.
 */
export function selectProvider(list: readonly ProviderEntry[], requested?: string): string {
  const usable = usableProviders(list);
  if (requested) {
    const want = requested.toLowerCase();
    if (!usable.includes(want)) throw new Error(`execution provider "${requested}" is not available in this onnxruntime-node build (available: ${usable.join(', ')})`);
    return want;
  }
  return usable[0];
}
