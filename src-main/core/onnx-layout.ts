/**
 * How a dataset's images enter an ONNX graph, decided from the graph's declared input shape
 * (DESIGN.md "ONNX input layout"): rank 4 with dim 1 in {1, 3} and the spatial dims matching
 * (or dynamic) → NCHW; rank 4 with the last dim in {1, 3} → NHWC; rank 2 of H·W·C → flat;
 * anything else is ambiguous and the caller must say (`--layout`). Pure: no I/O.
 */
import type { ImageShape } from '../contract/types';

export type OnnxLayout = 'nchw' | 'nhwc' | 'flat';

/** A declared dimension: a number, or null for a dynamic / symbolic one. */
export type Dim = number | null;

const fits = (d: Dim, v: number): boolean => d === null || d === v;

/** Layouts the declared shape (batch included) could be for images of `shape`. */
export function candidateLayouts(dims: readonly Dim[], shape: ImageShape): OnnxLayout[] {
  const { height: h, width: w, channels: c } = shape;
  const out: OnnxLayout[] = [];
  if (dims.length === 4) {
    if (dims[1] !== null && (dims[1] === 1 || dims[1] === 3) && dims[1] === c && fits(dims[2], h) && fits(dims[3], w)) out.push('nchw');
    if (dims[3] !== null && (dims[3] === 1 || dims[3] === 3) && dims[3] === c && fits(dims[1], h) && fits(dims[2], w)) out.push('nhwc');
  }
  if (dims.length === 2 && dims[1] === h * w * c) out.push('flat');
  return out;
}

/** Whether a forced layout can take images of `shape` at all (dynamic dims allowed). */
export function layoutFits(layout: OnnxLayout, dims: readonly Dim[], shape: ImageShape): boolean {
  const { height: h, width: w, channels: c } = shape;
  if (layout === 'flat') return dims.length === 2 && fits(dims[1], h * w * c);
  if (dims.length !== 4) return false;
  return layout === 'nchw' ? fits(dims[1], c) && fits(dims[2], h) && fits(dims[3], w) : fits(dims[1], h) && fits(dims[2], w) && fits(dims[3], c);
}

export function formatDims(dims: readonly Dim[]): string {
  return `[${dims.map((d) => (d === null ? '?' : d)).join(', ')}]`;
}

/** The input tensor's dims (batch first) for `n` images in `layout`. */
export function inputDims(layout: OnnxLayout, n: number, shape: ImageShape): number[] {
  const { height: h, width: w, channels: c } = shape;
  return layout === 'nchw' ? [n, c, h, w] : layout === 'nhwc' ? [n, h, w, c] : [n, h * w * c];
}

/**
 * True when every row of `out` ([rows, k]) is non-negative and sums to 1 ± 1e-3: the graph
 * emits probabilities; otherwise logits, softmaxed for confidences only.
 */
export function looksLikeProbabilities(out: ArrayLike<number>, rows: number, k: number): boolean {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const v = out[r * k + j];
      if (!(v >= 0)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

/**
 * Argmax and confidence of each row of `out` ([rows, k]); with `logits` the confidence is the
 * softmax probability of the winning class (the argmax is the same either way). Ties go to
 * the lowest index, as tf.argMax does.
 */
export function argmaxRows(out: ArrayLike<number>, rows: number, k: number, logits: boolean, classes: Int32Array, confidence: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    let best = 0;
    let bv = out[o];
    for (let j = 1; j < k; j++) {
      const v = out[o + j];
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    classes[r] = best;
    if (logits) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(out[o + j] - bv);
      confidence[r] = 1 / sum;
    } else confidence[r] = bv;
  }
}
