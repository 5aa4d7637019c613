/**
 * The `scale-import` bench stage (issue 11): generates a seeded 1,000,000-image 28×28 IDX set and
 * a 200,000-image 32×32 RGB set in CIFAR-10 binary format into a temp folder (never committed),
 * plus a seeded 200,000-row 28×28 CSV with a label column (make-csv-set.ts), then
 * imports each through the CLI and prints wall time and peak RSS of the CLI process (worker
 * threads included: they share the process). With RPR_BENCH_SCORE=1 it also scores the 1M set
 * (`rpr score --max-steps 10`) and samples the process's RSS over time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCifar200k, makeMnist1m } from './make-scale-sets';
import { makeCsv200k } from './make-csv-set';

export interface BenchEnv {
  root: string;
  out: string;
  data: string;
  env: NodeJS.ProcessEnv;
}

interface Measured {
  wallMs: number;
  peakRssMb: number;
  stdout: string;
  /** [seconds since start, RSS MB] */
  rss: [number, number][];
}

/** Runs `rpr args`, sampling /proc/<pid>/status (VmRSS, VmHWM) every `everyMs`. */
function measure(b: BenchEnv, args: string[], everyMs = 500): Promise<Measured> {
  return new Promise((resolveP, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(b.root, 'bin/rpr.mjs'), ...args], { env: b.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const rss: [number, number][] = [];
    let hwm = 0;
    const sample = () => {
      try {
        const st = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
        hwm = Math.max(hwm, kb('VmHWM'));
        rss.push([(performance.now() - t0) / 1000, kb('VmRSS') / 1024]);
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, everyMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`rpr ${args.join(' ')} exited with ${code}`));
      else resolveP({ wallMs: performance.now() - t0, peakRssMb: hwm / 1024, stdout, rss });
    });
  });
}

export async function scaleImport(b: BenchEnv): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'rpr-scale-'));
  const result: Record<string, unknown> = {};
  try {
    let t = performance.now();
    makeMnist1m(b.data, join(tmp, 'mnist1m'));
    console.log(`generated 1,000,000 28x28 IDX images in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    makeCifar200k(b.data, join(tmp, 'cifar200k'));
    console.log(`generated 200,000 32x32 RGB CIFAR-format images in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    for (const set of ['mnist1m', 'cifar200k']) {
      const ws = join(tmp, `ws-${set}`);
      const m = await measure(b, ['import', join(tmp, set), '--workspace', ws]);
      process.stdout.write(m.stdout);
      console.log(`import ${set}: ${(m.wallMs / 1000).toFixed(1)} s wall, peak RSS ${m.peakRssMb.toFixed(0)} MB (CLI process incl. worker threads)`);
      result[`import-${set}`] = { wallMs: m.wallMs, peakRssMb: m.peakRssMb };
    }
    // the CSV importer streams: a seeded 200,000-row 28x28 CSV with a label column (~400 MB)
    t = performance.now();
    const csvFile = join(tmp, 'csv200k', 'train.csv');
    const csvBytes = makeCsv200k(b.data, csvFile);
    console.log(`generated a 200,000-row 28x28 CSV (${(csvBytes / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const mc = await measure(b, ['import', csvFile, '--workspace', join(tmp, 'ws-csv200k')]);
    process.stdout.write(mc.stdout);
    console.log(`import csv200k: ${(mc.wallMs / 1000).toFixed(1)} s wall, peak RSS ${mc.peakRssMb.toFixed(0)} MB (CLI process incl. worker threads)`);
    result['import-csv200k'] = { wallMs: mc.wallMs, peakRssMb: mc.peakRssMb, bytes: csvBytes };
    if (process.env.RPR_BENCH_SCORE === '1') {
      const model = join(b.out, 'model-paper-cnn', 'model.json');
      if (!existsSync(model)) {
        console.log('training a paper-cnn on MNIST for the scoring run (1 epoch)');
        const r = spawnSync(process.execPath, [join(b.root, 'bin/rpr.mjs'), 'train', '--data', b.data, '--arch', 'paper-cnn', '--epochs', '1', '--seed', '0', '--out', join(b.out, 'model-paper-cnn'), '--workspace', join(tmp, 'ws-train')], { env: b.env, stdio: 'inherit' });
        if (r.status !== 0) throw new Error('training the bench model failed');
      }
      const ws = join(tmp, 'ws-mnist1m');
      const m = await measure(b, ['score', '--data', join(tmp, 'mnist1m'), '--split', 'train', '--model', model, '--scheme', 'paper', '--max-steps', '10', '--seed', '0', '--workspace', ws, '--json', join(tmp, 'score1m', 'score.json')], 5000);
      process.stdout.write(m.stdout);
      const curve = m.rss.filter((_, i) => i % 6 === 0).map(([s, mb]) => `${s.toFixed(0)}s:${mb.toFixed(0)}`).join(' ');
      console.log(`score 1M --max-steps 10: ${(m.wallMs / 1000).toFixed(0)} s wall, peak RSS ${m.peakRssMb.toFixed(0)} MB; RSS over time (MB): ${curve}`);
      result['score-mnist1m'] = { wallMs: m.wallMs, peakRssMb: m.peakRssMb, rss: m.rss };
    }
    writeFileSync(join(b.out, 'scale-import.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
