import { resolve } from 'node:path';
import { checked, cliServices, followJob, jsonOption, parse, str, workspaceOption, writeJsonFile, UsageError, type Command } from '../shared';

export const importCommand: Command = {
  name: 'import',
  summary: 'import a dataset (MNIST-format IDX folder, CIFAR-10/100 binary, ImageFolder tree or CSV) into the workspace',
  usage: 'rpr import <path> [--format auto|idx|cifar|imagefolder|csv] [--name N] [--split S] [--size WxH] [--fit resize|crop|pad] [--color auto|rgb|gray] [--workspace W] [--json out.json]',
  options: { ...workspaceOption, ...jsonOption, format: { type: 'string' }, name: { type: 'string' }, split: { type: 'string' }, size: { type: 'string' }, fit: { type: 'string' }, color: { type: 'string' } },
  async run(argv, io) {
    const args = parse(importCommand, argv);
    const path = args.positionals[0];
    if (!path) throw new UsageError(`a dataset path is required\nusage: ${importCommand.usage}`);
    const services = await cliServices(args);
    try {
      const started = Date.now();
      const { jobId } = await services.call('datasets.import', checked('datasets.import', {
        path: resolve(path),
        format: str(args, 'format') ?? 'auto',
        name: str(args, 'name'),
        split: str(args, 'split'),
        ...imageOptions(args),
      }));
      const summary = await followJob(services, 'import', jobId, io);
      const elapsedMs = Date.now() - started;
      io.out(`imported ${summary.name} (${summary.id}) in ${(elapsedMs / 1000).toFixed(2)} s: ${summary.shape.height}x${summary.shape.width}x${summary.shape.channels}, ${summary.classNames.length} classes`);
      for (const s of summary.splits) io.out(`  ${s.name}: ${s.count} images; per class ${s.classCounts.join(' ')}`);
      for (const w of summary.warnings) io.err(`warning: ${w}`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, { ...summary, elapsedMs });
      return 0;
    } finally {
      await services.close();
    }
  },
};

/** ImageFolder decoding options: --size WxH, --fit resize|crop|pad, --color auto|rgb|gray. */
function imageOptions(args: ReturnType<typeof parse>): { size?: { width: number; height: number }; fit?: 'resize' | 'crop' | 'pad'; color?: 'auto' | 'rgb' | 'gray' } {
  const out: ReturnType<typeof imageOptions> = {};
  const size = str(args, 'size');
  if (size !== undefined) {
    const m = /^(\d{1,4})x(\d{1,4})$/i.exec(size);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--size must be WIDTHxHEIGHT, e.g. 32x32, got "${size}"`);
    out.size = { width: Number(m[1]), height: Number(m[2]) };
  }
  const fit = str(args, 'fit');
  if (fit !== undefined) {
    if (fit !== 'resize' && fit !== 'crop' && fit !== 'pad') throw new UsageError(`--fit must be resize, crop or pad, got "${fit}"`);
    if (!out.size) throw new UsageError('--fit needs --size WxH');
    out.fit = fit;
  }
  const color = str(args, 'color');
  if (color !== undefined) {
    if (color !== 'auto' && color !== 'rgb' && color !== 'gray') throw new UsageError(`--color must be auto, rgb or gray, got "${color}"`);
    out.color = color;
  }
  return out;
}

export const datasetsCommand: Command = {
  name: 'datasets',
  summary: 'list the datasets of the workspace',
  usage: 'rpr datasets [--workspace W] [--json out.json]',
  options: { ...workspaceOption, ...jsonOption },
  async run(argv, io) {
    const args = parse(datasetsCommand, argv);
    const services = await cliServices(args);
    try {
      const list = await services.call('datasets.list', {});
      for (const d of list) io.out(`${d.id}  ${d.name}  ${d.splits.map((s) => `${s.name}:${s.count}`).join(' ')}`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, list);
      return 0;
    } finally {
      await services.close();
    }
  },
};
