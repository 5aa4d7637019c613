import { resolve } from 'node:path';
import { sanityWarning, type ModelSanity } from '../../contract/headless';
import { ensureDataset, ensureModel, onnxOptions, parseInputScale, parseOnnxChoices } from '../data';
import { cliServices, engineOptions, jsonOption, parse, requireStr, str, workspaceOption, writeJsonFile, type Command } from '../shared';

export const importModelCommand: Command = {
  name: 'import-model',
  summary: 'import a model (.onnx, TF.js model.json, SavedModel) for a dataset: checks the fit and evaluates a sample',
  usage: 'rpr import-model <model.onnx|model.json|dir> --data <dir> [--name N] [--input-scale unit|signed|m,s|m1/m2/m3,s1/s2/s3] [--layout nchw|nhwc|flat] [--input NAME] [--output NAME] [--bgr] [--class-map 0,1,...] [--workspace W] [--json out.json]',
  options: { ...workspaceOption, ...jsonOption, ...engineOptions, ...onnxOptions, data: { type: 'string' }, name: { type: 'string' }, 'input-scale': { type: 'string' } },
  async run(argv, io) {
    const args = parse(importModelCommand, argv);
    const path = args.positionals[0];
    const data = requireStr(args, 'data', importModelCommand);
    if (!path) throw new Error(`a model path is required\nusage: ${importModelCommand.usage}`);
    const services = await cliServices(args);
    try {
      const ds = await ensureDataset(services, data, io);
      const name = str(args, 'name');
      const { model } = await ensureModel(services, resolve(path), ds.id, parseInputScale(str(args, 'input-scale')), parseOnnxChoices(args), io, name);
      const cfg = model.config as { sanity?: ModelSanity; onnx?: { summary?: string } };
      io.out(`imported ${model.name} (${model.id}): ${model.format}, ${model.numClasses} classes${cfg.onnx?.summary ? `; ${cfg.onnx.summary}` : ''}`);
      if (cfg.sanity) io.out(`sanity check: clean accuracy ${(100 * cfg.sanity.accuracy).toFixed(1)}% on ${cfg.sanity.count} ${cfg.sanity.split} images (chance ${(100 * cfg.sanity.chance).toFixed(1)}%)`);
      const warning = sanityWarning(cfg.sanity);
      if (warning) io.err(warning);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, model);
      return 0;
    } finally {
      await services.close();
    }
  },
};
