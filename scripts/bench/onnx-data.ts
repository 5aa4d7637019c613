/** Full MNIST test images for the ONNX bench (uint8, N·28·28). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeIdx } from '../../src-main/core/idx';

export function readIdxImages(dir: string): { data: Uint8Array; count: number } {
  const raw = gunzipSync(readFileSync(join(dir, 't10k-images-idx3-ubyte.gz')));
  const a = decodeIdx(raw, 't10k-images-idx3-ubyte');
  return { data: a.data as Uint8Array, count: a.dims[0] };
}
