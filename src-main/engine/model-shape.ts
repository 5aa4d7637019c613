/** Input/output shapes of a loaded TF.js model (layers or graph), batch dimension dropped. */
import type * as tf from '@tensorflow/tfjs';
import type { ModelInputShape } from './scaling';

export type AnyModel = tf.LayersModel | tf.GraphModel;

export function isLayersModel(m: AnyModel): m is tf.LayersModel {
  return typeof (m as tf.LayersModel).getWeights === 'function' && Array.isArray((m as tf.LayersModel).layers);
}

const norm = (s: readonly (number | null | undefined)[] | undefined): ModelInputShape => (s ?? []).map((d) => (d === undefined || d === null || d < 0 ? null : d));

export function modelInputShape(m: AnyModel): ModelInputShape {
  const s = isLayersModel(m) ? m.inputs[0].shape : m.inputs[0]?.shape;
  return norm(s).slice(1);
}

/** Number of classes = last dimension of the (first) output; null when unknown. */
export function modelNumClasses(m: AnyModel): number | null {
  const s = isLayersModel(m) ? m.outputs[0].shape : m.outputs[0]?.shape;
  const d = norm(s);
  return d.length >= 2 ? d[d.length - 1] : null;
}
