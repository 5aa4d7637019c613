/**
 * Streaming pixel files for imports: each split is written chunk by chunk into a temp file in
 * the new dataset's pixel folder (`pixels/<datasetId>/<split>.u8.tmp-rpr-…`), its sha256 computed
 * as the bytes go by. The dataset repository renames the temp files into place when it commits
 * the rows; `abort` (or the sweep at the next open, for a crashed process) removes the folder.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageShape } from '../contract/types';
import type { PixelSink, SplitWriter, StagedPixels } from '../core/dataset';
import { InputError } from '../core/errors';
import { imageSize } from '../core/image';
import { pixelsDir } from './context';
import { tempPathFor } from './fsutil';
import { newId } from './ids';

export interface PixelStage extends PixelSink<StagedPixels> {
  readonly datasetId: string;
  /** remove everything staged (after a failed or cancelled import) */
  discard(): void;
}

export function createPixelStage(root: string): PixelStage {
  const datasetId = newId('ds');
  const dir = pixelsDir(root, datasetId);
  const open: fs.promises.FileHandle[] = [];
  return {
    datasetId,
    open(split: string, shape: ImageShape, count?: number): SplitWriter<StagedPixels> {
      const size = imageSize(shape);
      const file = tempPathFor(path.join(dir, `${split}.u8`));
      const hash = createHash('sha256');
      let fh: fs.promises.FileHandle | null = null;
      let bytes = 0;
      const handle = async () => {
        if (!fh) {
          await fs.promises.mkdir(dir, { recursive: true });
          fh = await fs.promises.open(file, 'wx');
          open.push(fh);
        }
        return fh;
      };
      return {
        async write(chunk) {
          if (chunk.length === 0) return;
          const h = await handle();
          let off = 0;
          while (off < chunk.length) off += (await h.write(chunk, off, chunk.length - off)).bytesWritten;
          hash.update(chunk);
          bytes += chunk.length;
        },
        async finish() {
          const h = await handle();
          await h.sync();
          await h.close();
          open.splice(open.indexOf(h), 1);
          if (bytes % size !== 0) throw new InputError(split, `${bytes} pixel bytes is not a whole number of ${size}-byte images`);
          if (count !== undefined && bytes !== count * size) throw new InputError(split, `${bytes / size} images written, ${count} declared`);
          return { shape, count: bytes / size, file, sha256: hash.digest('hex') };
        },
        async abort() {
          if (fh) {
            await fh.close().catch(() => undefined);
            open.splice(open.indexOf(fh), 1);
          }
          fs.rmSync(file, { force: true });
        },
      };
    },
    discard() {
      for (const h of open.splice(0)) void h.close().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
