/** Raw images as the core sees them: uint8, row-major HWC, one image after another. */
import type { ImageShape } from '../contract/types';

export interface RawImages {
  shape: ImageShape;
  count: number;
  /** count * height * width * channels bytes */
  data: Uint8Array;
}

export function imageSize(shape: ImageShape): number {
  return shape.height * shape.width * shape.channels;
}

/** A view (no copy) of image i. */
export function imageAt(images: RawImages, i: number): Uint8Array {
  const size = imageSize(images.shape);
  return images.data.subarray(i * size, (i + 1) * size);
}
