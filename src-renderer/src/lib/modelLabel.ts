/**
 * A model as every list and picker names it. Training that is cancelled keeps no model (the
 * service discards it); a model a workspace still holds from before that rule, whose recipe says
 * `cancelled: true`, is marked so it can never pass for a trained one.
 */
import type { ModelInfo } from '../../../src-main/contract';

export function modelCancelled(m: Pick<ModelInfo, 'config'>): boolean {
  return (m.config as { cancelled?: unknown } | undefined)?.cancelled === true;
}

/** "paper-cnn #1" or "paper-cnn #1 (cancelled after 0 epochs)" */
export function modelLabel(m: Pick<ModelInfo, 'name' | 'config'>): string {
  if (!modelCancelled(m)) return m.name;
  const run = (m.config as { epochsRun?: unknown }).epochsRun;
  return `${m.name} (cancelled${typeof run === 'number' ? ` after ${run} epoch${run === 1 ? '' : 's'}` : ''})`;
}
