/**
 * experiments.* calls: start (or resume, or return) an experiment as one job, list and read
 * them, their charts, and export the bundle (results.json, report.md, charts as SVG and PNG).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CallArgs, CallResults } from '../../contract/calls';
import type { ExperimentConfig, ExperimentInfo } from '../../contract/experiments';
import { ConflictError, InputError, NotFoundError } from '../../core/errors';
import { PAPER } from '../../core/experiment/paper-report';
import type { PolicyName } from '../../core/experiment/policies';
import { renderExperimentReport } from '../../core/experiment/report';
import { buildResults } from '../../core/experiment/results';
import { writeFileAtomic, writeJsonAtomic } from '../../store/fsutil';
import { nowIso } from '../../store/ids';
import type { AppState } from '../app-state';
import { checkExportTarget } from '../export';
import type { JobContext } from '../jobs';
import { svgToPng } from './png';
import { budgetOf, runExperiment, schemeOf, stagePlan } from './run';
import { experimentDir, experimentId, listStates, loadState, removeExperiment, saveState, type ExperimentState } from './store';

const BUNDLE = /^(results\.json|report\.md|.+\.(svg|png))$/;

async function finish(app: AppState, state: ExperimentState): Promise<void> {
  const ws = app.requireWorkspace();
  const cfg = state.config;
  const ds = ws.datasets.get(cfg.datasetId);
  const backend = await app.backendInfo();
  const budget = budgetOf(cfg);
  const paper = cfg.policies.find((p) => p.name === 'paper');
  const config = {
    data: ds.sourcePath,
    dataset: ds.name,
    arch: cfg.arch,
    budget: cfg.budget,
    ...(budget.kind === 'epochs' ? { epochs: budget.epochs } : { maxEpochs: cfg.maxEpochs, patience: cfg.patience }),
    validationShare: cfg.validationShare,
    ...(paper ? { perClass: paper.perClass ?? 1500 } : {}),
    policyParams: cfg.policies,
    scheme: schemeOf(cfg, ds),
    maxSteps: cfg.maxSteps,
    backend: backend.name,
    workers: backend.workers,
    experimentId: state.id,
    // every stage's time, in whichever session it ran (a resumed experiment's wall time says less)
    totalMs: Object.values(state.stages).reduce((a, r) => a + r.ms, 0),
  };
  const seeds = state.seeds ?? [];
  const results = buildResults(config, seeds, cfg.policies.map((p) => p.name as PolicyName), PAPER as unknown as Record<string, unknown>);
  let report = renderExperimentReport(results, seeds);
  // PNG copies need sharp: when it cannot load, the results, the report and the SVGs still land
  const pngs = new Map<string, Uint8Array>();
  let pngProblem: string | undefined;
  for (const [name, svg] of Object.entries(report.charts)) {
    try {
      pngs.set(name.replace(/\.svg$/, '.png'), await svgToPng(svg));
    } catch (err) {
      pngProblem = (err as Error).message;
      break;
    }
  }
  if (pngProblem) report = renderExperimentReport(results, seeds, { pngProblem });
  const dir = experimentDir(ws.path, state.id);
  for (const [name, svg] of Object.entries(report.charts)) writeFileAtomic(join(dir, name), svg);
  if (pngProblem) {
    for (const f of readdirSync(dir)) if (f.endsWith('.png')) rmSync(join(dir, f), { force: true }); // none left from an earlier finish
  } else {
    for (const [name, png] of pngs) writeFileAtomic(join(dir, name), png);
  }
  writeFileAtomic(join(dir, 'report.md'), report.markdown);
  writeJsonAtomic(join(dir, 'results.json'), results);
}

function info(app: AppState, state: ExperimentState, jobId: string | null): ExperimentInfo {
  const ws = app.requireWorkspace();
  const dir = experimentDir(ws.path, state.id);
  const done = state.status === 'done' && existsSync(join(dir, 'results.json'));
  const results = done ? (JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, unknown>) : null;
  return {
    id: state.id,
    name: state.name,
    config: state.config,
    status: jobId ? 'running' : state.status === 'running' ? 'interrupted' : state.status,
    ...(state.error ? { error: state.error } : {}),
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    stages: stagePlan(state.config).map((p) => ({ ...p, status: state.stages[p.key] ? 'done' : 'pending', ...(state.stages[p.key] ? { ms: state.stages[p.key].ms } : {}) })),
    verdicts: (results?.verdicts as string[] | undefined) ?? [],
    results,
    report: done ? readFileSync(join(dir, 'report.md'), 'utf8') : null,
    jobId,
  };
}

export function experimentHandlers(app: AppState) {
  const active = new Map<string, string>();
  const runningJob = (id: string): string | null => {
    const j = active.get(id);
    return j && app.jobs.list().some((x) => x.id === j && x.status === 'running') ? j : null;
  };

  const start = (state: ExperimentState): { jobId: string; experimentId: string } => {
    const running = runningJob(state.id);
    if (running) return { jobId: running, experimentId: state.id };
    const ws = app.requireWorkspace();
    const { jobId, done } = app.jobs.launch(
      'experiment',
      `Experiment ${state.name}`,
      async (ctx: JobContext) => {
        state.status = 'running';
        delete state.error;
        saveState(ws.path, state);
        try {
          if (!state.seeds) {
            state.seeds = await runExperiment(app, state, ctx);
          }
          ctx.progress(stagePlan(state.config).length, stagePlan(state.config).length, { unit: 'stages', message: 'writing results.json, report.md and the charts' });
          await finish(app, state);
          state.status = 'done';
          saveState(ws.path, state);
          return info(app, state, null);
        } catch (err) {
          state.status = ctx.signal.aborted ? 'cancelled' : 'failed';
          state.error = (err as Error).message;
          saveState(ws.path, state);
          throw err;
        } finally {
          app.events.emit('experiments.changed', { experimentId: state.id });
        }
      },
      { call: 'experiments.resume', input: { experimentId: state.id } },
    );
    active.set(state.id, jobId);
    done.then(
      () => active.delete(state.id),
      () => active.delete(state.id),
    );
    return { jobId, experimentId: state.id };
  };

  const get = (id: string): ExperimentState => {
    const s = loadState(app.requireWorkspace().path, id);
    if (!s) throw new NotFoundError(`no experiment ${id} in this workspace`);
    return s;
  };

  return {
    'experiments.start': (a: CallArgs<'experiments.start'>): CallResults['experiments.start'] => {
      const ws = app.requireWorkspace();
      const ds = ws.datasets.get(a.datasetId);
      budgetOf(a); // a bad budget is refused before anything starts
      if (!ds.splits.some((s) => s.name === 'train') || !ds.splits.some((s) => s.name === 'test')) throw new InputError(ds.name, `an experiment needs a train and a test split (this dataset has ${ds.splits.map((s) => s.name).join(', ')})`);
      const cfg: ExperimentConfig = a;
      const id = experimentId(cfg);
      const state: ExperimentState = loadState(ws.path, id) ?? {
        format: 'rpr-experiment-state',
        version: 1,
        id,
        name: a.name ?? `${a.arch} on ${ds.name}, ${a.budget}, ${a.seeds} seed${a.seeds > 1 ? 's' : ''}, ${a.policies.map((p) => p.name).join(' + ')}`,
        config: cfg,
        createdAt: nowIso(),
        updatedAt: nowIso(),
        status: 'running',
        stages: {},
        seeds: null,
      };
      if (!loadState(ws.path, id)) saveState(ws.path, state);
      return start(state);
    },
    'experiments.resume': (a: CallArgs<'experiments.resume'>): CallResults['experiments.resume'] => start(get(a.experimentId)),
    'experiments.list': (): CallResults['experiments.list'] => (app.workspace ? listStates(app.workspace.path).map((s) => info(app, s, runningJob(s.id))) : []),
    'experiments.get': (a: CallArgs<'experiments.get'>): CallResults['experiments.get'] => info(app, get(a.experimentId), runningJob(a.experimentId)),
    'experiments.charts': (a: CallArgs<'experiments.charts'>): CallResults['experiments.charts'] => {
      const dir = experimentDir(app.requireWorkspace().path, get(a.experimentId).id);
      const out: Record<string, string> = {};
      for (const f of readdirSync(dir).sort()) if (f.endsWith('.svg')) out[f] = readFileSync(join(dir, f), 'utf8');
      return out;
    },
    'experiments.export': (a: CallArgs<'experiments.export'>): CallResults['experiments.export'] => {
      const state = get(a.experimentId);
      if (state.status !== 'done') throw new ConflictError(`experiment ${state.name} has not finished: resume it first`);
      const dir = experimentDir(app.requireWorkspace().path, state.id);
      const out = a.merge ? resolve(a.path) : checkExportTarget(a.path);
      mkdirSync(out, { recursive: true });
      const files = readdirSync(dir).filter((f) => BUNDLE.test(f)).sort();
      for (const f of files) {
        // temp file then rename, so a reader never sees half a file
        copyFileSync(join(dir, f), join(out, `${f}.tmp-rpr`));
        renameSync(join(out, `${f}.tmp-rpr`), join(out, f));
      }
      return { path: resolve(out), files };
    },
    'experiments.remove': (a: CallArgs<'experiments.remove'>): CallResults['experiments.remove'] => {
      if (runningJob(a.experimentId)) throw new ConflictError('the experiment is running: cancel it first');
      const removed = removeExperiment(app.requireWorkspace().path, a.experimentId);
      app.events.emit('experiments.changed', { experimentId: a.experimentId });
      return { removed };
    },
  };
}
