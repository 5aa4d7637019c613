import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ARCH_NAMES } from '../../contract/names';
import type { ModelInfo } from '../../contract/types';
import { DEFAULT_PATIENCE } from '../../core/budget';
import { ensureDataset, ensureModel, parseInputScale } from '../data';
import { checked, cliServices, engineOptions, followJob, int, jsonOption, num, parse, requireStr, str, workspaceOption, writeJsonFile, UsageError, type Command } from '../shared';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a zoo model (paper-cnn, classic-cnn, mlp) and write it in TF.js layers format',
  usage: 'rpr train --data <dir> --arch paper-cnn --epochs E --seed S --out <dir> [--budget epochs|converge|equal-steps] [--reference-model <model id>] [--val 0.1] [--patience P] [--workspace W] [--backend B] [--workers N] [--json file]',
  options: { ...workspaceOption, ...jsonOption, ...engineOptions, data: { type: 'string' }, arch: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, val: { type: 'string' }, patience: { type: 'string' }, name: { type: 'string' }, budget: { type: 'string' }, 'reference-model': { type: 'string' } },
  async run(argv, io) {
    const args = parse(trainCommand, argv);
    const data = requireStr(args, 'data', trainCommand);
    const out = requireStr(args, 'out', trainCommand);
    const arch = str(args, 'arch') ?? 'paper-cnn';
    if (!(ARCH_NAMES as readonly string[]).includes(arch)) throw new UsageError(`--arch must be one of ${ARCH_NAMES.join(', ')}, got "${arch}"`);
    const epochs = int(args, 'epochs', 3, 1, 1000);
    const seed = int(args, 'seed', 0, 0, 2 ** 32 - 1);
    const validationShare = num(args, 'val', 0.1);
    // --budget epochs (exactly --epochs), converge (--epochs = max epochs, --patience, best weights), equal-steps (the updates of --reference-model)
    const budget = str(args, 'budget') ?? 'epochs';
    if (!['epochs', 'converge', 'equal-steps'].includes(budget)) throw new UsageError(`--budget must be epochs, converge or equal-steps, got "${budget}"`);
    if (budget === 'equal-steps' && !str(args, 'reference-model')) throw new UsageError('--budget equal-steps needs --reference-model <model id> (the model whose gradient updates to match)');
    const services = await cliServices(args);
    try {
      const started = Date.now();
      const ds = await ensureDataset(services, data, io);
      const { backend: info } = await services.call('system.info', {});
      // training runs on TF.js, beside ONNX Runtime when that is the inference backend
      const backend = { name: info.tfjsBackend ?? info.name, workers: info.workers };
      const patience = int(args, 'patience', 0, 0, 100);
      const referenceModelId = str(args, 'reference-model');
      const reference = referenceModelId ? (await services.call('models.list', {})).find((m) => m.id === referenceModelId) : undefined;
      io.err(`training ${arch} on ${ds.name} ${budgetPlan(budget, epochs, patience, reference)} (seed ${seed}) on ${backend.name}`);
      const { jobId } = await services.call('models.train', checked('models.train', { datasetId: ds.id, arch, epochs, seed, validationShare, earlyStoppingPatience: patience, name: str(args, 'name'), budget, referenceModelId }));
      const model = await followJob(services, 'train', jobId, io);
      mkdirSync(dirname(resolve(out)), { recursive: true });
      const exported = await services.call('models.export', { modelId: model.id, path: resolve(out) });
      const elapsedMs = Date.now() - started;
      const result = {
        testAccuracy: model.metrics.testAccuracy ?? null,
        valAccuracy: model.metrics.valAccuracy ?? null,
        epochs: (model.config as { epochsRun?: number }).epochsRun ?? epochs,
        budget: (model.config as { budget?: string }).budget ?? `epochs:${epochs}`,
        updates: (model.config as { updates?: number }).updates ?? null,
        trainCount: (model.lineage as { trainCount?: number }).trainCount ?? null,
        valCount: (model.lineage as { valCount?: number }).valCount ?? null,
        backend: backend.name,
        workers: backend.workers,
        elapsedMs,
        trainMs: (model.config as { elapsedMs?: number }).elapsedMs ?? null,
        modelPath: resolve(exported.path, 'model.json'),
        modelId: model.id,
        hash: model.hash,
      };
      io.out(`test accuracy ${result.testAccuracy === null ? 'n/a (no test split)' : (100 * result.testAccuracy).toFixed(2) + '%'}; validation ${result.valAccuracy === null ? 'n/a' : (100 * result.valAccuracy).toFixed(2) + '%'}; ${(elapsedMs / 1000).toFixed(1)} s on ${backend.name}`);
      const stopped = (model.config as { stoppedEarly?: boolean }).stoppedEarly ? ' (stopped early: no better validation loss)' : '';
      io.out(`${result.epochs} epoch${result.epochs === 1 ? '' : 's'} run${stopped}, ${result.updates} updates on ${result.trainCount} images (+ ${result.valCount} validation), budget ${result.budget}; model id ${model.id}`);
      io.out(`model written to ${result.modelPath}`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, result);
      return 0;
    } finally {
      await services.close();
    }
  },
};

