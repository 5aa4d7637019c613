/**
 * TF.js IOHandlers over node:fs (tfjs-node's file:// handler is not available here):
 * a loader of model.json + weight shards that validates every file with a clear error,
 * and a saver that writes model.json + weights.bin into a temp folder, then renames it.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../core/errors';

type ModelArtifacts = tfTypes.io.ModelArtifacts;
type WeightsManifestEntry = tfTypes.io.WeightsManifestEntry;

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes a weight takes in its shard (quantized weights take their quantized width). */
export function weightByteSize(w: WeightsManifestEntry, file: string): number {
  const dtype = w.quantization?.dtype ?? w.dtype;
  if (dtype === 'string') throw new InputError(file, `weight ${w.name}: string weights are not supported`);
  const bytes = DTYPE_BYTES[dtype];
  if (!bytes) throw new InputError(file, `weight ${w.name}: unknown dtype ${String(dtype)}`);
  if (!Array.isArray(w.shape) || w.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new InputError(file, `weight ${w.name}: bad shape ${String(JSON.stringify(w.shape)).slice(0, 80)}`);
  return w.shape.reduce((a, d) => a * d, 1) * bytes;
}

export interface ModelJsonFile {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology?: Record<string, unknown>;
  weightsManifest?: { paths: string[]; weights: WeightsManifestEntry[] }[];
  trainingConfig?: tfTypes.io.TrainingConfig;
  signature?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: Record<string, unknown>;
}

async function readJson(file: string): Promise<ModelJsonFile> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(file, code === 'ENOENT' ? 'model.json not found' : `cannot read: ${(e as Error).message}`, code === 'ENOENT' ? 'not-found' : 'unreadable');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `corrupt model.json: not valid JSON (${(e as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new InputError(file, 'corrupt model.json: expected a JSON object');
  const m = json as ModelJsonFile;
  if (!m.modelTopology || typeof m.modelTopology !== 'object') throw new InputError(file, 'corrupt model.json: no modelTopology');
  if (m.weightsManifest !== undefined && !Array.isArray(m.weightsManifest)) throw new InputError(file, 'corrupt model.json: weightsManifest is not a list');
  for (const g of m.weightsManifest ?? []) {
    if (!g || !Array.isArray(g.paths) || !Array.isArray(g.weights)) throw new InputError(file, 'corrupt model.json: each weightsManifest group needs paths and weights lists');
    for (const p of g.paths as unknown[]) {
      if (typeof p !== 'string' || p === '') throw new InputError(file, `corrupt model.json: weight shard path ${JSON.stringify(p)?.slice(0, 80)} is not a file name`);
      const inside = relative(dirname(file), resolve(dirname(file), p));
      if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new InputError(file, `corrupt model.json: weight shard path ${JSON.stringify(p.slice(0, 80))} points outside the model folder`);
    }
    for (const w of g.weights as unknown[]) {
      if (!w || typeof w !== 'object' || typeof (w as WeightsManifestEntry).name !== 'string') throw new InputError(file, 'corrupt model.json: each weight in weightsManifest needs a name');
    }
  }
  return m;
}

/** Reads model.json and every weight shard, checking names and sizes. */
export async function readModelArtifacts(modelJsonPath: string): Promise<{ json: ModelJsonFile; artifacts: ModelArtifacts }> {
  const file = resolve(modelJsonPath);
  const json = await readJson(file);
  const dir = dirname(file);
  const weightSpecs: WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    const expected = group.weights.reduce((a, w) => a + weightByteSize(w, file), 0);
    let actual = 0;
    const parts: Uint8Array[] = [];
    for (const p of group.paths) {
      const shard = join(dir, p);
      let buf: Buffer;
      try {
        buf = await fsp.readFile(shard);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError(shard, code === 'ENOENT' ? `weight shard ${p} named in ${basename(file)} is missing` : `cannot read weight shard ${p}: ${(e as Error).message}`);
      }
      parts.push(buf);
      actual += buf.length;
    }
    if (actual !== expected) {
      const where = group.paths.length === 1 ? join(dir, group.paths[0]) : `${join(dir, group.paths[0])} … ${group.paths[group.paths.length - 1]}`;
      throw new InputError(where, `weight shard${group.paths.length === 1 ? '' : 's'} of the wrong size: expected ${expected} bytes (from ${basename(file)}), found ${actual} bytes`);
    }
    const joined = new Uint8Array(actual);
    let off = 0;
    for (const part of parts) {
      joined.set(part, off);
      off += part.length;
    }
    buffers.push(joined.buffer);
    weightSpecs.push(...group.weights);
  }
  const weightData = buffers.length === 1 ? buffers[0] : tf.io.CompositeArrayBuffer.join(buffers);
  const artifacts: ModelArtifacts = {
    modelTopology: json.modelTopology as ModelArtifacts['modelTopology'],
    weightSpecs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
  if (json.trainingConfig) artifacts.trainingConfig = json.trainingConfig;
  if (json.signature) artifacts.signature = json.signature;
  if (json.userDefinedMetadata) artifacts.userDefinedMetadata = json.userDefinedMetadata as ModelArtifacts['userDefinedMetadata'];
  if (json.modelInitializer) artifacts.modelInitializer = json.modelInitializer;
  return { json, artifacts };
}

export function fileLoader(modelJsonPath: string): tfTypes.io.IOHandler {
  return { load: async () => (await readModelArtifacts(modelJsonPath)).artifacts };
}

function weightBytes(data: tfTypes.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  return new Uint8Array(Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data);
}

/** sha256 over the model.json topology (as JSON) and the weight bytes, hex. */
export function modelHash(artifacts: Pick<ModelArtifacts, 'modelTopology' | 'weightData'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(artifacts.modelTopology ?? null));
  h.update(weightBytes(artifacts.weightData));
  return h.digest('hex');
}

/** Writes `files` into `dir` atomically: a sibling temp folder, then rename (replacing an existing dir). */
export async function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  const target = resolve(dir);
  await fsp.mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${Date.now().toString(36)}`;
  await fsp.mkdir(tmp, { recursive: true });
  try {
    for (const [name, content] of Object.entries(files)) await fsp.writeFile(join(tmp, name), content);
    let old: string | null = null;
    try {
      await fsp.rename(tmp, target);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR' && code !== 'EPERM') throw e;
      old = `${target}.old-${process.pid}-${Date.now().toString(36)}`;
      await fsp.rename(target, old);
      await fsp.rename(tmp, target);
    }
    if (old) await fsp.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A saving IOHandler: model.json + weights.bin (+ extra files) into `dir`, atomically. Records the hash. */
export function dirSaver(dir: string, extra: (hash: string) => Record<string, string> = () => ({})): tfTypes.io.IOHandler & { hash?: string } {
  const handler: tfTypes.io.IOHandler & { hash?: string } = {
    save: async (artifacts: ModelArtifacts) => {
      if (!artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) throw new Error('only JSON model topologies can be saved');
      const weights = weightBytes(artifacts.weightData);
      const modelJson: ModelJsonFile = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology as Record<string, unknown>,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      const hash = modelHash(artifacts);
      handler.hash = hash;
      await writeDirAtomic(dir, { 'model.json': JSON.stringify(modelJson), 'weights.bin': weights, ...extra(hash) });
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.length,
        },
      };
    },
  };
  return handler;
}
