/** Datasets: import (IDX, ImageFolder, CSV), download MNIST, browse. */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { CallArgs, CallResults } from '../contract/calls';
import { InputError } from '../core/errors';
import type { AppState } from './app-state';
import { DEFAULT_MNIST_MIRROR } from './context';
import { importDataset } from './importers/index';
import { createPixelStage } from '../store/pixel-stage';
import { downloadMnist } from './download';

export function datasetHandlers(app: AppState) {
  const changed = () => app.events.emit('datasets.changed', { datasets: app.requireWorkspace().datasets.list() });

  return {
    'datasets.list': (): CallResults['datasets.list'] => (app.workspace ? app.workspace.datasets.list() : []),
    'datasets.get': (a: CallArgs<'datasets.get'>) => app.requireWorkspace().datasets.get(a.datasetId),
    'datasets.columns': (a: CallArgs<'datasets.columns'>) => app.requireWorkspace().datasets.columnArrays(a.datasetId),
    'datasets.image': (a: CallArgs<'datasets.image'>) => app.requireWorkspace().datasets.image(a.datasetId, a.split, a.index),
    'datasets.pickPath': async (a: CallArgs<'datasets.pickPath'>) => (app.host.dialogs ? app.host.dialogs.pickPath(a.kind) : null),

    'datasets.import': (a: CallArgs<'datasets.import'>): CallResults['datasets.import'] => {
      const ws = app.requireWorkspace();
      // a path that is not there is refused at the door (404), not by a failed job
      if (!existsSync(a.path)) throw new InputError(a.path, 'no such file or folder', 'not-found');
      const { jobId } = app.jobs.launch('import', `Import ${basename(a.path)}`, async (ctx) => {
        // pixels stream into temp files of the new dataset's folder; insert renames them into place
        const stage = createPixelStage(ws.path);
        try {
          const imported = await importDataset(a.path, {
            format: a.format,
            split: a.split,
            size: a.size,
            fit: a.fit,
            color: a.color,
            sink: stage,
            signal: ctx.signal,
            onProgress: (done, total, message, unit) => ctx.progress(done, total, { unit: unit ?? 'images', message }),
          });
          const summary = ws.datasets.insert(imported, a.name ?? defaultName(a.path));
          changed();
          return summary;
        } catch (e) {
          stage.discard();
          throw e;
        }
      }, { call: 'datasets.import', input: a });
      return { jobId };
    },

    'datasets.download': (a: CallArgs<'datasets.download'>): CallResults['datasets.download'] => {
      const ws = app.requireWorkspace();
      const mirror = a.mirror ?? app.host.mnistMirror ?? DEFAULT_MNIST_MIRROR;
      const { jobId } = app.jobs.launch('download', `Download MNIST from ${mirror}`, async (ctx) => {
        const folder = await downloadMnist({
          mirror,
          cacheDir: join(app.host.dataDir, 'cache'),
          signal: ctx.signal,
          onProgress: (done, total, file) => ctx.progress(done, total, { unit: 'bytes', message: file }),
        });
        const imported = await importDataset(folder, { format: 'idx', signal: ctx.signal });
        imported.kind = 'download';
        const summary = ws.datasets.insert(imported, a.name ?? 'MNIST');
        changed();
        return summary;
      }, { call: 'datasets.download', input: a });
      return { jobId };
    },
  };
}

export function defaultName(path: string): string {
  const base = basename(path.replace(/[\\/]+$/, ''));
  return base.replace(/\.(csv|gz)$/i, '') || 'dataset';
}
