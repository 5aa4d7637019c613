/** What engine jobs read: the workspace's pixel file of a split and a label file beside it. */
import { existsSync } from 'node:fs';
import type { ImageShape } from '../contract/types';
import { NotFoundError } from '../core/errors';
import type { PixelSource } from '../engine/protocol';
import type { Workspace } from '../store/workspace';
import { writeFileAtomic } from '../store/fsutil';

export interface SplitSource extends PixelSource {
  shape: ImageShape;
  count: number;
  numClasses: number;
}

export function splitSource(ws: Workspace, datasetId: string, split: string): SplitSource {
  const ds = ws.datasets.get(datasetId);
  const info = ds.splits.find((s) => s.name === split);
  if (!info) throw new NotFoundError(`dataset ${ds.name} has no split "${split}" (it has ${ds.splits.map((s) => s.name).join(', ')})`);
  const pixelsPath = ws.datasets.pixelsPath(datasetId, split);
  const labelsPath = pixelsPath.replace(/\.u8$/, '') + '.labels.u8';
  if (!existsSync(labelsPath)) writeFileAtomic(labelsPath, ws.datasets.labels(datasetId, split));
  return { pixelsPath, labelsPath, shape: ds.shape, count: info.count, numClasses: ds.classNames.length };
}
