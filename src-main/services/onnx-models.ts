/**
 * ONNX models in the workspace: registering an inspected .onnx (copied with its external data
 * files, and an rpr.json keeping the input scale and the ONNX choices), and "Export as ONNX"
 * of a TF.js model (converted and checked in an engine worker, then copied to the target).
 */
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CallArgs, CallResults } from '../contract/calls';
import type { ModelInfo } from '../contract/types';
import { sanityWarning } from '../contract/headless';
import { InputError } from '../core/errors';
import type { InspectJobResult } from '../engine/protocol';
import { newId, nowIso } from '../store/ids';
import type { AppState } from './app-state';
import { checkExportTarget } from './export';
import { splitSource } from './sources';

/** A sentence for the user about a sanity check (null when there is none): one text, in the contract. */
export { sanityWarning };

export function registerOnnxModel(app: AppState, a: Pick<CallArgs<'models.import'>, 'datasetId' | 'name' | 'inputScale' | 'onnx'>, checked: InspectJobResult & { source: string }): ModelInfo {
  const ws = app.requireWorkspace();
  const ds = ws.datasets.get(a.datasetId);
  const { source, ...inspected } = checked;
  const o = inspected.onnx;
  if (!o) throw new Error('registerOnnxModel: the inspection holds no ONNX details');
  const id = newId('mdl');
  const dir = ws.modelDir(id);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-rpr-${process.pid}`;
  const file = basename(source);
  const inputScale = a.inputScale ?? inspected.inputScale;
  const settings = { inputName: o.inputName, outputName: o.outputName, layout: o.layout, ...(a.onnx?.bgr ? { bgr: true } : {}), ...(a.onnx?.classMap ? { classMap: a.onnx.classMap } : {}) };
  try {
    mkdirSync(tmp, { recursive: true });
    copyFileSync(source, join(tmp, file));
    for (const ext of o.externalFiles) {
      mkdirSync(dirname(join(tmp, ext)), { recursive: true });
      copyFileSync(join(dirname(source), ext), join(tmp, ext));
    }
    const rpr = { input: { scale: inputScale }, arch: 'imported', numClasses: inspected.numClasses, inputShape: inspected.inputShape, onnx: settings, lineage: { importedFrom: source }, config: {}, hash: inspected.hash };
    writeFileSync(join(tmp, 'rpr.json'), JSON.stringify(rpr, null, 2) + '\n');
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const info: ModelInfo = {
    id,
    name: a.name ?? file.replace(/\.onnx$/i, ''),
    arch: 'imported',
    format: 'onnx',
    inputShape: [ds.shape.height, ds.shape.width, ds.shape.channels],
    numClasses: inspected.numClasses,
    inputScale,
    datasetId: ds.id,
    config: { importedFrom: source, onnx: { ...settings, inputDims: o.inputDims, outputKind: o.outputKind, externalFiles: o.externalFiles, summary: o.summary }, ...(inspected.sanity ? { sanity: inspected.sanity } : {}) },
    lineage: { importedFrom: source },
    hash: inspected.hash,
    createdAt: nowIso(),
    metrics: inspected.sanity ? { sampleAccuracy: inspected.sanity.accuracy } : {},
    path: join(dir, file),
  };
  ws.models.insert(info);
  app.events.emit('models.changed', {});
  return info;
}

export function onnxModelHandlers(app: AppState) {
  return {
    'models.exportOnnx': async (a: CallArgs<'models.exportOnnx'>): Promise<CallResults['models.exportOnnx']> => {
      const ws = app.requireWorkspace();
      const m = ws.models.get(a.modelId);
      const out = checkExportTarget(a.path);
      if (!out.toLowerCase().endsWith('.onnx')) throw new InputError(out, 'the target must be a .onnx file');
      if (m.format === 'onnx') {
        copyFileSync(m.path, out);
        return { path: out, maxAbsDeltaP: 0, sample: 0, classDiffs: 0 };
      }
      if (!m.datasetId) throw new InputError(m.path, 'the model belongs to no dataset: the conversion check needs its images');
      const ds = ws.datasets.get(m.datasetId);
      const split = ds.splits.find((s) => s.name === 'test') ?? ds.splits[0];
      const r = await app.engine().run({ kind: 'convert', modelPath: m.path, inputScale: m.inputScale, ...splitSource(ws, ds.id, split.name) });
      if (!r.ok || !r.onnxPath) throw new InputError(m.path, `cannot export as ONNX: ${r.reason ?? 'conversion failed'}`);
      const tmp = `${out}.tmp-rpr-${process.pid}`;
      copyFileSync(r.onnxPath, tmp);
      renameSync(tmp, out);
      return { path: out, maxAbsDeltaP: r.maxAbsDeltaP ?? 0, sample: r.sample ?? 0, classDiffs: r.classDiffs ?? 0 };
    },
  };
}
