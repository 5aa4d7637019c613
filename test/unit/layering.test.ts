/**
 * The layering of eslint.config.js (eslint/layers.js, eslint/plugin.js) holds, rule by rule:
 * for every layer, every other layer, package and built-in it may not import is proven to fail
 * lint, and everything it may import is proven to pass. The allow-list below is written out
 * here on purpose (not read from eslint/layers.js): it is the specification the config must meet.
 */
import { ESLint } from 'eslint';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/paths';

const eslint = new ESLint({ cwd: PROJECT_ROOT });
const LAYER_RULES = ['layers/allowed-imports', 'layers/no-dynamic-load'];

interface Spec { layers: string[]; packages: string[]; builtins: boolean }
const ALLOWED: Record<string, Spec> = {
  contract: { layers: ['contract'], packages: ['zod'], builtins: false },
  core: { layers: ['core', 'contract'], packages: ['fflate', 'jpeg-js'], builtins: false },
  engine: { layers: ['engine', 'core', 'contract'], packages: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node', 'onnx-proto'], builtins: true },
  store: { layers: ['store', 'core', 'contract'], packages: ['libsql'], builtins: true },
  services: { layers: ['services', 'store', 'core', 'contract', 'engine/pool', 'engine/protocol'], packages: [], builtins: true },
  transports: { layers: ['transports', 'services', 'core', 'contract'], packages: ['ws'], builtins: true },
  cli: { layers: ['cli', 'transports', 'services/index', 'services/errors', 'services/paths', 'core', 'contract', 'engine/hosts', 'engine/pool', 'engine/protocol'], packages: ['zod'], builtins: true },
  app: { layers: ['app', 'services', 'core', 'contract', 'engine/hosts', 'engine/pool', 'engine/protocol'], packages: ['electron'], builtins: true },
  preload: { layers: ['preload', 'contract'], packages: ['electron'], builtins: false },
  renderer: { layers: ['renderer', 'contract'], packages: ['vue', 'pinia', 'chart.js'], builtins: false },
};
const LAYERS = Object.keys(ALLOWED);
const PACKAGES = ['zod', 'fflate', 'jpeg-js', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node', 'onnx-proto', 'libsql', 'ws', 'electron', 'sharp', 'vue', 'pinia', 'chart.js'];
// the built-ins the old hand list missed, and one only reachable as node:
const BUILTINS = ['fs', 'node:fs', 'node:fs/promises', 'module', 'vm', 'node:perf_hooks', 'buffer', 'dns', 'node:test'];
// modules probed per layer: the whole layer, and for the engine and the services (the CLI's doors) each door and a module behind it
const MODULES: Record<string, string[]> = {
  contract: ['contract/types'], core: ['core/rng'], store: ['store/workspace', 'store/fsutil'], services: ['services/index', 'services/errors', 'services/scoring-service'],
  transports: ['transports/loopback'], cli: ['cli/shared'], app: ['app/ipc'], preload: ['preload/index'],
  engine: ['engine/jobs', 'engine/backend', 'engine/pool', 'engine/protocol', 'engine/hosts'], renderer: ['renderer'],
};

const probeFile = (layer: string): string => (layer === 'renderer' ? 'src-renderer/src/probe.ts' : `src-main/${layer}/probe.ts`);
const target = (module: string): string => (module === 'renderer' ? 'src-renderer/src/lib/gridIndex' : `src-main/${module}`);
const covers = (entry: string, module: string): boolean => module === entry || module.startsWith(`${entry}/`);

interface Msg { line: number; ruleId: string | null; message: string; severity: number }
async function lint(file: string, code: string): Promise<Msg[]> {
  const [r] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, file) });
  return r.messages.filter((m) => m.ruleId !== null && LAYER_RULES.includes(m.ruleId));
}

/** Lints one import per line; returns the specifiers whose line was reported. */
async function denied(file: string, specs: string[], form = (s: string) => `import '${s}';`): Promise<string[]> {
  const msgs = await lint(file, specs.map(form).join('\n'));
  return specs.filter((_, i) => msgs.some((m) => m.line === i + 1));
}

