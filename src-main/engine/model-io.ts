/**
 * Model import/export. Loads TF.js layers models (incl. Keras models converted to TF.js) and
 * graph models from model.json + weight shards through our node:fs IOHandler, SavedModel
 * folders only on the tensorflow backend; checks input shape and class count against a
 * dataset; saves in TF.js layers format with rpr.json (input scale, arch, lineage, config).
 */
import { promises as fsp } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ArchName, ImageShape, InputScale } from '../contract/types';
import { InputError } from '../core/errors';
import { dirSaver, fileLoader, modelHash, readModelArtifacts } from './fs-io';
import { type AnyModel, modelInputShape, modelNumClasses } from './model-shape';
import { type ModelInputShape, inputLayout, scaleFactors } from './scaling';

export { modelHash } from './fs-io';

export type ModelFormat = 'layers' | 'graph' | 'savedmodel';

/** rpr.json beside model.json. */
export interface RprModelMeta {
  input: { scale: InputScale };
  arch: ArchName | 'imported';
  numClasses: number;
  inputShape: ModelInputShape;
  lineage: Record<string, unknown>;
  config: Record<string, unknown>;
  hash?: string;
}

export interface LoadedModelInfo {
  format: ModelFormat;
  /** model input shape without the batch dimension (null = any) */
  inputShape: ModelInputShape;
  numClasses: number;
  hash: string;
  inputScale: InputScale;
  /** the model.json (or SavedModel folder) actually loaded */
  path: string;
  /** rpr.json contents when present */
  meta: RprModelMeta | null;
}

export interface LoadModelOptions {
  /** check the model against a dataset: InputError naming both shapes / class counts */
  expect?: { shape: ImageShape; numClasses: number };
  /** overrides rpr.json's input.scale (default 'unit') */
  inputScale?: InputScale;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function readMeta(dir: string): Promise<RprModelMeta | null> {
  const file = join(dir, 'rpr.json');
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const meta = JSON.parse(text) as RprModelMeta;
    if (meta?.input?.scale !== undefined) scaleFactors(meta.input.scale);
    return meta;
  } catch (e) {
    throw new InputError(file, `corrupt rpr.json: ${(e as Error).message}`);
  }
}

/** Resolves a user path (folder, model.json, SavedModel folder) to what to load. */
async function locate(path: string): Promise<{ kind: 'json'; file: string } | { kind: 'savedmodel'; dir: string }> {
  const p = resolve(path);
  let st;
  try {
    st = await fsp.stat(p);
  } catch {
    throw new InputError(p, p.endsWith('.json') ? 'model.json not found' : 'not found: expected a model folder or a model.json file', 'not-found');
  }
  if (st.isDirectory()) {
    if (await exists(join(p, 'model.json'))) return { kind: 'json', file: join(p, 'model.json') };
    if ((await exists(join(p, 'saved_model.pb'))) || (await exists(join(p, 'saved_model.pbtxt')))) return { kind: 'savedmodel', dir: p };
    throw new InputError(p, 'model.json not found in this folder (nor a SavedModel saved_model.pb)', 'not-found');
  }
  if (basename(p) === 'saved_model.pb') return { kind: 'savedmodel', dir: dirname(p) };
  return { kind: 'json', file: p };
}

/** InputError (naming both) when a model's input shape or class count does not fit a dataset. */
export function checkFit(file: string, inputShape: ModelInputShape, numClasses: number, expect?: LoadModelOptions['expect']): void {
  if (!expect) return;
  inputLayout(expect.shape, inputShape, file);
  if (numClasses !== expect.numClasses) {
    throw new InputError(file, `the model predicts ${numClasses} classes but the dataset has ${expect.numClasses} classes`);
  }
}

async function savedModelWhyNot(): Promise<string | null> {
  if (tf.getBackend() === 'tensorflow') return null;
  try {
    const backend = await import('./backend');
    const why = backend.currentBackend?.()?.unavailable?.tensorflow;
    if (why) return why;
  } catch {
    // backend module unavailable: fall through
  }
  return `the current backend is ${tf.getBackend()}`;
}

