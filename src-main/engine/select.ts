/**
 * The classifier a job runs on, and the backend that runs it: ONNX Runtime for .onnx models
 * and (when the engine runs onnxruntime) for TF.js models whose converted graph passed its
 * check; TF.js otherwise, with the reason ONNX Runtime was not used. Sessions are cached
 * per worker like TF.js models, so the shards and resumed runs of a model reuse them.
 */
import { statSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { BackendName, ImageShape, InputScale } from '../contract/types';
import type { Classifier } from '../core/classifier';
import { InputError } from '../core/errors';
import type { RawImages } from '../core/image';
import { inferenceBackend } from './backend';
import type { LoadedModelInfo } from './model-io';
import type { AnyModel } from './model-shape';
import type { OnnxSettings } from './onnx/model';
import { type OpenedOnnx, convertAndCheck, convertedPath, isOnnxPath, openOnnx, ortClassifier, readOnnxMeta, tfClassifier } from './onnx/inference';
import { loadOrt, ortLoaded } from './onnx/runtime';

export interface Selected {
  classifier: Classifier;
  backend: BackendName;
  executionProvider?: string;
  /** why a TF.js model runs on TF.js while the engine runs onnxruntime */
  fallback?: string;
  numClasses: number;
  hash: string;
  inputScale: InputScale;
  /** concurrent classify calls that pay off (ONNX Runtime runs off the JS thread) */
  lanes: number;
  onnx?: OpenedOnnx['info'];
}

export interface SelectOptions {
  shape: ImageShape;
  inputScale?: InputScale;
  numClasses?: number;
  batchSize: number;
  /** images to check a fresh TF.js → ONNX conversion on */
  sample?: RawImages;
  onnx?: OnnxSettings;
  /** never use ONNX Runtime for a TF.js model (cross-backend checks) */
  tfjsOnly?: boolean;
}

const sessions = new Map<string, OpenedOnnx>();

/** A cache key that changes when the file at `path` changes (its modification time and size). */
export function fileKey(path: string): string {
  try {
    const st = statSync(path);
    return `${path}\u0000${st.mtimeMs}\u0000${st.size}`;
  } catch {
    return `${path}\u0000missing`;
  }
}

async function cachedOnnx(path: string, shape: ImageShape, numClasses: number | undefined, settings: OnnxSettings | undefined): Promise<OpenedOnnx> {
  const key = `${fileKey(path)}\u0000${JSON.stringify(shape)}\u0000${numClasses}\u0000${JSON.stringify(settings ?? {})}`;
  const hit = sessions.get(key);
  if (hit) return hit;
  const opened = await openOnnx(path, shape, numClasses, settings);
  for (const [k, v] of sessions) {
    sessions.delete(k);
    await v.session.release();
  }
  sessions.set(key, opened);
  return opened;
}

function requireOrt(path: string): { provider: string } {
  if (ortLoaded()) return { provider: inferenceBackend().executionProvider ?? 'cpu' };
  try {
    return { provider: loadOrt().provider };
  } catch (e) {
    throw new InputError(path, `ONNX models need onnxruntime-node, which cannot load here: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
}

export async function selectClassifier(modelPath: string, opts: SelectOptions, loadTf: () => Promise<{ model: AnyModel; info: LoadedModelInfo }>): Promise<Selected> {
  if (isOnnxPath(modelPath)) {
    const { provider } = requireOrt(modelPath);
    const o = await cachedOnnx(modelPath, opts.shape, opts.numClasses, opts.onnx);
    const inputScale = opts.inputScale ?? readOnnxMeta(modelPath).inputScale ?? 'unit';
    return { classifier: ortClassifier(o, opts.shape, inputScale), backend: 'onnxruntime', executionProvider: provider, numClasses: o.info.numClasses, hash: o.info.hash, inputScale, lanes: 2, onnx: o.info };
  }
  const { model, info } = await loadTf();
  const inputScale = opts.inputScale ?? info.inputScale;
  const tfOnly = (fallback?: string): Selected => ({
    classifier: tfClassifier(model, opts.shape, inputScale, opts.batchSize, info.numClasses),
    backend: tf.getBackend() as BackendName,
    ...(fallback ? { fallback } : {}),
    numClasses: info.numClasses,
    hash: info.hash,
    inputScale,
    lanes: 1,
  });
  const engine = inferenceBackend();
  if (opts.tfjsOnly || engine.name !== 'onnxruntime') return tfOnly();
  let found = convertedPath(info.path, info.hash);
  if (!found.path && !found.reason) {
    if (!opts.sample) return tfOnly('no converted ONNX graph yet');
    const rec = await convertAndCheck(model, info.path, info.hash, opts.sample, inputScale);
    found = rec.ok ? convertedPath(info.path, info.hash) : { path: null, reason: rec.reason ?? 'conversion failed' };
    if (rec.ok && !found.path) found = { path: null, reason: 'the model folder is read-only: the converted graph could not be kept' };
  }
  if (!found.path) return tfOnly(`not on ONNX Runtime: ${found.reason}`);
  const o = await cachedOnnx(found.path, opts.shape, info.numClasses, {});
  return { classifier: ortClassifier(o, opts.shape, inputScale), backend: 'onnxruntime', executionProvider: engine.executionProvider, numClasses: info.numClasses, hash: info.hash, inputScale, lanes: 2, onnx: o.info };
}
