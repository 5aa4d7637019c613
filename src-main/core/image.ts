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

/** "28x28x1": an image shape as messages name it. */
export function shapeText(s: ImageShape): string {
  return `${s.height}x${s.width}x${s.channels}`;
}

/** A copy of `a` in a buffer of `length` bytes (a growing chunk of pixels or labels). */
export function growBytes(a: Uint8Array, length: number): Uint8Array {
  const b = new Uint8Array(length);
  b.set(a);
  return b;
}

/** A view (no copy) of image i. */
export function imageAt(images: RawImages, i: number): Uint8Array {
  const size = imageSize(images.shape);
  return images.data.subarray(i * size, (i + 1) * size);
}

/**
 * Images read one at a time (scoring reads a split's file through a window instead of holding
 * it whole). `image(i)` may return a view that is only valid until the next call.
 */
export interface ImageSource {
  shape: ImageShape;
  count: number;
  image(i: number): Uint8Array;
}

/** An ImageSource over images in memory. */
export function rawSource(images: RawImages): ImageSource {
  return { shape: images.shape, count: images.count, image: (i) => imageAt(images, i) };
}
