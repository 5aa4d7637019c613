/**
 * ONNX models through the built `rpr`: a graph exported the way PyTorch exports (NCHW input,
 * logits) and a flat-input MLP with softmax output score with no flag beyond --model; they
 * are the same classifier (nearest class centroid of mnist-small's training images), so their
 * per-image steps are identical. Weights in an external data file import with the model; a
 * wrong class map trips the sanity warning; a broken .onnx is a clear error and registers
 * nothing. Fixtures are generated here with the app's protobuf writer (no Python).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel } from '../../src-main/engine/onnx/proto';
import { flatMlpSpec, pytorchCnnSpec, writeOnnx } from '../helpers/onnx-fixtures';
import { MNIST_SMALL } from '../helpers/paths';
import { runRpr, type Ran } from '../helpers/cli';
import { ensureBuilt } from '../helpers/serve';

let tmp: string;
let env: NodeJS.ProcessEnv;
const at = (...p: string[]) => join(tmp, ...p);

const rpr = (...args: string[]): Promise<Ran> => runRpr(args, { cwd: tmp, env });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (p: string): any => JSON.parse(readFileSync(p, 'utf8'));
const stepsOf = (csv: string): string[] =>
  readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').slice(0, 4).join(','));

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'rpr-onnx-cli-'));
  env = { ...process.env, RPR_DATA_DIR: at('data'), RPR_CALIBRATE: '0' };
  writeOnnx(at('torch.onnx'), pytorchCnnSpec(MNIST_SMALL));
  writeOnnx(at('mlp.onnx'), flatMlpSpec(MNIST_SMALL));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('rpr with ONNX models', () => {
  it('scores a PyTorch-style NCHW logits graph and a flat softmax MLP with only --model; same steps', async () => {
    const a = await rpr('score', '--data', MNIST_SMALL, '--model', at('torch.onnx'), '--max-steps', '30', '--workspace', at('ws'), '--json', at('a', 'a.json'));
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/input input\.1 \[\?, 1, 28, 28\] \(NCHW\), output logits \[\?, 10\]/);
    expect(a.stderr).toMatch(/sanity check: clean accuracy [6-9]\d\.\d% on 500 test images/);
    const ja = json(at('a', 'a.json'));
    expect(ja.backend).toBe('onnxruntime');
    expect(ja.executionProvider).toBe('cpu');
    expect(ja.accuracy).toBeGreaterThan(0.6);
    expect(json(at('a', 'run.json')).executionProvider).toBe('cpu');

    const b = await rpr('score', '--data', MNIST_SMALL, '--model', at('mlp.onnx'), '--max-steps', '30', '--workspace', at('ws'), '--json', at('b', 'b.json'));
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/input x \[\?, 784\] \(FLAT\), output probs \[\?, 10\]/);
    expect(json(at('b', 'b.json')).backend).toBe('onnxruntime');
    expect(stepsOf(at('b', 'b-scores.csv'))).toEqual(stepsOf(at('a', 'a-scores.csv')));
  }, 240_000);

  it('import-model copies external data with the graph; a wrong class map warns near chance', async () => {
    const spec = pytorchCnnSpec(MNIST_SMALL);
    const fc = spec.weights.find((w) => w.name === 'fc.weight');
    if (!fc) throw new Error('fixture without fc.weight');
    fc.external = { location: 'torch.onnx.data', offset: 0 };
    const dir = mkdtempSync(join(tmp, 'ext-'));
    writeFileSync(join(dir, 'big.onnx'), encodeModel(spec));
    writeFileSync(join(dir, 'torch.onnx.data'), new Uint8Array(fc.data.buffer, fc.data.byteOffset, fc.data.byteLength));
    const r = await rpr('import-model', join(dir, 'big.onnx'), '--data', MNIST_SMALL, '--workspace', at('ws2'), '--json', at('m.json'));
    expect(r.code, r.stderr).toBe(0);
    const m = json(at('m.json'));
    expect(m.format).toBe('onnx');
    expect(readdirSync(join(m.path, '..')).sort()).toEqual(['big.onnx', 'rpr.json', 'torch.onnx.data']);
    expect(m.metrics.sampleAccuracy).toBeGreaterThan(0.6);

    const shifted = await rpr('import-model', at('torch.onnx'), '--data', MNIST_SMALL, '--class-map', '1,2,3,4,5,6,7,8,9,0', '--workspace', at('ws2'), '--json', at('m2.json'));
    expect(shifted.code, shifted.stderr).toBe(0);
    expect(shifted.stderr).toMatch(/WARNING: clean accuracy on 500 test images is \d+\.\d%, near chance \(10\.0%\)/);
    expect(json(at('m2.json')).config.onnx.classMap).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
  }, 240_000);

  it('a truncated .onnx is a clear error naming the file, and nothing is registered', async () => {
    const bytes = readFileSync(at('torch.onnx'));
    writeFileSync(at('cut.onnx'), bytes.subarray(0, bytes.length >> 1));
    const r = await rpr('import-model', at('cut.onnx'), '--data', MNIST_SMALL, '--workspace', at('ws3'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(at('cut.onnx'));
    expect(r.stderr).toMatch(/not a readable ONNX model/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
    const models = existsSync(at('ws3', 'models')) ? readdirSync(at('ws3', 'models')) : [];
    expect(models).toEqual([]);
  }, 120_000);
});
