/** `rpr rm` and `rpr rename`: delete (with what depends on it) and rename workspace items, as the app does. */
import type { ItemKind } from '../../contract/types';
import { cliServices, jsonOption, parse, str, workspaceOption, writeJsonFile, UsageError, type Command } from '../shared';

const KINDS: Record<string, ItemKind> = { dataset: 'dataset', model: 'model', run: 'run', set: 'curated', curated: 'curated' };

function kindOf(word: string | undefined, usage: string): ItemKind {
  const kind = word ? KINDS[word] : undefined;
  if (!kind) throw new UsageError(`the first argument is what to act on: dataset, model, run or set${word ? ` (got "${word}")` : ''}\nusage: ${usage}`);
  return kind;
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

export const rmCommand: Command = {
  name: 'rm',
  summary: 'delete a dataset, model, run or curated set and what depends on it (lists it first; --yes deletes)',
  usage: 'rpr rm dataset|model|run|set <id> [--yes] [--workspace W] [--json out.json]',
  options: { ...workspaceOption, ...jsonOption, yes: { type: 'boolean' } },
  async run(argv, io) {
    const args = parse(rmCommand, argv);
    const kind = kindOf(args.positionals[0], rmCommand.usage);
    const id = args.positionals[1];
    if (!id) throw new UsageError(`the id of the ${args.positionals[0]} is required (see \`rpr datasets\`, the app, or a --json output)\nusage: ${rmCommand.usage}`);
    const services = await cliServices(args);
    try {
      const plan = await services.call('workspace.dependents', { kind, id });
      io.out(`${plan.target.kind} ${plan.target.name} (${plan.target.id})`);
      for (const r of plan.removes) io.out(`  also deletes ${r.kind} ${r.name} (${r.id})`);
      for (const a of plan.affects) io.out(`  keeps ${a.kind} ${a.name} (${a.id}): ${a.why}`);
      io.out(`  frees about ${mb(plan.bytes)}`);
      if (plan.blocked) {
        io.err(`cannot delete now: ${plan.blocked}`);
        return 1;
      }
      const json = str(args, 'json');
      if (!args.values.yes) {
        io.out(`nothing deleted: run again with --yes to delete ${plan.removes.length + 1} item${plan.removes.length ? 's' : ''}`);
        if (json) writeJsonFile(json, plan);
        return 0;
      }
      const call = kind === 'dataset' ? services.call('datasets.remove', { datasetId: id })
        : kind === 'model' ? services.call('models.remove', { modelId: id })
        : kind === 'run' ? services.call('scoring.remove', { runId: id })
        : services.call('curation.remove', { setId: id });
      const r = await call;
      io.out(`deleted ${r.removedItems.length} item${r.removedItems.length === 1 ? '' : 's'}; freed ${mb(r.freedBytes)}`);
      if (json) writeJsonFile(json, r);
      return 0;
    } finally {
      await services.close();
    }
  },
};

export const renameCommand: Command = {
  name: 'rename',
  summary: 'rename a dataset, model, run or curated set',
  usage: 'rpr rename dataset|model|run|set <id> <new name> [--workspace W]',
  options: { ...workspaceOption },
  async run(argv, io) {
    const args = parse(renameCommand, argv);
    const kind = kindOf(args.positionals[0], renameCommand.usage);
    const [, id, ...words] = args.positionals;
    const name = words.join(' ').trim();
    if (!id || !name) throw new UsageError(`an id and a new name are required\nusage: ${renameCommand.usage}`);
    const services = await cliServices(args);
    try {
      const ref = kind === 'dataset' ? await services.call('datasets.rename', { datasetId: id, name })
        : kind === 'model' ? await services.call('models.rename', { modelId: id, name })
        : kind === 'run' ? await services.call('scoring.rename', { runId: id, name })
        : await services.call('curation.rename', { setId: id, name });
      io.out(`renamed ${ref.kind} ${ref.id}: ${ref.name}`);
      return 0;
    } finally {
      await services.close();
    }
  },
};
