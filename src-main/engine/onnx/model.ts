/**
 * Loading a .onnx model for a dataset: decode (a corrupt or truncated file is an InputError),
 * check the external data files beside it, open a session (an op ONNX Runtime does not
 * support is an InputError naming it), pick the input and output (asking, through an
 * InputError that lists them, when there are several), decide the layout (DESIGN.md), and
 * check the output width against the dataset's class count with one probe run.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { ImageShape, InputScale } from '../../contract/types';
import { InputError } from '../../core/errors';
import { type Dim, type OnnxLayout, candidateLayouts, formatDims, inputDims, layoutFits, looksLikeProbabilities } from '../../core/onnx-layout';
import { decodeModel } from './proto';
import { openSession } from './runtime';

/** What rpr.json keeps about an ONNX model (key `onnx`); everything optional is decided at load. */
export interface OnnxSettings {
  inputName?: string;
  outputName?: string;
  layout?: OnnxLayout;
  /** the graph takes BGR channel order */
  bgr?: boolean;
  /** classMap[outputIndex] = dataset class (identity when absent) */
  classMap?: number[];
}

export interface OnnxModelInfo {
  path: string;
  hash: string;
  inputName: string;
  outputName: string;
  layout: OnnxLayout;
  inputDims: Dim[];
  numClasses: number;
  outputKind: 'probabilities' | 'logits';
  opTypes: string[];
  externalFiles: string[];
  /** what the import found, for the user: "input x [?, 1, 28, 28] (NCHW), output y [?, 10] (logits)" */
  summary: string;
}

export interface OnnxLoadOptions extends OnnxSettings {
  shape: ImageShape;
  /** the dataset's class count (checked against the output width) */
  numClasses?: number;
  inputScale?: InputScale;
}

const MAX_FILE = 2 ** 31 - 1;

function dimsOf(m: Ort.InferenceSession.ValueMetadata | undefined): Dim[] | null {
  if (!m || !m.isTensor) return null;
  return m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : null));
}

function pick(kind: 'input' | 'output', names: readonly string[], meta: readonly Ort.InferenceSession.ValueMetadata[], wanted: string | undefined, file: string): string {
  const describe = names.map((n, i) => `${n} ${formatDims(dimsOf(meta[i]) ?? [])}`).join(', ');
  if (wanted !== undefined) {
    if (!names.includes(wanted)) throw new InputError(file, `the graph has no ${kind} named "${wanted}" (its ${kind}s: ${describe})`);
    return wanted;
  }
  if (names.length === 1) return names[0];
  throw new InputError(file, `the graph has ${names.length} ${kind}s (${describe}): choose one with --${kind} NAME`);
}

