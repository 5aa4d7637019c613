/**
 * The default pixel sink: collects a split in memory (tests, small imports, the MNIST download
 * check). The workspace's sink (store/pixel-stage.ts) streams to disk instead.
 */
import type { ImageShape } from '../../contract/types';
import type { PixelSink, SplitWriter } from '../../core/dataset';
import { InputError } from '../../core/errors';
import type { RawImages } from '../../core/image';
import { imageSize } from '../../core/image';

export function memorySink(): PixelSink<RawImages> {
  return {
    open(split: string, shape: ImageShape, count?: number): SplitWriter<RawImages> {
      const size = imageSize(shape);
      // never trust a declared count for an allocation: grow up to it
      let buf = new Uint8Array(count !== undefined ? Math.min(count * size, 1 << 26) : 1 << 16);
      let len = 0;
      return {
        async write(chunk) {
          if (len + chunk.length > buf.length) {
            if (count !== undefined && len + chunk.length > count * size) throw new InputError(split, `more pixel bytes than the ${count} images declared`);
            let cap = Math.max(buf.length * 2, len + chunk.length);
            if (count !== undefined) cap = Math.min(cap, count * size);
            const grown = new Uint8Array(cap);
            grown.set(buf.subarray(0, len));
            buf = grown;
          }
          buf.set(chunk, len);
          len += chunk.length;
        },
        async finish() {
          if (len % size !== 0) throw new InputError(split, `${len} pixel bytes is not a whole number of ${size}-byte images`);
          if (count !== undefined && len !== count * size) throw new InputError(split, `${len / size} images written, ${count} declared`);
          const data = len === buf.length ? buf : buf.slice(0, len);
          return { shape, count: len / size, data };
        },
        async abort() {
          buf = new Uint8Array(0);
        },
      };
    },
  };
}
