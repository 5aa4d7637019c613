/**
 * Browsing at scale: thumbnails read by range and sent as binary frames, sort/filter
 * columns as typed arrays (binary frames on the transports), and the overrides and tags of
 * a split kept in the workspace.
 */
import type { CallArgs } from '../contract/calls';
import { encodeThumbs } from '../contract/frame';
import { decodeIndexSet } from '../contract/index-set';
import type { AppState } from './app-state';

export function browseHandlers(app: AppState) {
  const overrides = () => app.requireWorkspace().overrides;
  return {
    'datasets.thumbs': (a: CallArgs<'datasets.thumbs'>) => {
      const ws = app.requireWorkspace();
      const imgs = a.indices
        ? ws.datasets.readImageIndices(a.datasetId, a.split, a.indices)
        : ws.datasets.readImages(a.datasetId, a.split, a.offset, a.count);
      const header = { shape: imgs.shape, datasetId: a.datasetId, split: a.split, offset: a.indices ? 0 : a.offset, count: imgs.count };
      return encodeThumbs(a.indices ? { ...header, indices: a.indices } : header, imgs.data);
    },
    'curation.overrides': (a: CallArgs<'curation.overrides'>) => overrides().get(a.datasetId, a.split),
    'curation.editOverrides': (a: CallArgs<'curation.editOverrides'>) => overrides().edit(a.datasetId, a.split, selectionOf(a.selection), a.mode),
    'curation.tag': (a: CallArgs<'curation.tag'>) => overrides().tag(a.datasetId, a.split, selectionOf(a.selection), a.tag, a.on),
    'curation.undoOverrides': (a: CallArgs<'curation.undoOverrides'>) => overrides().undo(a.datasetId, a.split),
    'curation.saveRules': (a: CallArgs<'curation.saveRules'>) => {
      const run = app.requireWorkspace().runs.get(a.runId);
      return overrides().setRules(run.datasetId, run.split, run.id, a.rules);
    },
  };
}

function selectionOf(text: string) {
  try {
    return decodeIndexSet(text);
  } catch (err) {
    const e = new Error(`selection: ${(err as Error).message}`);
    e.name = 'ContractError';
    throw e;
  }
}

/** The overrides a preview/save uses: the workspace's for the run's split, or the ones given. */
export function overridesFor(app: AppState, runId: string, given: { index: number; mode: 'include' | 'exclude' }[], fromWorkspace: boolean) {
  if (!fromWorkspace) return given;
  const ws = app.requireWorkspace();
  const run = ws.runs.get(runId);
  return ws.overrides.list(run.datasetId, run.split);
}