/** What a budget will do, said before training starts: "for 3 epochs", "to convergence (…)", "for the 80 updates of …". */
export function budgetPlan(budget: string, epochs: number, patience: number, reference?: ModelInfo): string {
  if (budget === 'converge') return `to convergence (budget converge: early stopping with patience ${patience || DEFAULT_PATIENCE} on the validation loss, at most ${epochs} epoch${epochs === 1 ? '' : 's'}, best weights kept)`;
  if (budget === 'equal-steps') {
    const updates = (reference?.config as { updates?: number } | undefined)?.updates;
    return `for ${updates ? `the ${updates} gradient updates` : 'the gradient updates'} of model ${reference?.name ?? 'the reference model'} (budget equal-steps: as many epochs as that takes)`;
  }
  return `for ${epochs} epoch${epochs === 1 ? '' : 's'} (budget epochs:${epochs}${patience > 0 ? `, stopping early after ${patience} epoch${patience === 1 ? '' : 's'} without a better validation loss` : ''})`;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'accuracy and confusion matrix of a model on a split',
  usage: 'rpr eval --data <dir> --model <model.json> [--split test] [--input-scale unit|signed|mean,std] [--workspace W] [--backend B] [--workers N] [--json file]',
  options: { ...workspaceOption, ...jsonOption, ...engineOptions, data: { type: 'string' }, model: { type: 'string' }, split: { type: 'string' }, 'input-scale': { type: 'string' } },
  async run(argv, io) {
    const args = parse(evalCommand, argv);
    const data = requireStr(args, 'data', evalCommand);
    const modelPath = requireStr(args, 'model', evalCommand);
    const services = await cliServices(args);
    try {
      const ds = await ensureDataset(services, data, io);
      // a dataset without a test split is evaluated on the held-out carve of its only split
      const split = str(args, 'split') ?? (ds.splits.some((s) => s.name === 'test') || ds.splits.length !== 1 ? 'test' : ds.splits[0].name);
      const { model } = await ensureModel(services, modelPath, ds.id, parseInputScale(str(args, 'input-scale')));
      // refused (exit 1, the sentence names the split to use) when the model trained on these images
      const { jobId } = await services.call('models.evaluate', { modelId: model.id, datasetId: ds.id, split });
      const r = await followJob(services, 'eval', jobId, io);
      if (r.warning) io.err(`warning: ${r.warning}`);
      const { backend } = await services.call('system.info', {});
      const images = r.images ?? `split ${split}`;
      io.out(`accuracy ${(100 * r.accuracy).toFixed(2)}% on ${images === `split ${split}` ? split : `the held-out carve of ${split}`} (${r.count} images, ${backend.name})`);
      const json = str(args, 'json');
      if (json) writeJsonFile(json, { accuracy: r.accuracy, confusion: r.confusion, count: r.count, split, images, ...(r.warning ? { warning: r.warning } : {}), backend: backend.name, modelHash: model.hash });
      return 0;
    } finally {
      await services.close();
    }
  },
};