async function loadSavedModel(dir: string, opts: LoadModelOptions): Promise<{ model: AnyModel; info: LoadedModelInfo }> {
  const why = await savedModelWhyNot();
  if (why) throw new InputError(dir, `SavedModel import needs the tensorflow backend (tfjs-node), which is not available: ${why}`);
  const nodeName = '@tensorflow/tfjs-node';
  const node = (await import(/* @vite-ignore */ nodeName)) as { node: { loadSavedModel: (p: string) => Promise<unknown> } };
  const model = (await node.node.loadSavedModel(dir)) as AnyModel;
  const inputShape = modelInputShape(model);
  const numClasses = modelNumClasses(model);
  if (numClasses === null) throw new InputError(dir, 'cannot tell the class count from the SavedModel signature');
  checkFit(dir, inputShape, numClasses, opts.expect);
  // hash: the SavedModel files' bytes
  const { createHash } = await import('node:crypto');
  const h = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    for (const e of (await fsp.readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const f = join(d, e.name);
      if (e.isDirectory()) await walk(f);
      else h.update(e.name).update(await fsp.readFile(f));
    }
  };
  await walk(dir);
  const meta = await readMeta(dir);
  return { model, info: { format: 'savedmodel', inputShape, numClasses, hash: h.digest('hex'), inputScale: opts.inputScale ?? meta?.input?.scale ?? 'unit', path: dir, meta } };
}

/** Graph models: the class count from the signature's first output, when declared. */
function signatureClasses(signature: Record<string, unknown> | undefined): number | null {
  const outputs = signature?.outputs as Record<string, { tensorShape?: { dim?: { size?: string | number }[] } }> | undefined;
  const first = outputs ? Object.values(outputs)[0] : undefined;
  const dims = first?.tensorShape?.dim;
  const last = dims?.length ? Number(dims[dims.length - 1].size) : NaN;
  return Number.isInteger(last) && last > 0 ? last : null;
}

/** Graph models without a signature: run one all-zero input through and read the output width. */
function probeClasses(model: AnyModel, inputShape: ModelInputShape, shape: ImageShape | undefined): number | null {
  const fallback = shape ? (inputShape.length === 1 ? [shape.height * shape.width * shape.channels] : [shape.height, shape.width, shape.channels]) : [];
  const dims = inputShape.map((d, i) => d ?? fallback[i] ?? null);
  if (dims.length === 0 || dims.some((d) => d === null)) return null;
  try {
    return tf.tidy(() => {
      const out = model.predict(tf.zeros([1, ...(dims as number[])]));
      const t = Array.isArray(out) ? out[0] : (out as tf.Tensor);
      return t.shape[t.shape.length - 1] ?? null;
    });
  } catch {
    return null;
  }
}

/** Layer config fields each of which counts weights the layer must hold (every one of them allocates at least that many). */
const WEIGHT_COUNT_FIELDS = ['units', 'filters', 'input_dim', 'output_dim', 'depth_multiplier'];
/** Largest input a declared input shape may have, in values (a 16k x 16k image). */
const MAX_INPUT_VALUES = 2 ** 28;

/**
 * Refuses layer configs whose declared sizes cannot fit the weights the manifest holds, before
 * TF.js builds the layers and allocates their (declared-size) variables: a layer of `units`,
 * `filters`, `input_dim`... N owns at least N weights, so N above the manifest's total weight
 * count is impossible; an input shape above MAX_INPUT_VALUES is refused too.
 */
function checkDeclaredSizes(file: string, topo: Record<string, unknown>, specs: readonly tf.io.WeightsManifestEntry[]): void {
  const totalWeights = specs.reduce((a, w) => a + (Array.isArray(w.shape) ? w.shape.reduce((p, d) => p * (Number(d) || 0), 1) : 0), 0);
  const seen = new Set<unknown>();
  const visit = (node: unknown, depth: number): void => {
    if (!node || typeof node !== 'object' || seen.has(node) || depth > 64) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const x of node) visit(x, depth + 1);
      return;
    }
    const o = node as Record<string, unknown>;
    const layer = typeof o.name === 'string' ? o.name : '?';
    for (const f of WEIGHT_COUNT_FIELDS) {
      const v = o[f];
      if (typeof v === 'number' && v > Math.max(totalWeights, 1)) {
        throw new InputError(file, `layer ${layer} declares ${f} = ${v}, more than the ${totalWeights} weights the weights manifest holds`);
      }
    }
    for (const f of ['batch_input_shape', 'batchInputShape', 'input_shape', 'inputShape']) {
      const shape = o[f];
      if (Array.isArray(shape)) {
        const values = shape.reduce((p: number, d: unknown) => p * (typeof d === 'number' && d > 0 ? d : 1), 1);
        if (values > MAX_INPUT_VALUES) throw new InputError(file, `layer ${layer} declares an input of ${JSON.stringify(shape)} (${values} values per image, over the limit of ${MAX_INPUT_VALUES})`);
      }
    }
    for (const v of Object.values(o)) visit(v, depth + 1);
  };
  visit(topo, 0);
}