/** Reads, checks and opens a .onnx file; the caller releases the session. */
export async function loadOnnxModel(path: string, opts: OnnxLoadOptions): Promise<{ session: Ort.InferenceSession; info: OnnxModelInfo }> {
  const file = resolve(path);
  let bytes: Buffer;
  try {
    const st = await fsp.stat(file);
    if (st.size > MAX_FILE) throw new InputError(file, `the file is ${st.size} bytes, over the 2 GiB a .onnx file can hold (weights above that belong in an external data file)`);
    bytes = await fsp.readFile(file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(file, 'not found');
  }
  let decoded;
  try {
    decoded = decodeModel(bytes);
  } catch (e) {
    throw new InputError(file, `not a readable ONNX model (truncated or corrupt?): ${(e as Error).message}`);
  }
  const hash = createHash('sha256').update(bytes);
  for (const ext of decoded.externalFiles) {
    const p = resolve(dirname(file), ext);
    if (dirname(p) !== dirname(file) && !p.startsWith(dirname(file) + '/')) throw new InputError(file, `external data "${ext}" points outside the model's folder`);
    try {
      hash.update(ext).update(await fsp.readFile(p));
    } catch {
      throw new InputError(file, `its weights sit in the external data file "${ext}", which is missing beside it (${p})`);
    }
  }
  let session: Ort.InferenceSession;
  try {
    session = await openSession(file);
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split('\n')[0];
    const op = /(?:Could not find an implementation for|not supported|unsupported|No opset import|Unrecognized attribute)[^.]*/i.exec(why);
    throw new InputError(file, `ONNX Runtime cannot load the graph${op ? ' (unsupported op or opset)' : ''}: ${why.length > 400 ? `${why.slice(0, 400)}…` : why} [ops: ${decoded.opTypes.join(', ')}]`);
  }
  try {
    const info = await describe(session, file, hash.digest('hex'), decoded, opts);
    return { session, info };
  } catch (e) {
    await session.release();
    throw e;
  }
}

async function describe(session: Ort.InferenceSession, file: string, hash: string, decoded: ReturnType<typeof decodeModel>, opts: OnnxLoadOptions): Promise<OnnxModelInfo> {
  const inputName = pick('input', session.inputNames, session.inputMetadata, opts.inputName, file);
  const outputName = pick('output', session.outputNames, session.outputMetadata, opts.outputName, file);
  const inMeta = session.inputMetadata[session.inputNames.indexOf(inputName)];
  if (inMeta.isTensor && inMeta.type !== 'float32') throw new InputError(file, `input ${inputName} takes ${inMeta.type} tensors; only float32 image inputs are supported`);
  const dims = dimsOf(inMeta) ?? [];
  const { shape } = opts;
  const want = `the dataset's images are ${shape.height}×${shape.width}×${shape.channels} (NCHW [N, ${shape.channels}, ${shape.height}, ${shape.width}], NHWC [N, ${shape.height}, ${shape.width}, ${shape.channels}] or flat [N, ${shape.height * shape.width * shape.channels}])`;
  let layout: OnnxLayout;
  if (opts.layout) {
    if (!layoutFits(opts.layout, dims, shape)) throw new InputError(file, `input ${inputName} ${formatDims(dims)} does not take ${opts.layout.toUpperCase()} images: ${want}`);
    layout = opts.layout;
  } else {
    const c = candidateLayouts(dims, shape);
    if (c.length === 0) throw new InputError(file, `input ${inputName} has shape ${formatDims(dims)}, which does not fit: ${want}${dims.length === 4 ? '; if it does take them, say how with --layout nchw|nhwc' : ''}`);
    if (c.length > 1) throw new InputError(file, `input ${inputName} ${formatDims(dims)} could be ${c.map((l) => l.toUpperCase()).join(' or ')}: choose with --layout ${c.join('|')}`);
    layout = c[0];
  }
  // one probe run: the output width, and probabilities vs logits
  const o = (await import('./runtime')).ortLoaded();
  if (!o) throw new Error('onnxruntime-node is not loaded');
  const probeCount = 2;
  const probe = new Float32Array(probeCount * shape.height * shape.width * shape.channels).fill(0.5);
  let out: Ort.Tensor;
  try {
    const r = await session.run({ [inputName]: new o.Tensor('float32', probe, inputDims(layout, probeCount, shape)) }, [outputName]);
    out = r[outputName];
  } catch (e) {
    const why = String((e as Error)?.message ?? e).split('\n')[0];
    throw new InputError(file, `the graph fails on ${layout.toUpperCase()} input ${formatDims(inputDims(layout, probeCount, shape))}: ${why.slice(0, 400)}`);
  }
  if (out.type !== 'float32') throw new InputError(file, `output ${outputName} is ${out.type}; expected float32 class scores`);
  if (out.dims[0] !== probeCount) throw new InputError(file, `output ${outputName} has shape ${formatDims(out.dims.map(Number))} for a batch of ${probeCount}: expected [N, classes]`);
  const k = out.dims.slice(1).reduce((a, d) => a * Number(d), 1);
  if (opts.numClasses !== undefined && k !== opts.numClasses) {
    throw new InputError(file, `output ${outputName} gives ${k} value${k === 1 ? '' : 's'} per image (shape ${formatDims(out.dims.map(Number))}) but the dataset has ${opts.numClasses} classes`);
  }
  if (opts.classMap && (opts.classMap.length !== k || opts.classMap.some((c) => !Number.isInteger(c) || c < 0 || c >= k))) {
    throw new InputError(file, `the class map must list ${k} dataset classes (0..${k - 1}), one per output index; got ${JSON.stringify(opts.classMap)}`);
  }
  const outputKind = looksLikeProbabilities(out.data as Float32Array, probeCount, k) ? 'probabilities' : 'logits';
  out.dispose?.();
  const summary = `input ${inputName} ${formatDims(dims)} (${layout.toUpperCase()}), output ${outputName} ${formatDims(dimsOf(session.outputMetadata[session.outputNames.indexOf(outputName)]) ?? [])} (${k} classes; ${outputKind} on a probe input)`;
  return { path: file, hash, inputName, outputName, layout, inputDims: dims, numClasses: k, outputKind, opTypes: decoded.opTypes, externalFiles: decoded.externalFiles, summary };
}