describe('layering: each layer imports only what it is allowed (an allow-list)', () => {
  it.each(LAYERS)('%s: every other layer\'s modules it may not import fail, the ones it may pass', async (layer) => {
    const file = probeFile(layer);
    const mods = LAYERS.flatMap((l) => MODULES[l]);
    const specs = mods.map((m) => {
      const rel = relative(dirname(file), target(m));
      return rel.startsWith('.') ? rel : `./${rel}`;
    });
    // the renderer imports contract values only from a few modules: probe layers with type imports
    const form = layer === 'renderer' ? (s: string) => `import type { X } from '${s}';` : undefined;
    const expected = specs.filter((_, i) => !ALLOWED[layer].layers.some((e) => covers(e, mods[i])));
    expect(expected.length).toBeGreaterThan(0);
    expect(await denied(file, specs, form)).toEqual(expected);
  });

  it.each(LAYERS)('%s: every package it may not import fails, the ones it may pass', async (layer) => {
    const expected = PACKAGES.filter((p) => !ALLOWED[layer].packages.includes(p));
    expect(await denied(probeFile(layer), PACKAGES)).toEqual(expected);
    // subpaths follow their package
    expect(await denied(probeFile(layer), ['chart.js/auto', '@tensorflow/tfjs-core/dist/ops'])).toEqual(layer === 'renderer' ? ['@tensorflow/tfjs-core/dist/ops'] : ['chart.js/auto', '@tensorflow/tfjs-core/dist/ops']);
  });

  it.each(LAYERS)('%s: Node built-ins (builtinModules, bare or node:) pass only where allowed', async (layer) => {
    // node:module is left to the dynamic-load rule (below)
    const specs = BUILTINS.filter((b) => b !== 'module');
    expect(await denied(probeFile(layer), specs)).toEqual(ALLOWED[layer].builtins ? [] : specs);
  });

  it('every import form is checked: import, type import, re-exports, import(), require, createRequire, import = require, typeof import()', async () => {
    const forms = [
      (s: string) => `import { a } from '${s}';`,
      (s: string) => `import type { A } from '${s}';`,
      (s: string) => `import { type A } from '${s}';`,
      (s: string) => `export { a } from '${s}';`,
      (s: string) => `export type { A } from '${s}';`,
      (s: string) => `export * from '${s}';`,
      (s: string) => `export const x = import('${s}');`,
      (s: string) => `export type T = typeof import('${s}');`,
      (s: string) => `import x = require('${s}');`,
      (s: string) => `export const y = require('${s}');`,
      (s: string) => `export const z = createRequire(import.meta.url)('${s}');`,
      (s: string) => `const req = createRequire(import.meta.url); export const w = req('${s}');`,
    ];
    for (const form of forms) {
      const msgs = await lint('src-main/core/probe.ts', form('../store/workspace'));
      expect(msgs.filter((m) => m.ruleId === 'layers/allowed-imports').map((m) => m.message), form('S')).toEqual([expect.stringMatching(/^core may not import '\.\.\/store\/workspace' \(store\/workspace, of the store layer\): core is pure/)]);
    }
  });

  it('the messages name the layer, the import and the reason', async () => {
    const [svc] = await lint('src-main/services/probe.ts', "import '../engine/jobs';");
    expect(svc.message).toBe("services may not import '../engine/jobs' (engine/jobs, of the engine layer): services reach the engine only through engine/pool and engine/protocol, and never touch Electron, a transport, TF.js or ONNX Runtime");
    const [tf] = await lint('src-main/services/probe.ts', "import '@tensorflow/tfjs';");
    expect(tf.message).toMatch(/^services may not import '@tensorflow\/tfjs' \(the package @tensorflow\/tfjs\)/);
    const [app] = await lint('src-main/app/probe.ts', "import '../engine/train';");
    expect(app.message).toMatch(/only through engine\/hosts, engine\/pool and engine\/protocol/);
  });

  it('a file of src-main in no layer folder fails', async () => {
    const msgs = await lint('src-main/probe.ts', 'export const x = 1;');
    expect(msgs.map((m) => m.message)).toEqual([expect.stringMatching(/is in src-main but in no layer/)]);
  });

  it('a .vue component of the renderer is checked too', async () => {
    const file = 'src-renderer/src/components/Probe.vue';
    const ok = "<script setup lang=\"ts\">\nimport { ref } from 'vue';\nimport type { DatasetSummary } from '../../../src-main/contract/types';\nconst x = ref<DatasetSummary | null>(null);\n</script>\n<template><div>{{ x }}</div></template>\n";
    expect(await lint(file, ok)).toEqual([]);
    const bad = "<script setup lang=\"ts\">\nimport { readFileSync } from 'node:fs';\nconst x = readFileSync;\n</script>\n<template><div>{{ x }}</div></template>\n";
    expect((await lint(file, bad)).map((m) => m.message)).toEqual([expect.stringMatching(/^renderer may not import 'node:fs'/)]);
  });
});

