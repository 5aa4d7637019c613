/**
 * The TF.js implementation of the core Classifier: raw uint8 images in, argmax class and
 * its probability out. Every tensor is disposed; prediction always passes a batch size.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageShape, InputScale } from '../contract/types';
import type { Classification, Classifier } from '../core/classifier';
import { InputError } from '../core/errors';
import { imageSize } from '../core/image';
import { type AnyModel, isLayersModel, modelInputShape, modelNumClasses } from './model-shape';
import { inputLayout, toInputTensor } from './scaling';

export interface TfClassifierOptions {
  shape: ImageShape;
  inputScale: InputScale;
  /** predict batch size (default 512) */
  batchSize?: number;
  /** class count when the model does not declare it (graph models) */
  numClasses?: number;
}

export const DEFAULT_PREDICT_BATCH = 512;

/** Runs the model on a float input tensor in batches; returns [N, classes] probabilities (caller disposes). */
function predictProbs(model: AnyModel, x: tf.Tensor, batchSize: number): tf.Tensor2D {
  if (isLayersModel(model)) return model.predict(x, { batchSize }) as tf.Tensor2D;
  const n = x.shape[0];
  const parts: tf.Tensor[] = [];
  for (let s = 0; s < n; s += batchSize) {
    const size = Math.min(batchSize, n - s);
    const xb = s === 0 && size === n ? x : x.slice(s, size);
    const out = model.predict(xb);
    parts.push(Array.isArray(out) ? out[0] : (out as tf.Tensor));
  }
  return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor2D;
}

export function createTfClassifier(model: AnyModel, opts: TfClassifierOptions): Classifier {
  const batchSize = opts.batchSize ?? DEFAULT_PREDICT_BATCH;
  const layout = inputLayout(opts.shape, modelInputShape(model));
  const numClasses = modelNumClasses(model) ?? opts.numClasses;
  if (!numClasses) throw new InputError('model', 'the model does not declare its class count; pass numClasses');
  const size = imageSize(opts.shape);
  // graph models may emit logits: decided once, on the first batch
  let softmaxNeeded: boolean | null = isLayersModel(model) ? false : null;

  return {
    shape: opts.shape,
    numClasses,
    async classify(images: Uint8Array, count: number): Promise<Classification> {
      if (count === 0) return { classes: new Int32Array(0), confidence: new Float32Array(0) };
      if (images.length < count * size) throw new InputError('images', `classify: ${count} images need ${count * size} bytes, got ${images.length}`);
      if (softmaxNeeded === null) {
        softmaxNeeded = tf.tidy(() => {
          const p = predictProbs(model, toInputTensor(images, 1, opts.shape, opts.inputScale, layout), 1);
          const v = p.dataSync();
          let sum = 0;
          let neg = false;
          for (const e of v) {
            sum += e;
            if (e < 0) neg = true;
          }
          return neg || Math.abs(sum - 1) > 1e-3;
        });
      }
      const [cls, conf] = tf.tidy(() => {
        const x = toInputTensor(images, count, opts.shape, opts.inputScale, layout);
        let p = predictProbs(model, x, batchSize);
        if (softmaxNeeded) p = tf.softmax(p);
        return [tf.argMax(p, -1), tf.max(p, -1)];
      });
      try {
        const [c, f] = await Promise.all([cls.data(), conf.data()]);
        return { classes: Int32Array.from(c), confidence: Float32Array.from(f) };
      } finally {
        cls.dispose();
        conf.dispose();
      }
    },
  };
}
