/** CLI conveniences: reuse an already imported dataset, import a model file once; the options that name them. */
import { resolve } from 'node:path';
import type { DatasetSummary, InputScale } from '../contract/types';
import type { Services } from '../services/index';
import type { z } from 'zod';
import type { onnxChoices } from '../contract/calls';
import { sanityWarning, type EnsuredModel } from '../contract/headless';
import { followJob, UsageError, type CliIo } from './shared';

type OnnxChoices = z.infer<typeof onnxChoices>;

/** The workspace's dataset imported from `dir`, importing it first when needed. */
export async function ensureDataset(services: Services, dir: string, io: CliIo): Promise<DatasetSummary> {
  const path = resolve(dir);
  const existing = (await services.call('datasets.list', {})).find((d) => d.sourcePath === path);
  if (existing) return existing;
  const { jobId } = await services.call('datasets.import', { path });
  const ds = await followJob(services, 'import', jobId, io);
  io.err(`imported ${path}: ${ds.splits.map((s) => `${s.name} ${s.count}`).join(', ')}`);
  return ds;
}

/** Import a model file into the workspace (the same file with the same settings reuses its earlier import); says what it found. */
export async function ensureModel(services: Services, modelPath: string, datasetId: string, inputScale?: InputScale, onnx?: OnnxChoices, io?: Pick<CliIo, 'err'>, name?: string): Promise<EnsuredModel> {
  const r = await services.call('models.ensureImported', { path: resolve(modelPath), datasetId, ...(inputScale ? { inputScale } : {}), ...(onnx ? { onnx } : {}), ...(name ? { name } : {}) });
  if (r.reused || !io) return r;
  if (r.onnxSummary) io.err(`ONNX model: ${r.onnxSummary}`);
  const warning = sanityWarning(r.sanity);
  if (warning) io.err(warning);
  else if (r.sanity) io.err(`sanity check: clean accuracy ${(100 * r.sanity.accuracy).toFixed(1)}% on ${r.sanity.count} ${r.sanity.split} images`);
  return r;
}

/** --layout, --input, --output, --bgr, --class-map of the commands that import a model. */
export const onnxOptions = {
  layout: { type: 'string' as const },
  input: { type: 'string' as const },
  output: { type: 'string' as const },
  bgr: { type: 'boolean' as const },
  'class-map': { type: 'string' as const },
};

export function parseOnnxChoices(args: { values: Record<string, unknown> }): OnnxChoices | undefined {
  const v = args.values;
  const out: OnnxChoices = {};
  if (v.layout !== undefined) {
    if (!['nchw', 'nhwc', 'flat'].includes(String(v.layout))) throw new UsageError(`--layout must be nchw, nhwc or flat, got "${String(v.layout)}"`);
    out.layout = v.layout as OnnxChoices['layout'];
  }
  if (typeof v.input === 'string') out.inputName = v.input;
  if (typeof v.output === 'string') out.outputName = v.output;
  if (v.bgr === true) out.bgr = true;
  if (typeof v['class-map'] === 'string') {
    const list = v['class-map'].split(',').map((x) => Number(x.trim()));
    if (list.length < 2 || list.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`--class-map must list the dataset class of each output index, e.g. 0,1,2,...; got "${v['class-map']}"`);
    out.classMap = list;
  }
  return Object.keys(out).length ? out : undefined;
}

export function parseInputScale(v: string | undefined): InputScale | undefined {
  if (v === undefined) return undefined;
  if (v === 'unit' || v === 'signed') return v;
  const m = /^([-+0-9.e]+),([-+0-9.e]+)$/.exec(v);
  if (m) return { mean: Number(m[1]), std: Number(m[2]) };
  // per channel: mean1/mean2/mean3,std1/std2/std3 (e.g. ImageNet 0.485/0.456/0.406,0.229/0.224/0.225)
  const pc = /^([-+0-9.e/]+),([-+0-9.e/]+)$/.exec(v);
  if (pc) {
    const mean = pc[1].split('/').map(Number);
    const std = pc[2].split('/').map(Number);
    if (mean.length === std.length && mean.every(Number.isFinite) && std.every((s) => Number.isFinite(s) && s > 0)) return { mean, std };
  }
  throw new UsageError(`--input-scale must be unit, signed, <mean>,<std> or per channel <m1>/<m2>/<m3>,<s1>/<s2>/<s3>, got "${v}"`);
}
