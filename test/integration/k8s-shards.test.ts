/**
 * deploy/k8s: the Indexed Job's manifest is consistent, and its very commands, run locally pod
 * by pod (index substituted the way Kubernetes does, the volumes mapped to temp folders, `rpr`
 * on PATH as a shim for bin/rpr.mjs), followed by the merge Job's command, give the same
 * per-image CSV and statistics as one unsharded `rpr score`. mnist-small, a 1-epoch MLP and
 * --max-steps 20 keep it quick.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { ensureBuilt } from '../helpers/serve';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { loadAll(text: string): unknown[] };

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Job {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    template: { spec: { restartPolicy: string; initContainers?: Container[]; containers: Container[]; volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }> } };
  };
}
interface Claim {
  kind: string;
  metadata: { name: string };
  spec: { accessModes: string[] };
}

const K8S = join(PROJECT_ROOT, 'deploy/k8s');
const load = (file: string): unknown[] => yaml.loadAll(readFileSync(join(K8S, file), 'utf8'));
const scoreJob = load('rpr-score-job.yaml')[0] as Job;
const mergeJob = load('rpr-merge-job.yaml')[0] as Job;
const claims = load('rpr-volumes.yaml') as Claim[];

/** Kubernetes' $(VAR) expansion in command/args: defined names are replaced, $$ escapes, others stay. */
export function expandK8s(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : name !== undefined && name in env ? env[name] : m));
}

function argv(c: Container): string[] {
  return [...(c.command ?? []), ...(c.args ?? [])];
}

function flag(args: string[], name: string): string {
  const i = args.indexOf(name);
  if (i < 0 || i + 1 >= args.length) throw new Error(`the manifest's command has no ${name}: ${args.join(' ')}`);
  return args[i + 1];
}

