/** Accuracy and confusion matrix [true][pred] of a model on raw images + labels. */
import type { InputScale } from '../contract/types';
import type { Classifier } from '../core/classifier';
import { InputError } from '../core/errors';
import type { RawImages } from '../core/image';
import { imageSize } from '../core/image';
import type { AnyModel } from './model-shape';
import { createTfClassifier } from './tf-classifier';

export interface EvaluationResult {
  accuracy: number;
  /** confusion[true][pred] */
  confusion: number[][];
  count: number;
}

export interface EvaluateOptions {
  numClasses: number;
  /** predict batch size (256–1024 recommended) */
  batchSize: number;
  /** images handed to the classifier at once (default 4096) */
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Images read by range (a pixel file): evaluation then holds one chunk at a time. */
export interface RangeImages {
  shape: RawImages['shape'];
  count: number;
  range(start: number, n: number): Uint8Array;
}

export async function evaluateClassifier(classifier: Classifier, images: RawImages | RangeImages, labels: Uint8Array, opts: EvaluateOptions): Promise<EvaluationResult> {
  if (labels.length !== images.count) throw new InputError('labels', `${labels.length} labels for ${images.count} images`);
  const k = opts.numClasses;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const size = imageSize(images.shape);
  const chunk = opts.chunk ?? 4096;
  let correct = 0;
  for (let s = 0; s < images.count; s += chunk) {
    opts.signal?.throwIfAborted();
    const n = Math.min(chunk, images.count - s);
    const chunkData = 'data' in images ? images.data.subarray(s * size, (s + n) * size) : images.range(s, n);
    const { classes } = await classifier.classify(chunkData, n);
    for (let i = 0; i < n; i++) {
      const t = labels[s + i];
      const p = classes[i];
      if (t >= k) throw new InputError('labels', `label ${t} of image ${s + i} is not below the class count ${k}`);
      if (p >= 0 && p < k) confusion[t][p]++;
      if (p === t) correct++;
    }
    opts.onProgress?.(s + n, images.count);
  }
  return { accuracy: images.count ? correct / images.count : 0, confusion, count: images.count };
}

export async function evaluateModel(
  model: AnyModel,
  images: RawImages | RangeImages,
  labels: Uint8Array,
  opts: EvaluateOptions & { inputScale: InputScale },
): Promise<EvaluationResult> {
  const classifier = createTfClassifier(model, { shape: images.shape, inputScale: opts.inputScale, batchSize: opts.batchSize, numClasses: opts.numClasses });
  return evaluateClassifier(classifier, images, labels, opts);
}
