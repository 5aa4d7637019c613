/**
 * The curation's live preview: what the rules and overrides keep, asked again shortly after
 * every edit (debounced), once the edits have reached the workspace. Only the newest answer
 * is shown.
 */
import { ref, shallowRef, watch } from 'vue';
import type { Ref } from 'vue';
import type { CurationPreview, CurationRules, OverrideMode } from '../../../src-main/contract';
import { useClient } from '../api';
import type { useNotify } from './notify';

export function useCurationPreview(
  runId: Ref<string | null>,
  rules: Ref<CurationRules>,
  overrides: Ref<Record<number, OverrideMode>>,
  settled: () => Promise<unknown>,
  notify: ReturnType<typeof useNotify>,
) {
  const preview = shallowRef<CurationPreview | null>(null);
  const previewing = ref(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let previewToken = 0;

  // every edit is queued to the workspace (curation-sync.ts); the preview follows with a short debounce
  watch([rules, overrides], () => schedulePreview(), { deep: true });

  function schedulePreview(delay = 150): void {
    if (timer) clearTimeout(timer);
    if (!runId.value) return;
    timer = setTimeout(() => {
      timer = null;
      void refreshPreview();
    }, delay);
  }

  async function refreshPreview(): Promise<void> {
    const id = runId.value;
    if (!id) return;
    const token = ++previewToken;
    previewing.value = true;
    try {
      await settled(); // the preview reads the overrides stored in the workspace
      const p = await notify.guard('curation preview', () =>
        useClient().call('curation.preview', { runId: id, rules: rules.value, workspaceOverrides: true }),
      );
      if (p && token === previewToken) preview.value = p;
    } finally {
      if (token === previewToken) previewing.value = false;
    }
  }

  return { preview, previewing, schedulePreview, refreshPreview };
}
