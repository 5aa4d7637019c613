import { resolve } from 'node:path';
import type { DatasetSummary } from '../../contract/types';
import { cliServices, followJob, jsonOption, parse, str, workspaceOption, writeJsonFile, UsageError, type Command } from '../shared';

export const importCommand: Command = {
  name: 'import',
  summary: 'import a dataset (MNIST-format IDX folder, ImageFolder tree or CSV) into the workspace',
  usage: 'rpr import <path> [--format auto|idx|imagefolder|csv] [--name N] [--split S] [--workspace W] [--json out.json]',
  options: { ...workspaceOption, ...jsonOption, format: { type: 'string' }, name: { type: 'string' }, split: { type: 'string' } },
  async run(argv, io) {
    const args = parse(importCommand, argv);
    const path = args.positionals[0];
    if (!path) throw new UsageError(`a dataset path is required\nusage: ${importCommand.usage}`);
    const services = cliServices(args);
    try {
      const started = Date.now();
      const { jobId } = await services.call('datasets.import', {
        path: resolve(path),
        format: str(args, 'format') ?? 'auto',
        name: str(args, 'name'),
        split: str(args, 'split'),
      });
      const summary = await followJob<DatasetSummary>(services, jobId, io);
      const elapsedMs = Date.now() - started;
      io.out(`imported ${summary.name} (${summary.id}) in ${(elapsedMs / 1000).toFixed(2)} s: ${summary.shape.height}x${summary.shape.width}x${summary.shape.channels}, ${summary.classNames.length} classes`);
      for (const s of summary.splits) io.out(`  ${s.name}: ${s.count} images; per class ${s.classCounts.join(' ')}`);
      for (const w of summary.warnings) io.err(`warning: ${w}`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, { ...summary, elapsedMs });
      return 0;
    } finally {
      await services.app.close();
    }
  },
};

export const datasetsCommand: Command = {
  name: 'datasets',
  summary: 'list the datasets of the workspace',
  usage: 'rpr datasets [--workspace W] [--json out.json]',
  options: { ...workspaceOption, ...jsonOption },
  async run(argv, io) {
    const args = parse(datasetsCommand, argv);
    const services = cliServices(args);
    try {
      const list = await services.call('datasets.list', {});
      for (const d of list) io.out(`${d.id}  ${d.name}  ${d.splits.map((s) => `${s.name}:${s.count}`).join(' ')}`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, list);
      return 0;
    } finally {
      await services.app.close();
    }
  },
};
