/**
 * The model zoo: paper-cnn (the paper's small CNN), classic-cnn (the Keras MNIST CNN) and mlp.
 * Input shape follows the dataset; initial weights are a pure function of the seed.
 */
import * as tf from '@tensorflow/tfjs';
import type { ArchName, ImageShape } from '../contract/types';
import { ARCH_NAMES } from '../contract/names';
import { InputError } from '../core/errors';

export const ARCHS: readonly ArchName[] = ARCH_NAMES;

/** Builds (does not compile) a fresh model whose initial weights depend only on `seed`. */
export function buildModel(arch: ArchName, shape: ImageShape, numClasses: number, seed: number): tf.LayersModel {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new InputError(arch, `numClasses must be an integer >= 2, got ${numClasses}`);
  const inputShape = [shape.height, shape.width, shape.channels];
  // one initialiser seed per layer, so layers of the same size do not start identical
  let layerNo = 0;
  const kernel = () => tf.initializers.glorotUniform({ seed: (seed >>> 0) * 31 + ++layerNo });
  const model = tf.sequential({ name: `${arch}` });
  switch (arch) {
    case 'paper-cnn':
      model.add(tf.layers.conv2d({ inputShape, filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: kernel() }));
      model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: kernel() }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.flatten());
      model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: kernel() }));
      break;
    case 'classic-cnn':
      model.add(tf.layers.conv2d({ inputShape, filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: kernel() }));
      model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: kernel() }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.dropout({ rate: 0.25 }));
      model.add(tf.layers.flatten());
      model.add(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: kernel() }));
      model.add(tf.layers.dropout({ rate: 0.5 }));
      model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: kernel() }));
      break;
    case 'mlp':
      model.add(tf.layers.flatten({ inputShape }));
      model.add(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: kernel() }));
      model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: kernel() }));
      break;
    default:
      throw new InputError(String(arch), `unknown architecture (expected one of ${ARCHS.join(', ')})`);
  }
  return model;
}