describe('layering: the renderer imports only types from the contract, values from its pure modules', () => {
  const file = 'src-renderer/src/probe.ts';
  it('values from contract/schemes, validate, frame, index-set and quantities pass; from any other contract module fail', async () => {
    const specs = ['schemes', 'validate', 'frame', 'index-set', 'quantities', 'calls', 'types', 'events', 'index'].map((m) => `../../src-main/contract/${m}`).concat('../../src-main/contract');
    const form = (s: string) => `import { x } from '${s}';`;
    expect(await denied(file, specs, form)).toEqual(specs.slice(5));
    const msgs = await lint(file, form('../../src-main/contract/calls'));
    expect(msgs[0].message).toMatch(/may import only types from '\.\.\/\.\.\/src-main\/contract\/calls' \(import type\)/);
  });
  it('type imports (import type, inline type specifiers) from any contract module pass', async () => {
    expect(await lint(file, "import type { A } from '../../src-main/contract/calls';\nimport { type B } from '../../src-main/contract';")).toEqual([]);
  });
});

describe('layering: code loads at run time only in engine/ and the native loader', () => {
  const loads = ["export const a = import('./x');", "require('x');", "import { createRequire } from 'node:module';", "import { createRequire } from 'module';", "import * as m from 'node:module';\nexport const c = m.createRequire(import.meta.url);", "export { createRequire } from 'node:module';", "export * from 'module';"];
  it.each(LAYERS.filter((l) => l !== 'engine'))('%s: import(), require, createRequire and node:module fail', async (layer) => {
    for (const code of loads) {
      const msgs = await lint(probeFile(layer), code);
      expect(msgs.filter((m) => m.ruleId === 'layers/no-dynamic-load').length, code).toBeGreaterThan(0);
    }
  });
  it('engine/ may load at run time (backends, ONNX Runtime)', async () => {
    const code = "import { createRequire } from 'node:module';\nexport const a = () => import('./backend');\nexport const b = () => createRequire(import.meta.url)('onnxruntime-node');\nexport const c = (p: string) => import(p);";
    expect(await lint('src-main/engine/onnx/probe.ts', code)).toEqual([]);
  });
  it('only services/native/sharp-loader.ts may load sharp; everyone else asks it', async () => {
    const loader = "import type S from 'sharp';\nimport { createRequire } from 'node:module';\nexport const x = createRequire(import.meta.url)('sharp') as typeof S;";
    expect(await lint('src-main/services/native/sharp-loader.ts', loader)).toEqual([]);
    for (const f of ['src-main/services/probe.ts', 'src-main/services/native/other-loader.ts', 'src-main/services/importers/probe.ts', 'src-main/engine/probe.ts', 'src-main/store/probe.ts', 'src-main/cli/probe.ts', 'src-main/core/probe.ts']) {
      expect((await lint(f, "import sharp from 'sharp';\nexport const x = sharp;")).length, f).toBe(1);
    }
    expect((await lint('src-main/engine/probe.ts', "export const x = () => import('sharp');")).map((m) => m.message)).toEqual([expect.stringMatching(/^engine may not import 'sharp'/)]);
    expect(await lint('src-main/services/importers/probe.ts', "import { loadSharp } from '../native/sharp-loader';\nexport const x = loadSharp;")).toEqual([]);
  });
});

describe('layering: every layering rule is an error', () => {
  it.each(LAYERS)('%s', async (layer) => {
    const config = (await eslint.calculateConfigForFile(join(PROJECT_ROOT, probeFile(layer)))) as { rules: Record<string, unknown> };
    for (const rule of LAYER_RULES) {
      const v = config.rules[rule];
      const severity = Array.isArray(v) ? v[0] : v;
      expect(severity === 2 || severity === 'error', `${rule}: ${JSON.stringify(v)}`).toBe(true);
    }
  });
});
