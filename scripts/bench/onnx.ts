/**
 * `npm run bench -- onnx`: ONNX Runtime against TF.js wasm on full MNIST test, for paper-cnn and
 * classic-cnn. Per network: ONNX Runtime's raw predict of the straightforward export (NCHW
 * input, no transposes; batch 1024, default threads, in this process), RPR predictions/s of
 * `rpr score` on onnxruntime and on wasm (default workers, each in a fresh workspace, start-up
 * included: predictions / elapsedMs from --json), the ratios, and a workers × threads grid.
 * Models: bench-results/model-<arch> when present, else trained here on mnist-small.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type * as tf from '@tensorflow/tfjs';
import { convertLayersModel } from '../../src-main/engine/onnx/convert';
import { encodeModel } from '../../src-main/engine/onnx/proto';
import { loadModel } from '../../src-main/engine/model-io';
import { readIdxImages } from './onnx-data';

interface Ctx {
  root: string;
  out: string;
  data: string;
  small: string;
  env: NodeJS.ProcessEnv;
}

function rpr(c: Ctx, args: string[], label: string, env = c.env): { ms: number; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(c.root, 'bin/rpr.mjs'), ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${label}: rpr ${args.join(' ')} exited with ${r.status}\n${r.stderr}`);
  return { ms, stderr: r.stderr };
}

/** ORT raw predict of the exported graph: batch 1024, default (or given) intra-op threads. */
async function rawPredict(onnxBytes: Uint8Array, images: Float32Array, count: number, threads?: number): Promise<number> {
  const session = await ort.InferenceSession.create(onnxBytes, threads ? { intraOpNumThreads: threads } : {});
  const batch = 1024;
  const per = 784;
  const run = (s: number) => session.run({ input: new ort.Tensor('float32', images.subarray(s * per, (s + batch) * per), [batch, 1, 28, 28]) });
  await run(0);
  const total = 50 * batch;
  const t0 = performance.now();
  for (let done = 0, at = 0; done < total; done += batch, at = (at + batch) % (count - batch)) await run(at);
  const ms = performance.now() - t0;
  await session.release();
  return (total / ms) * 1000;
}

interface ScoreOut {
  predictions: number;
  elapsedMs: number;
  backend: string;
  executionProvider?: string;
  workers: number;
  n: number;
}

function score(c: Ctx, name: string, model: string, steps: number, extra: string[], env = c.env): ScoreOut & { rate: number; wallMs: number } {
  const ws = join(c.out, `ws-onnx-${name}`);
  const file = join(c.out, `onnx-${name}.json`);
  rmSync(ws, { recursive: true, force: true });
  rmSync(file, { force: true });
  const { ms } = rpr(c, ['score', '--data', c.data, '--split', 'test', '--model', model, '--max-steps', String(steps), '--k', '28', '--seed', '0', '--workspace', ws, '--json', file, ...extra], `score ${name}`, env);
  const s = JSON.parse(readFileSync(file, 'utf8')) as ScoreOut;
  return { ...s, rate: (s.predictions / s.elapsedMs) * 1000, wallMs: ms };
}

export async function onnxStage(c: Ctx): Promise<Record<string, unknown>> {
  const cores = availableParallelism();
  const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim();
  console.log(`machine: ${cores} cores, load average ${load} (shared machine: figures are noisy)`);
  const testImages = readIdxImages(c.data);
  const unit = Float32Array.from(testImages.data, (v) => v / 255);
  const results: Record<string, unknown> = { cores, loadavg: load };
  // calibration: once, in this bench's data dir, reported (the runs after it use it)
  const calEnv = { ...c.env, RPR_CALIBRATE: '1' };
  rmSync(join(c.env.RPR_DATA_DIR as string, 'settings.json'), { force: true });
  for (const arch of ['paper-cnn', 'classic-cnn'] as const) {
    let dir = join(c.out, `model-${arch}`);
    if (!existsSync(join(dir, 'model.json'))) {
      dir = join(c.out, `model-${arch}-small`);
      if (!existsSync(join(dir, 'model.json'))) rpr(c, ['train', '--data', c.small, '--arch', arch, '--epochs', '6', '--seed', '0', '--out', dir, '--workspace', join(c.out, 'ws-onnx-train')], `train ${arch}`);
    }
    const modelJson = join(dir, 'model.json');
    const steps = Number(process.env[`BENCH_ONNX_STEPS_${arch === 'paper-cnn' ? 'PAPER' : 'CLASSIC'}`] ?? (arch === 'paper-cnn' ? 250 : 100));
    // the straightforward export: the app's converter (NCHW input, no transposes)
    const { model } = await loadModel(modelJson);
    const bytes = encodeModel(convertLayersModel(model as tf.LayersModel));
    model.dispose();
    const onnxFile = join(c.out, `${arch}.onnx`);
    writeFileSync(onnxFile, bytes);
    const raw = await rawPredict(bytes, unit, testImages.count);
    const raw1 = await rawPredict(bytes, unit, testImages.count, 1);
    console.log(`\n${arch} (${dir.endsWith('-small') ? 'trained here on mnist-small' : 'bench model'}; ${steps} steps, k 28, full MNIST test)`);
    console.log(`  ORT raw predict, batch 1024: ${Math.round(raw)} images/s default threads, ${Math.round(raw1)} on 1 thread`);
    let cal = '';
    if (arch === 'paper-cnn') {
      const r = rpr(c, ['score', '--data', c.small, '--split', 'test', '--model', modelJson, '--max-steps', '5', '--workspace', join(c.out, 'ws-onnx-calibrate')], 'calibrate', calEnv);
      cal = r.stderr.split('\n').find((l) => l.includes('calibration:')) ?? 'no calibration line';
      console.log(`  ${cal.trim()} (${(r.ms / 1000).toFixed(1)} s, calibration and a 500-image score included)`);
    }
    const o = score(c, `${arch}-ort`, modelJson, steps, ['--backend', 'onnxruntime'], calEnv);
    const w = score(c, `${arch}-wasm`, modelJson, steps, ['--backend', 'wasm']);
    console.log(`  RPR onnxruntime (${o.executionProvider ?? '?'}, ${o.workers} workers): ${Math.round(o.rate)} predictions/s (${o.predictions} predictions, ${(o.elapsedMs / 1000).toFixed(1)} s, start-up included) = ${(o.rate / raw).toFixed(2)}× ORT raw`);
    console.log(`  RPR wasm (${w.workers} workers): ${Math.round(w.rate)} predictions/s (${(w.elapsedMs / 1000).toFixed(1)} s) → onnxruntime / wasm = ${(o.rate / w.rate).toFixed(2)}×`);
    const grid: { workers: number; threads: number; rate: number }[] = [];
    for (let wk = 1; wk <= cores; wk++) {
      for (let t = 1; t * wk <= Math.max(2, cores); t++) {
        const g = score(c, `${arch}-grid-w${wk}t${t}`, modelJson, steps, ['--backend', 'onnxruntime', '--workers', String(wk), '--threads', String(t)]);
        grid.push({ workers: wk, threads: t, rate: g.rate });
        console.log(`  grid ${wk} worker(s) × ${t} thread(s): ${Math.round(g.rate)} predictions/s`);
      }
    }
    results[arch] = { steps, rawOrtImagesPerSec: raw, rawOrt1ThreadImagesPerSec: raw1, calibration: cal || undefined, ort: o, wasm: w, ortOverRaw: o.rate / raw, ortOverWasm: o.rate / w.rate, grid };
  }
  return results;
}
