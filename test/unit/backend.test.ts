/**
 * The backend ladder on this machine: tfjs-node is not installable here, so auto picks wasm
 * and says why tensorflow was skipped; forcing works or fails clearly; the wasm files are
 * found from the sources and from a bundled file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BackendUnavailableError, currentBackend, describeLoadError, getTf, initBackend, wasmDistFolder } from '../../src-main/engine/backend';

const tf = getTf();
const root = resolve(__dirname, '../..');
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('initBackend', () => {
  it('importing the module initialises nothing', () => {
    expect(currentBackend()).toBeNull();
    expect(tf.getBackend()).toBeFalsy();
  });

  it('runs onnxruntime (cpu) for inference, falls through tensorflow to wasm for TF.js here, saying why, and is idempotent', async () => {
    const first = initBackend();
    expect(initBackend()).toBe(first);
    const info = await first;
    expect(info.name).toBe('onnxruntime');
    expect(info.executionProvider).toBe('cpu');
    expect(info.tfjsBackend).toBe('wasm');
    expect(info.unavailable.onnxruntime).toBeUndefined();
    expect(info.forced).toBe(false);
    expect(info.workers).toBe(1);
    expect(info.unavailable.tensorflow).toMatch(/@tensorflow\/tfjs-node-gpu not installed/);
    expect(info.unavailable.tensorflow).toMatch(/@tensorflow\/tfjs-node not installed/);
    expect(info.unavailable.wasm).toBeUndefined();
    expect(tf.getBackend()).toBe('wasm');
    expect(currentBackend()).toEqual(info);
    expect(await initBackend()).toEqual(info);
    // the training kernels came with it
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.tidy(() => Array.from(tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync()))).toEqual([4, 6]);
  });

  it('forces cpu, then back to the ladder', async () => {
    const cpu = await initBackend({ force: 'cpu' });
    expect(cpu).toEqual({ name: 'cpu', unavailable: {}, forced: true, workers: 1 });
    expect(tf.getBackend()).toBe('cpu');
    expect(currentBackend()?.name).toBe('cpu');
    const auto = await initBackend();
    expect(auto.name).toBe('onnxruntime');
    expect(auto.tfjsBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const wasm = await initBackend({ force: 'wasm' });
    expect(wasm).toMatchObject({ name: 'wasm', forced: true });
  });

  it('forces onnxruntime with a provider in its own field; an absent provider is a clear error', async () => {
    const o = await initBackend({ force: 'onnxruntime', executionProvider: 'cpu' });
    expect(o).toMatchObject({ name: 'onnxruntime', executionProvider: 'cpu', tfjsBackend: 'wasm', forced: true });
    const err = await initBackend({ force: 'onnxruntime', executionProvider: 'cuda' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/backend "onnxruntime" was requested but is unavailable: execution provider "cuda" is not available .*available: cpu/);
  });

  it('forcing an unavailable backend is a clear error', async () => {
    const err = await initBackend({ force: 'tensorflow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/backend "tensorflow" was requested but is unavailable: .*tfjs-node not installed/);
    expect(tf.getBackend()).toBe('wasm');
    await expect(initBackend({ force: 'webgpu' as never })).rejects.toThrow(/unknown backend "webgpu"/);
  });

  it('tells a missing package from one that fails to load', () => {
    const missing = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(describeLoadError('@tensorflow/tfjs-node', missing)).toBe('@tensorflow/tfjs-node not installed');
    const broken = Object.assign(new Error('libtensorflow.so.2: cannot open shared object file\nstack'), { code: 'ERR_DLOPEN_FAILED' });
    expect(describeLoadError('@tensorflow/tfjs-node', broken)).toBe('@tensorflow/tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file');
  });

  it('finds the .wasm files next to the package entry', () => {
    const dir = wasmDistFolder();
    expect(dir.endsWith('/')).toBe(true);
    expect(existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
    expect(existsSync(join(dir, 'tfjs-backend-wasm.wasm'))).toBe(true);
  });

  it('works from a bundled file (as in out/main), not only from the sources', async () => {
    const { build } = await import('vite');
    // a folder outside the sources whose node_modules is the project's, like out/main
    const dir = mkdtempSync(join(tmpdir(), 'rpr-backend-bundle-'));
    temps.push(dir);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const outDir = join(dir, 'main');
    await build({
      configFile: false,
      logLevel: 'silent',
      root,
      build: {
        ssr: join(root, 'src-main/engine/backend.ts'),
        outDir,
        emptyOutDir: true,
        minify: false,
        rolldownOptions: { external: [/^@tensorflow\//], output: { format: 'es', entryFileNames: 'backend.mjs' } },
      },
    });
    const script = `import(${JSON.stringify(join(outDir, 'backend.mjs'))}).then((m) => m.initBackend()).then((i) => console.log('INFO' + JSON.stringify(i)))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: dir });
    const line = stdout.split('\n').find((l) => l.startsWith('INFO'));
    // onnxruntime-node (bundled into the file here, loaded by createRequire) and wasm beside it
    expect(JSON.parse(line!.slice(4))).toMatchObject({ name: 'onnxruntime', executionProvider: 'cpu', tfjsBackend: 'wasm', forced: false, workers: 1 });
  });
});
