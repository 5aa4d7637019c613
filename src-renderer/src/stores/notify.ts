import { defineStore } from 'pinia';
import { ref } from 'vue';
import { errorMessage } from '../api/errors';

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  message: string;
}

/** User-visible messages: every failed call lands here (never swallowed). */
export const useNotify = defineStore('notify', () => {
  const toasts = ref<Toast[]>([]);
  let next = 1;

  function push(kind: Toast['kind'], message: string, ttlMs = kind === 'error' ? 0 : 5000): number {
    const id = next++;
    toasts.value.push({ id, kind, message });
    if (ttlMs > 0) setTimeout(() => dismiss(id), ttlMs);
    return id;
  }
  function error(e: unknown, context?: string): void {
    const msg = errorMessage(e);
    push('error', context ? `${context}: ${msg}` : msg);
  }
  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }
  /** Run an action; on failure show the error and return undefined. */
  async function guard<T>(context: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      error(e, context);
      return undefined;
    }
  }
  return { toasts, push, error, dismiss, guard };
});
