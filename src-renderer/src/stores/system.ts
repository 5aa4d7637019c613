import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CallResults } from '../../../src-main/contract';
import { useClient } from '../api';
import { useNotify } from './notify';

export const useSystem = defineStore('system', () => {
  const info = ref<CallResults['system.info'] | null>(null);
  const notify = useNotify();

  async function load(): Promise<void> {
    const v = await notify.guard('system info', () => useClient().call('system.info', {}));
    if (v) info.value = v;
  }
  /** Force a backend ('auto' = the best available) and a worker count (null = one per core). */
  async function setEngine(backend: 'auto' | 'onnxruntime' | 'tensorflow' | 'wasm' | 'cpu', workers: number | null, executionProvider: string | null = null): Promise<boolean> {
    const b = await notify.guard('engine settings', () => useClient().call('system.setEngine', { backend, workers, executionProvider }));
    if (!b) return false;
    if (info.value) info.value = { ...info.value, backend: b };
    notify.push('success', `Engine: ${b.name}${b.executionProvider ? ` (${b.executionProvider})` : ''}${b.forced ? ' (forced)' : ''}, ${b.workers} worker(s)`);
    return true;
  }
  return { info, load, setEngine };
});
