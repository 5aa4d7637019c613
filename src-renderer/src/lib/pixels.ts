import type { ImageShape } from '../../../src-main/contract';

/** Copy image `i` of a split blob (N*H*W*C uint8) into an RGBA buffer. */
export function toRgba(blob: Uint8Array, i: number, shape: ImageShape, out?: Uint8ClampedArray): Uint8ClampedArray {
  const px = shape.height * shape.width;
  const rgba = out ?? new Uint8ClampedArray(px * 4);
  const off = i * px * shape.channels;
  if (shape.channels === 1) {
    for (let p = 0; p < px; p++) {
      const v = blob[off + p] ?? 0;
      const o = p * 4;
      rgba[o] = v;
      rgba[o + 1] = v;
      rgba[o + 2] = v;
      rgba[o + 3] = 255;
    }
  } else {
    for (let p = 0; p < px; p++) {
      const o = p * 4;
      const s = off + p * 3;
      rgba[o] = blob[s] ?? 0;
      rgba[o + 1] = blob[s + 1] ?? 0;
      rgba[o + 2] = blob[s + 2] ?? 0;
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}

/** Draw image `i` of a blob into a canvas sized to the image (CSS scales it, pixelated). */
export function drawImage(canvas: HTMLCanvasElement, blob: Uint8Array | null | undefined, i: number, shape: ImageShape): void {
  if (canvas.width !== shape.width) canvas.width = shape.width;
  if (canvas.height !== shape.height) canvas.height = shape.height;
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = canvas.getContext('2d');
  } catch {
    ctx = null;
  }
  if (!ctx || typeof ImageData === 'undefined') return;
  if (!blob || blob.length < (i + 1) * shape.height * shape.width * shape.channels) {
    ctx.clearRect(0, 0, shape.width, shape.height);
    return;
  }
  const img = new ImageData(shape.width, shape.height);
  toRgba(blob, i, shape, img.data);
  ctx.putImageData(img, 0, 0);
}
