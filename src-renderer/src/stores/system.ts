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
  return { info, load };
});
