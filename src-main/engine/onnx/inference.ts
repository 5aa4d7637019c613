/**
 * Which runtime classifies for a job: a .onnx model always runs on ONNX Runtime; a TF.js
 * layers model runs on ONNX Runtime when the engine's backend is onnxruntime and its graph
 * converts (model.onnx beside model.json, checked against TF.js on a sample of the job's
 * images and recorded in onnx.json with max |Δp|); otherwise on TF.js, with the reason kept.
 */
import { existsSync, promises as fsp, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import type { ImageShape, InputScale } from '../../contract/types';
import type { Classifier } from '../../core/classifier';
import { InputError } from '../../core/errors';
import type { RawImages } from '../../core/image';
import { imageSize } from '../../core/image';
import { isLayersModel, type AnyModel } from '../model-shape';
import { createTfClassifier } from '../tf-classifier';
import { createOrtClassifier } from './classifier';
import { NotConvertibleError, convertLayersModel } from './convert';
import { type OnnxModelInfo, type OnnxSettings, loadOnnxModel } from './model';
import { encodeModel } from './proto';
import { openSession, ortLoaded } from './runtime';

export const CONVERTED_FILE = 'model.onnx';
export const CONVERSION_RECORD = 'onnx.json';
/** images compared between TF.js and the converted graph */
export const CONVERSION_SAMPLE = 256;

/** onnx.json beside a converted model.json. */
export interface ConversionRecord {
  /** hash of the TF.js model converted */
  sourceHash: string;
  ok: boolean;
  /** why it did not convert (ok false) */
  reason?: string;
  /** images compared, classes that differ, largest probability difference */
  sample?: number;
  classDiffs?: number;
  maxAbsDeltaP?: number;
}

export function isOnnxPath(p: string): boolean {
  return p.toLowerCase().endsWith('.onnx');
}

/** rpr.json's `onnx` settings and input scale beside a .onnx file, when present. */
export function readOnnxMeta(modelPath: string): { settings: OnnxSettings; inputScale?: InputScale } {
  const f = join(dirname(modelPath), 'rpr.json');
  if (!existsSync(f)) return { settings: {} };
  let j: { onnx?: OnnxSettings; input?: { scale?: InputScale } };
  try {
    j = JSON.parse(readFileSync(f, 'utf8')) as typeof j;
  } catch (e) {
    throw new InputError(f, `corrupt rpr.json: ${(e as Error).message}`);
  }
  return { settings: j.onnx ?? {}, inputScale: j.input?.scale };
}

export function readConversion(modelJsonPath: string): ConversionRecord | null {
  const f = join(dirname(modelJsonPath), CONVERSION_RECORD);
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as ConversionRecord;
  } catch {
    return null;
  }
}

/** Raw images of the sample used to compare TF.js and ONNX (the first CONVERSION_SAMPLE). */
function sampleOf(images: RawImages): { data: Uint8Array; count: number } {
  const count = Math.min(CONVERSION_SAMPLE, images.count);
  return { data: images.data.subarray(0, count * imageSize(images.shape)), count };
}

/** TF.js and ONNX probabilities of the same images: classes that differ and max |Δp|. */
async function compare(model: tf.LayersModel, session: Ort.InferenceSession, images: RawImages, inputScale: InputScale): Promise<{ sample: number; classDiffs: number; maxAbsDeltaP: number }> {
  const ort = ortLoaded();
  if (!ort) throw new Error('onnxruntime-node is not loaded');
  const { data, count } = sampleOf(images);
  const { shape } = images;
  const { buildLut, fillInput } = await import('./classifier');
  const nchw = new Float32Array(count * imageSize(shape));
  fillInput(data, count, shape, 'nchw', buildLut(inputScale, shape.channels), false, nchw);
  const r = await session.run({ input: new ort.Tensor('float32', nchw, [count, shape.channels, shape.height, shape.width]) });
  const p2 = r.output.data as Float32Array;
  const { toInputTensor } = await import('../scaling');
  const p1 = tf.tidy(() => (model.predict(toInputTensor(data, count, shape, inputScale, 'image'), { batchSize: 256 }) as tf.Tensor).dataSync());
  const k = p1.length / count;
  let maxAbsDeltaP = 0;
  let classDiffs = 0;
  for (let i = 0; i < count; i++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < k; j++) {
      maxAbsDeltaP = Math.max(maxAbsDeltaP, Math.abs(p1[i * k + j] - p2[i * k + j]));
      if (p1[i * k + j] > p1[i * k + a]) a = j;
      if (p2[i * k + j] > p2[i * k + b]) b = j;
    }
    if (a !== b) classDiffs++;
  }
  return { sample: count, classDiffs, maxAbsDeltaP };
}

