import { defineStore } from 'pinia';
import { ref } from 'vue';

export type ViewName = 'datasets' | 'explore' | 'models' | 'score' | 'curate' | 'compare';

/**
 * Links between views (issue 12, item 16: a model's lineage links to its dataset, scoring run and
 * curated set). A view asks for another; App.vue follows. `focusRunId` asks the Score view to
 * show one run's row.
 */
export const useNav = defineStore('nav', () => {
  const request = ref<ViewName | null>(null);
  const focusRunId = ref<string | null>(null);
  function go(view: ViewName): void {
    request.value = view;
  }
  /** Show the Score view with this run's row in focus. */
  function focusRun(runId: string): void {
    focusRunId.value = runId;
    go('score');
  }
  /** The shell has followed the request. */
  function followed(): void {
    request.value = null;
  }
  return { request, focusRunId, go, focusRun, followed };
});
