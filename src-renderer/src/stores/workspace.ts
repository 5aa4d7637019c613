import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { RecentWorkspace, WorkspaceInfo } from '../../../src-main/contract';
import { useClient } from '../api';
import { useNotify } from './notify';

export const useWorkspace = defineStore('workspace', () => {
  const current = ref<WorkspaceInfo | null>(null);
  const recent = ref<RecentWorkspace[]>([]);
  const loaded = ref(false);
  const busy = ref(false);
  const notify = useNotify();
  let unsub: (() => void) | null = null;

  async function init(): Promise<void> {
    const client = useClient();
    unsub ??= client.on('workspace.changed', (w) => {
      current.value = w;
      void loadRecent();
    });
    const w = await notify.guard('workspace', () => client.call('workspace.current', {}));
    if (w !== undefined) current.value = w;
    await loadRecent();
    loaded.value = true;
  }
  async function loadRecent(): Promise<void> {
    const r = await notify.guard('recent workspaces', () => useClient().call('workspace.recent', {}));
    if (r) recent.value = r;
  }
  async function open(path: string, create = false): Promise<boolean> {
    if (!path.trim()) {
      notify.push('error', 'enter a workspace folder path');
      return false;
    }
    busy.value = true;
    try {
      const w = await notify.guard(create ? 'create workspace' : 'open workspace', () =>
        useClient().call('workspace.open', { path: path.trim(), create }),
      );
      if (!w) return false;
      current.value = w;
      await loadRecent();
      return true;
    } finally {
      busy.value = false;
    }
  }
  async function pickFolder(): Promise<string | null> {
    const p = await notify.guard('choose folder', () => useClient().call('workspace.pickFolder', { title: 'Choose a workspace folder' }));
    return p ?? null;
  }
  return { current, recent, loaded, busy, init, open, pickFolder, loadRecent };
});
