/**
 * The ONNX Runtime implementation of the core Classifier. Raw uint8 HWC images are written
 * straight into the graph's layout (NCHW, NHWC or flat) through a per-channel lookup table
 * (input scale, RGB/BGR order), into float buffers reused from call to call; calls may
 * overlap (session.run is asynchronous), each holding its own buffer. Probabilities or
 * logits are told apart on the first batch; the class map turns output indices into
 * dataset classes.
 */
import type * as Ort from 'onnxruntime-node';
import type { ImageShape, InputScale } from '../../contract/types';
import type { Classification, Classifier } from '../../core/classifier';
import { InputError } from '../../core/errors';
import { imageSize } from '../../core/image';
import { type OnnxLayout, argmaxRows, inputDims, looksLikeProbabilities } from '../../core/onnx-layout';
import { channelScale } from '../scaling';
import { ortLoaded } from './runtime';

export interface OrtClassifierOptions {
  shape: ImageShape;
  inputScale: InputScale;
  layout: OnnxLayout;
  inputName: string;
  outputName: string;
  /** output width (the graph's class count) */
  numClasses: number;
  /** the graph takes channels in BGR order */
  bgr?: boolean;
  /** classMap[outputIndex] = dataset class; identity when absent */
  classMap?: number[];
  /** 'probabilities' or 'logits' when already known (else decided on the first batch) */
  outputKind?: 'probabilities' | 'logits';
}

/** lut[c * 256 + v]: the float a raw value v of image channel c becomes. */
export function buildLut(scale: InputScale, channels: number): Float32Array {
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const { mul, add } = channelScale(scale, c, channels);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = v * mul + add;
  }
  return lut;
}

/** Writes `count` raw HWC images into `out` in `layout` (bgr: channel order reversed). */
export function fillInput(raw: Uint8Array, count: number, shape: ImageShape, layout: OnnxLayout, lut: Float32Array, bgr: boolean, out: Float32Array): void {
  const C = shape.channels;
  const HW = shape.height * shape.width;
  const n = count * HW * C;
  if (C === 1) {
    for (let i = 0; i < n; i++) out[i] = lut[raw[i]];
    return;
  }
  if (layout === 'nchw') {
    for (let img = 0; img < count; img++) {
      const src = img * HW * C;
      for (let c = 0; c < C; c++) {
        const sc = bgr ? C - 1 - c : c;
        const dst = (img * C + c) * HW;
        const l = sc * 256;
        for (let p = 0; p < HW; p++) out[dst + p] = lut[l + raw[src + p * C + sc]];
      }
    }
    return;
  }
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) {
      const sc = bgr ? C - 1 - c : c;
      out[i + c] = lut[sc * 256 + raw[i + sc]];
    }
  }
}

export function createOrtClassifier(session: Ort.InferenceSession, opts: OrtClassifierOptions): Classifier {
  const ort = ortLoaded();
  if (!ort) throw new Error('onnxruntime-node is not loaded');
  const size = imageSize(opts.shape);
  const k = opts.numClasses;
  const lut = buildLut(opts.inputScale, opts.shape.channels);
  const map = opts.classMap && opts.classMap.length === k ? Int32Array.from(opts.classMap) : null;
  let logits: boolean | null = opts.outputKind ? opts.outputKind === 'logits' : null;
  // free input buffers by length: overlapping calls never share one
  const free = new Map<number, Float32Array[]>();
  const take = (len: number): Float32Array => free.get(len)?.pop() ?? new Float32Array(len);
  const give = (b: Float32Array): void => {
    const list = free.get(b.length) ?? [];
    if (list.length < 4) list.push(b);
    free.set(b.length, list);
  };

  return {
    shape: opts.shape,
    numClasses: k,
    async classify(images: Uint8Array, count: number): Promise<Classification> {
      const classes = new Int32Array(count);
      const confidence = new Float32Array(count);
      if (count === 0) return { classes, confidence };
      if (images.length < count * size) throw new InputError('images', `classify: ${count} images need ${count * size} bytes, got ${images.length}`);
      const buf = take(count * size);
      let result: Ort.InferenceSession.ReturnType;
      try {
        fillInput(images, count, opts.shape, opts.layout, lut, opts.bgr ?? false, buf);
        const x = new ort.Tensor('float32', buf, inputDims(opts.layout, count, opts.shape));
        result = await session.run({ [opts.inputName]: x }, [opts.outputName]);
      } finally {
        give(buf);
      }
      const y = result[opts.outputName];
      try {
        const data = y.data as Float32Array;
        if (data.length !== count * k) throw new Error(`the graph returned ${data.length} values for ${count} images of ${k} classes (output dims ${JSON.stringify(y.dims)})`);
        logits ??= !looksLikeProbabilities(data, count, k);
        argmaxRows(data, count, k, logits, classes, confidence);
        if (map) for (let i = 0; i < count; i++) classes[i] = map[classes[i]];
      } finally {
        y.dispose?.();
      }
      return { classes, confidence };
    },
  };
}
