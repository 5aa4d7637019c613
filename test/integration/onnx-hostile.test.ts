/**
 * Hostile ONNX input: every `onnx` case of the corpus (truncated, corrupt, empty, unsupported
 * op, input shape that does not fit, 3 outputs for 10 classes, missing external data, two
 * inputs) fails with an InputError naming the file, through loadOnnxModel and through
 * `models.import`, registering nothing and leaving the workspace's files unchanged; mutated
 * bytes of a valid .onnx either load as that model or give an InputError, never anything else.
 */
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src-main/core/errors';
import { encodeIdx } from '../../src-main/core/idx';
import { loadOnnxModel } from '../../src-main/engine/onnx/model';
import { loadOrt } from '../../src-main/engine/onnx/runtime';
import { mulberry32 } from '../../src-main/engine/seeded';
import { createServices, type Services } from '../../src-main/services/index';
import { buildCorpus, HOSTILE_DIR, type HostileCase } from '../../scripts/make-hostile-fixtures';
import { makeTmpDir, removeDir } from '../helpers/fixtures';

const corpus = buildCorpus();
const cases = corpus.cases.filter((c) => c.via === 'onnx');
const shapeOf = (c: HostileCase) => ({ height: c.dataset?.height ?? 4, width: c.dataset?.width ?? 4, channels: (c.dataset?.channels ?? 1) as 1 | 3 });
const classesOf = (c: HostileCase) => c.dataset?.numClasses ?? 3;

let tmp: string;
beforeAll(async () => {
  loadOrt();
  tmp = await makeTmpDir('rpr-onnx-hostile-');
});
afterAll(() => removeDir(tmp));

describe('the ONNX hostile corpus', () => {
  it('holds the cases the issue names', () => {
    expect(cases.map((c) => c.path)).toEqual(expect.arrayContaining(['onnx/truncated', 'onnx/corrupt', 'onnx/unsupported-op', 'onnx/input-shape-mismatch', 'onnx/three-outputs']));
  });

  it.each(cases.map((c) => [c.path, c] as const))('%s fails with its error', async (_p, c) => {
    const file = join(HOSTILE_DIR, c.path, 'model.onnx');
    const err = await loadOnnxModel(file, { shape: shapeOf(c), numClasses: classesOf(c) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).toMatch(new RegExp(c.expect));
    expect(msg).toContain(file);
    expect(msg.length).toBeLessThan(1200);
  });

  it('fuzzed bytes of a valid .onnx load as the model or give an InputError', async () => {
    const seed = new Uint8Array(readFileSync(join(HOSTILE_DIR, 'seeds', 'onnx', 'tiny.onnx')));
    const rand = mulberry32(10);
    const dir = join(tmp, 'fuzz');
    mkdirSync(dir, { recursive: true });
    const failures: string[] = [];
    let refused = 0;
    for (let i = 0; i < 60; i++) {
      const b = Uint8Array.from(seed);
      const kind = i % 3;
      let out: Uint8Array = b;
      if (kind === 0) for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      else if (kind === 1) out = b.slice(0, Math.floor(rand() * b.length));
      else {
        const at = Math.floor(rand() * b.length);
        out = new Uint8Array([...b.slice(0, at), ...Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 256)), ...b.slice(at)]);
      }
      const file = join(dir, `case-${i}.onnx`);
      writeFileSync(file, out);
      try {
        const { session, info } = await loadOnnxModel(file, { shape: { height: 4, width: 4, channels: 1 }, numClasses: 3 });
        await session.release();
        if (info.numClasses !== 3) failures.push(`case ${i}: loaded with ${info.numClasses} classes`);
      } catch (e) {
        refused++;
        if (!(e instanceof InputError)) failures.push(`case ${i}: ${(e as Error)?.name}: ${(e as Error)?.message}`);
        else if (!(e as Error).message.includes(file)) failures.push(`case ${i}: message does not name the file: ${(e as Error).message}`);
      }
    }
    console.log(`[fuzz] onnx: 60 mutated graphs, ${refused} refused with an InputError`);
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(10);
  });
});

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isDirectory()) walk(p);
      // <split>.labels.u8 is the label cache splitSource writes the first time an engine job reads a split
      else if (!/^workspace\.db(-wal|-shm)?$/.test(rel) && !rel.endsWith('.labels.u8')) out[rel] = `${statSync(p).size}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(dir);
  return out;
}

/** An IDX dataset of 4x4 gray images in `k` classes (train and test). */
function tinyDataset(dir: string, k: number): string {
  mkdirSync(dir, { recursive: true });
  const n = 30;
  const px = Uint8Array.from({ length: n * 16 }, (_, i) => (i * 29) & 0xff);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % k);
  for (const p of ['train', 't10k']) {
    writeFileSync(join(dir, `${p}-images-idx3-ubyte`), encodeIdx([n, 4, 4], px));
    writeFileSync(join(dir, `${p}-labels-idx1-ubyte`), encodeIdx([n], labels));
  }
  return dir;
}

describe('hostile ONNX imports through the services', () => {
  let services: Services;
  const ids: Record<number, string> = {};
  beforeAll(async () => {
    services = createServices({ version: 'onnx-hostile', dataDir: join(tmp, 'data'), transport: 'loopback', workers: 1 });
    await services.call('workspace.open', { path: join(tmp, 'ws'), create: true });
    for (const k of [3, 10]) {
      const { jobId } = await services.call('datasets.import', { path: tinyDataset(join(tmp, `ds${k}`), k) });
      const job = await services.app.jobs.settle(jobId);
      ids[k] = (job.result as { id: string }).id;
    }
  }, 120_000);
  afterAll(() => services.app.close());

  it('models.import refuses every case: clear error naming the file, nothing registered, files unchanged', async () => {
    const wsDir = join(tmp, 'ws');
    const before = snapshot(wsDir);
    const failures: string[] = [];
    for (const c of cases) {
      const file = join(HOSTILE_DIR, c.path, 'model.onnx');
      const err = await services.call('models.import', { path: file, datasetId: ids[classesOf(c)] }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      if (!err) failures.push(`${c.path}: imported`);
      else if (!new RegExp(c.expect).test(err.message) || !err.message.includes(file)) failures.push(`${c.path}: ${err.message}`);
    }
    expect(failures).toEqual([]);
    expect(await services.call('models.list', {})).toEqual([]);
    expect(snapshot(wsDir)).toEqual(before);
  }, 120_000);

  it('the valid seed imports (sanity check on a sample included)', async () => {
    const m = await services.call('models.import', { path: join(HOSTILE_DIR, 'seeds', 'onnx', 'tiny.onnx'), datasetId: ids[3] });
    expect(m.format).toBe('onnx');
    expect(m.numClasses).toBe(3);
    expect((m.config as { sanity?: { count: number } }).sanity?.count).toBe(30);
    expect((m.config as { onnx?: { layout: string } }).onnx?.layout).toBe('flat');
  }, 60_000);
});