describe('deploy/k8s manifests', () => {
  it('rpr-score is an Indexed Job whose --shard is $(JOB_COMPLETION_INDEX)/completions', () => {
    expect(scoreJob.apiVersion).toBe('batch/v1');
    expect(scoreJob.kind).toBe('Job');
    expect(scoreJob.spec.completionMode).toBe('Indexed');
    const n = scoreJob.spec.completions!;
    expect(Number.isInteger(n) && n >= 2).toBe(true);
    expect(scoreJob.spec.parallelism).toBeGreaterThanOrEqual(1);
    expect(scoreJob.spec.parallelism).toBeLessThanOrEqual(n);
    expect(scoreJob.spec.template.spec.restartPolicy).toBe('Never');
    const [score] = scoreJob.spec.template.spec.containers;
    const args = argv(score);
    expect(args.slice(0, 2)).toEqual(['rpr', 'score']);
    expect(flag(args, '--shard')).toBe(`$(JOB_COMPLETION_INDEX)/${n}`);
    // per-pod workspace and output, so pods never share a SQLite file or a result file
    expect(flag(args, '--workspace')).toContain('$(JOB_COMPLETION_INDEX)');
    expect(flag(args, '--json')).toMatch(/^\/work\/out\/shard-\$\(JOB_COMPLETION_INDEX\)\/result\.json$/);
    expect(flag(args, '--data')).toBe('/data/mnist');
    expect(flag(args, '--split')).toBe('train');
    expect(flag(args, '--model')).toBe('/data/model/model.json');
  });

  it('both Jobs mount the shared volume at the same path; the claims are ReadWriteMany', () => {
    const mountOf = (job: Job, claim: string): string | undefined => {
      const vol = job.spec.template.spec.volumes?.find((v) => v.persistentVolumeClaim?.claimName === claim);
      return job.spec.template.spec.containers[0].volumeMounts?.find((m) => m.name === vol?.name)?.mountPath;
    };
    expect(mountOf(scoreJob, 'rpr-work')).toBe('/work');
    // the shard result JSON names its CSV by absolute path: the merge pod must see the same path
    expect(mountOf(mergeJob, 'rpr-work')).toBe('/work');
    expect(mountOf(scoreJob, 'rpr-data')).toBe('/data');
    for (const name of ['rpr-data', 'rpr-work']) {
      const claim = claims.find((c) => c.kind === 'PersistentVolumeClaim' && c.metadata.name === name);
      expect(claim?.spec.accessModes).toContain('ReadWriteMany');
    }
  });

  it('rpr-merge merges every shard result the score Job writes', () => {
    expect(mergeJob.spec.completionMode).toBeUndefined();
    const cmd = argv(mergeJob.spec.template.spec.containers[0]).join(' ');
    expect(cmd).toMatch(/^sh -c rpr merge --json \/work\/out\/merged\.json \/work\/out\/shard-\*\/result\.json$/);
  });

  it('the image has what the manifests run: `rpr` on PATH, the built bundle, production dependencies only', () => {
    ensureBuilt();
    const docker = readFileSync(join(PROJECT_ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(docker).toMatch(/^FROM node:20-slim AS build$/m);
    expect(docker).toMatch(/^RUN npm run build$/m);
    expect(docker).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(docker).toMatch(/ln -s \/app\/bin\/rpr\.mjs \/usr\/local\/bin\/rpr/);
    for (const job of [scoreJob, mergeJob]) for (const c of job.spec.template.spec.containers) expect(c.image).toBe(scoreJob.spec.template.spec.containers[0].image);
    // every package the CLI bundle imports survives `npm ci --omit=dev`
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
    const prod = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const outMain = join(PROJECT_ROOT, 'out/main');
    const files = ['cli.js', 'worker.js', ...readdirSync(join(outMain, 'chunks')).map((f) => `chunks/${f}`)];
    const bare = new Set<string>();
    for (const f of files) {
      // a specifier has no spaces (a string such as ` from " : x ? "` in the code is not an import)
      for (const m of readFileSync(join(outMain, f), 'utf8').matchAll(/(?:from|import\()\s*["']([^"'./\s][^"'\s]*)["']/g)) bare.add(m[1]);
    }
    expect(bare.has('libsql')).toBe(true);
    for (const spec of bare) {
      if (spec.startsWith('node:')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      expect(prod.has(name), `${spec} is imported by the CLI bundle but is not a production dependency`).toBe(true);
    }
  });

  it('expandK8s follows the Kubernetes rules', () => {
    expect(expandK8s('a-$(X)/$(Y)-$$(X)', { X: '2' })).toBe('a-2/$(Y)-$(X)');
  });
});

describe('the manifest run locally, shard by shard, equals one run', () => {
  let tmp = '';
  const MAX_STEPS = '20';
  let env: NodeJS.ProcessEnv = {};
  let modelDir = '';

  /** Map the pods' mount points to local folders: /data/mnist, /data/model, /work. */
  const mapPaths = (s: string): string => {
    const local: Record<string, string> = { '/data/mnist': MNIST_SMALL, '/data/model': modelDir, '/work': join(tmp, 'work') };
    // one pass, so a mapped path is never mapped again
    return s.replace(/(^|[\s=])(\/data\/mnist|\/data\/model|\/work)(?=$|[\s/])/g, (_m, pre: string, mount: string) => pre + local[mount]);
  };

  function run(cmd: string[], extraEnv: Record<string, string>): string {
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd: tmp, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}: ${r.stderr}\n${r.error ?? ''}`);
    return r.stdout;
  }

  /** One pod of a Job: its init containers, then its container, with its env and index. */
  function runPod(job: Job, index: number | null, extraArgs: string[] = []): string {
    const podEnv: Record<string, string> = index === null ? {} : { JOB_COMPLETION_INDEX: String(index) };
    let out = '';
    const spec = job.spec.template.spec;
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const cEnv: Record<string, string> = { ...podEnv };
      for (const e of c.env ?? []) if (e.value !== undefined) cEnv[e.name] = mapPaths(expandK8s(e.value, cEnv));
      if (cEnv.RPR_DATA_DIR) cEnv.RPR_DATA_DIR = join(tmp, `rpr-data-${index ?? 'merge'}`);
      const cmd = argv(c).map((a) => mapPaths(expandK8s(a, cEnv)));
      const isMain = c === spec.containers[0];
      out = run(isMain ? [...cmd, ...extraArgs] : cmd, cEnv);
    }
    return out;
  }

  beforeAll(() => {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'rpr-k8s-'));
    // `rpr` as the image has it on PATH
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'rpr'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(PROJECT_ROOT, 'bin/rpr.mjs'))} "$@"\n`);
    chmodSync(join(bin, 'rpr'), 0o755);
    env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, RPR_DATA_DIR: join(tmp, 'rpr-data') };
    modelDir = join(tmp, 'model');
    run(['rpr', 'train', '--data', MNIST_SMALL, '--arch', 'mlp', '--epochs', '1', '--seed', '1', '--out', modelDir, '--workspace', join(tmp, 'ws-train'), '--workers', '1'], {});
    expect(existsSync(join(modelDir, 'model.json'))).toBe(true);
  }, 300_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('merge(shards) = single run: per-image CSV and statistics', () => {
    const n = scoreJob.spec.completions!;
    for (let i = 0; i < n; i++) runPod(scoreJob, i, ['--max-steps', MAX_STEPS]);
    const shardJson = (i: number) => JSON.parse(readFileSync(join(tmp, `work/out/shard-${i}/result.json`), 'utf8')) as Record<string, unknown>;
    const counts = Array.from({ length: n }, (_, i) => shardJson(i).n as number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1000);
    for (let i = 0; i < n; i++) expect(shardJson(i).shard).toEqual([i, n]);

    runPod(mergeJob, null);
    const mergedFile = join(tmp, 'work/out/merged.json');
    const merged = JSON.parse(readFileSync(mergedFile, 'utf8')) as Record<string, unknown>;

    // the same command as one pod, unsharded, in its own workspace
    const single = argv(scoreJob.spec.template.spec.containers[0]).map((a) => expandK8s(a, { JOB_COMPLETION_INDEX: 'single' }));
    const s = single.indexOf('--shard');
    single.splice(s, 2);
    // what the pods' init container does for them
    mkdirSync(join(tmp, 'work/out/shard-single'), { recursive: true });
    run([...single.map(mapPaths), '--max-steps', MAX_STEPS], { RPR_DATA_DIR: join(tmp, 'rpr-data-single') });
    const singleFile = join(tmp, 'work/out/shard-single/result.json');
    const one = JSON.parse(readFileSync(singleFile, 'utf8')) as Record<string, unknown>;

    expect(merged.n).toBe(1000);
    for (const key of ['n', 'robustRatio', 'robustRatioCI95', 'curve', 'perClassRobustRatio', 'perClassCount', 'accuracy', 'stepsSum', 'stepsHistogram']) expect(merged[key], key).toEqual(one[key]);
    expect((merged.curve as number[]).length).toBe(Number(MAX_STEPS));
    // a real run: some images survive, some are fooled, some are misclassified
    expect(merged.robustRatio as number).toBeGreaterThan(0);
    expect(merged.robustRatio as number).toBeLessThan(merged.accuracy as number);
    expect(merged.accuracy as number).toBeLessThan(1);

    const csv = (json: Record<string, unknown>) => readFileSync(json.scoresFile as string, 'utf8');
    const mergedCsv = csv(merged);
    expect(mergedCsv).toBe(csv(one));
    const lines = mergedCsv.trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,split,index,label,steps,robust,cleanPred,foolPred');
    expect(lines.length).toBe(1001);
    expect(lines[1].startsWith('train/0,train,0,')).toBe(true);
    const runMeta = JSON.parse(readFileSync(merged.runFile as string, 'utf8')) as { shard: unknown; maxSteps: number; split: string };
    expect(runMeta).toMatchObject({ shard: null, maxSteps: Number(MAX_STEPS), split: 'train' });
  }, 600_000);
});