/** Loads a model from a folder, a model.json file or a SavedModel folder. */
export async function loadModel(path: string, opts: LoadModelOptions = {}): Promise<{ model: AnyModel; info: LoadedModelInfo }> {
  const where = await locate(path);
  if (where.kind === 'savedmodel') return loadSavedModel(where.dir, opts);
  const file = where.file;
  const { json, artifacts } = await readModelArtifacts(file);
  const topo = json.modelTopology as Record<string, unknown>;
  const isGraph = json.format === 'graph-model' || (Array.isArray(topo.node) && !('class_name' in topo));
  if (!isGraph) checkDeclaredSizes(file, topo, artifacts.weightSpecs ?? []);
  // rpr.json and the input scale first: a bad one must not leave a built model behind
  const meta = await readMeta(dirname(file));
  const inputScale = opts.inputScale ?? meta?.input?.scale ?? 'unit';
  try {
    scaleFactors(inputScale);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(join(dirname(file), 'rpr.json'), `bad input scale: ${(e as Error).message}`);
  }
  // the variables that exist when TF.js starts building (taken in load(), right before it builds)
  let variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
  const handler = {
    load: async () => {
      variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
      return artifacts;
    },
  };
  let model: AnyModel;
  try {
    model = isGraph ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  } catch (e) {
    // a model that failed half-way leaves its variables registered: free them
    for (const [name, v] of Object.entries(tf.engine().registeredVariables)) if (!variablesBefore.has(name)) v.dispose();
    if (e instanceof InputError) throw e;
    const why = String((e as Error)?.message ?? e);
    throw new InputError(file, `cannot build the ${isGraph ? 'graph' : 'layers'} model: ${why.length > 300 ? `${why.slice(0, 300)}…` : why}`);
  }
  const inputShape = modelInputShape(model);
  const numClasses = modelNumClasses(model) ?? signatureClasses(json.signature) ?? probeClasses(model, inputShape, opts.expect?.shape);
  if (numClasses === null) {
    model.dispose();
    throw new InputError(file, 'cannot tell the class count: the model declares no output shape (and its input shape is not fully known)');
  }
  try {
    checkFit(file, inputShape, numClasses, opts.expect);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, info: { format: isGraph ? 'graph' : 'layers', inputShape, numClasses, hash: modelHash(artifacts), inputScale, path: file, meta } };
}

/** Convenience: the loader IOHandler for a model.json path. */
export { fileLoader };

export interface SaveModelMeta {
  arch: ArchName | 'imported';
  inputScale: InputScale;
  lineage?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/**
 * Saves a layers model in TF.js layers format into `dir` (model.json + weights.bin + rpr.json),
 * atomically (temp folder, then rename). Returns the model.json path and content hash.
 */
export async function saveModel(model: tf.LayersModel, dir: string, meta: SaveModelMeta): Promise<{ dir: string; modelJsonPath: string; hash: string }> {
  const numClasses = modelNumClasses(model);
  const inputShape = modelInputShape(model);
  const saver = dirSaver(dir, (hash) => {
    const rpr: RprModelMeta = {
      input: { scale: meta.inputScale },
      arch: meta.arch,
      numClasses: numClasses ?? 0,
      inputShape,
      lineage: meta.lineage ?? {},
      config: meta.config ?? {},
      hash,
    };
    return { 'rpr.json': JSON.stringify(rpr, null, 2) };
  });
  await model.save(saver);
  const abs = resolve(dir);
  return { dir: abs, modelJsonPath: join(abs, 'model.json'), hash: saver.hash as string };
}