/**
 * Converts a TF.js layers model to model.onnx beside `modelJsonPath` (atomically), checked on
 * `images`; records the outcome in onnx.json either way. Returns the record.
 */
export async function convertAndCheck(model: AnyModel, modelJsonPath: string, hash: string, images: RawImages, inputScale: InputScale): Promise<ConversionRecord> {
  const dir = dirname(modelJsonPath);
  const write = (rec: ConversionRecord): ConversionRecord => {
    try {
      writeFileSync(join(dir, CONVERSION_RECORD), JSON.stringify(rec, null, 2) + '\n');
    } catch {
      // a read-only model folder: the conversion is redone next time
    }
    return rec;
  };
  if (!isLayersModel(model)) return write({ sourceHash: hash, ok: false, reason: 'graph models (model.json of format graph-model) do not convert; only layers models do' });
  let bytes: Uint8Array;
  try {
    bytes = encodeModel(convertLayersModel(model));
  } catch (e) {
    if (e instanceof NotConvertibleError) return write({ sourceHash: hash, ok: false, reason: e.message });
    throw e;
  }
  const session = await openSession(bytes);
  try {
    const cmp = await compare(model, session, images, inputScale);
    if (cmp.classDiffs > Math.max(1, cmp.sample * 0.01)) {
      return write({ sourceHash: hash, ok: false, reason: `the converted graph predicts other classes than TF.js on ${cmp.classDiffs} of ${cmp.sample} images (max |Δp| ${cmp.maxAbsDeltaP.toExponential(2)})`, ...cmp });
    }
    // a temporary name of its own: two lanes (worker threads of one process) may convert the same
    // model at once; each renames its own complete file over model.onnx (the same bytes), never the other's
    const tmp = join(dir, `.${CONVERTED_FILE}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    await fsp.writeFile(tmp, bytes);
    renameSync(tmp, join(dir, CONVERTED_FILE));
    return write({ sourceHash: hash, ok: true, ...cmp });
  } finally {
    await session.release();
  }
}

export interface OpenedOnnx {
  session: Ort.InferenceSession;
  info: OnnxModelInfo;
  settings: OnnxSettings;
}

/** Opens a .onnx model for images of `shape`, with rpr.json's settings overridden by `settings`. */
export async function openOnnx(path: string, shape: ImageShape, numClasses: number | undefined, settings: OnnxSettings = {}): Promise<OpenedOnnx> {
  const s = { ...readOnnxMeta(path).settings, ...settings };
  const { session, info } = await loadOnnxModel(path, { ...s, shape, numClasses });
  return { session, info, settings: s };
}

export function ortClassifier(o: OpenedOnnx, shape: ImageShape, inputScale: InputScale): Classifier {
  return createOrtClassifier(o.session, { shape, inputScale, layout: o.info.layout, inputName: o.info.inputName, outputName: o.info.outputName, numClasses: o.info.numClasses, bgr: o.settings.bgr, classMap: o.settings.classMap });
}

/** The converted graph of a TF.js model when it exists and matches `hash`, else null (with the reason when known). */
export function convertedPath(modelJsonPath: string, hash: string): { path: string | null; reason: string | null } {
  if (basename(modelJsonPath) !== 'model.json') return { path: null, reason: 'not a model.json' };
  const rec = readConversion(modelJsonPath);
  if (!rec || rec.sourceHash !== hash) return { path: null, reason: null };
  if (!rec.ok) return { path: null, reason: rec.reason ?? 'conversion failed' };
  const p = join(dirname(modelJsonPath), CONVERTED_FILE);
  return existsSync(p) ? { path: p, reason: null } : { path: null, reason: null };
}

export function tfClassifier(model: AnyModel, shape: ImageShape, inputScale: InputScale, batchSize: number, numClasses: number): Classifier {
  return createTfClassifier(model, { shape, inputScale, batchSize, numClasses });
}

export { InputError };
