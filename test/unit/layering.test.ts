/** The layering rules of eslint.config.js hold: pure core, renderer sees only contract types. */
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/paths';

const eslint = new ESLint({ cwd: PROJECT_ROOT });

async function restricted(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, file) });
  return r.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('import layering', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", 'node:fs'],
    ["import { readFileSync } from 'fs';", 'fs'],
    ["import { app } from 'electron';", 'electron'],
    ["import * as tf from '@tensorflow/tfjs';", 'TF.js'],
    ["import Database from 'libsql';", 'libsql'],
    ["import { openWorkspace } from '../store/workspace';", 'the store'],
  ])('core may not import %s', async (code) => {
    const msgs = await restricted('src-main/core/probe.ts', `${code}\nexport const x = 1;`);
    expect(msgs.join('\n')).toMatch(/core is pure/);
  });

  it('core may import other core modules and contract types', async () => {
    expect(await restricted('src-main/core/probe.ts', "import { streamFor } from './rng';\nimport type { ImageShape } from '../contract/types';\nexport const x: ImageShape | null = null; export const y = streamFor;")).toEqual([]);
  });

  it('the engine, store and services may not import electron', async () => {
    for (const f of ['src-main/engine/probe.ts', 'src-main/store/probe.ts', 'src-main/services/probe.ts', 'src-main/cli/probe.ts']) {
      expect((await restricted(f, "import { app } from 'electron';\nexport const x = app;")).length).toBe(1);
    }
  });

  it('the renderer may import only types from the contract', async () => {
    const file = 'src-renderer/src/probe.ts';
    expect(await restricted(file, "import type { DatasetSummary } from '../../src-main/contract/types';\nexport const x: DatasetSummary | null = null;")).toEqual([]);
    expect((await restricted(file, "import { calls } from '../../src-main/contract/calls';\nexport const x = calls;")).join()).toMatch(/only types/);
    expect((await restricted(file, "import { streamFor } from '../../src-main/core/rng';\nexport const x = streamFor;")).join()).toMatch(/only the contract/);
    expect((await restricted(file, "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;")).join()).toMatch(/browser sandbox/);
  });

  it('the renderer may import the values of the contract\'s pure schemes and validate modules (issue 12)', async () => {
    const file = 'src-renderer/src/probe.ts';
    expect(await restricted(file, "import { schemeSpecs } from '../../src-main/contract/schemes';\nimport { numberProblem } from '../../src-main/contract/validate';\nexport const x = [schemeSpecs, numberProblem];")).toEqual([]);
  });

  it('the contract imports nothing but zod and itself', async () => {
    expect((await restricted('src-main/contract/probe.ts', "import { openWorkspace } from '../store/workspace';\nexport const x = openWorkspace;")).length).toBe(1);
    expect(await restricted('src-main/contract/probe.ts', "import { z } from 'zod';\nimport type { EventName } from './events';\nexport const x = z; export type E = EventName;")).toEqual([]);
  });
});

describe('sharp loads in one place', () => {
  async function sharpErrors(file: string, code: string): Promise<string[]> {
    const [r] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, file) });
    return r.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
  }

  it('no module but services/native/sharp-loader.ts may import or require sharp', async () => {
    for (const f of ['src-main/services/probe.ts', 'src-main/services/importers/probe.ts', 'src-main/engine/probe.ts', 'src-main/store/probe.ts', 'src-main/cli/probe.ts', 'src-main/core/probe.ts']) {
      expect((await sharpErrors(f, "import sharp from 'sharp';\nexport const x = sharp;")).length, f).toBeGreaterThan(0);
    }
    expect((await sharpErrors('src-main/services/probe.ts', "export const x = () => import('sharp');")).join()).toMatch(/sharp-loader/);
    expect((await sharpErrors('src-main/services/probe.ts', "import { createRequire } from 'node:module';\nexport const x = createRequire(import.meta.url)('sharp');")).join()).toMatch(/sharp-loader/);
    expect(await sharpErrors('src-main/services/native/sharp-loader.ts', "import type S from 'sharp';\nimport { createRequire } from 'node:module';\nexport const x = createRequire(import.meta.url)('sharp') as typeof S;")).toEqual([]);
    expect(await sharpErrors('src-main/services/importers/probe.ts', "import { loadSharp } from '../native/sharp-loader';\nexport const x = loadSharp;")).toEqual([]);
  });
});
