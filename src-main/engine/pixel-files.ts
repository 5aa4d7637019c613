/** Reads the raw pixel files (N·H·W·C uint8) and label files (N uint8) jobs point at. */
import { promises as fsp } from 'node:fs';
import type { ImageShape } from '../contract/types';
import { InputError } from '../core/errors';
import type { RawImages } from '../core/image';
import { imageSize } from '../core/image';

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    const b = await fsp.readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(path, code === 'ENOENT' ? `${what} file not found` : `cannot read ${what} file: ${(e as Error).message}`);
  }
}

export async function readPixelFile(path: string, shape: ImageShape): Promise<RawImages> {
  const data = await readBytes(path, 'pixel');
  const size = imageSize(shape);
  if (data.length % size !== 0) {
    throw new InputError(path, `pixel file of ${data.length} bytes is not a whole number of ${shape.height}×${shape.width}×${shape.channels} images (${size} bytes each)`);
  }
  return { shape, count: data.length / size, data };
}

export async function readLabelFile(path: string, count: number, numClasses: number): Promise<Uint8Array> {
  const labels = await readBytes(path, 'label');
  if (labels.length !== count) throw new InputError(path, `label file holds ${labels.length} labels but the pixel file holds ${count} images`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) throw new InputError(path, `label ${labels[i]} of image ${i} is not below the class count ${numClasses}`);
  }
  return labels;
}

/** The images at `indices`, copied into a new RawImages. */
export function selectImages(images: RawImages, indices: readonly number[]): RawImages {
  const size = imageSize(images.shape);
  const data = new Uint8Array(indices.length * size);
  indices.forEach((idx, i) => {
    if (!Number.isInteger(idx) || idx < 0 || idx >= images.count) throw new InputError('indices', `image index ${idx} is outside 0..${images.count - 1}`);
    data.set(images.data.subarray(idx * size, (idx + 1) * size), i * size);
  });
  return { shape: images.shape, count: indices.length, data };
}
