/**
 * Issue 12, item 13: the contract's scheme table (what forms, the contract and the CLI use) agrees
 * with core's rules; the door refuses what the forms refuse, in words, never a raw schema message.
 */
import { describe, expect, it } from 'vitest';
import { calls, parseCall } from '../../src-main/contract/calls';
import { schemeDefaults, schemeParamProblems, schemeSpecs } from '../../src-main/contract/schemes';
import { LIMITS, numberProblem } from '../../src-main/contract/validate';
import { coreSchemeDefaults, schemeNames, schemes } from '../../src-main/core/perturb/index';
import type { ImageShape } from '../../src-main/contract/types';

const SHAPES: ImageShape[] = [
  { height: 28, width: 28, channels: 1 },
  { height: 32, width: 32, channels: 3 },
  { height: 4, width: 4, channels: 1 },
  { height: 5, width: 9, channels: 1 },
  { height: 224, width: 224, channels: 3 },
];

describe('contract scheme table vs core rules', () => {
  it.each(SHAPES)('same schemes, keys and defaults, ranges within core, for %o', (shape) => {
    const table = schemeSpecs(shape);
    expect(table.map((s) => s.name).sort()).toEqual([...schemeNames].sort());
    for (const s of table) {
      const rules = schemes[s.name].rules(shape);
      expect(s.params.map((p) => p.key).sort(), s.name).toEqual(Object.keys(rules).sort());
      expect(schemeDefaults(s.name, shape), s.name).toEqual(coreSchemeDefaults(s.name, shape));
      for (const p of s.params) {
        const r = rules[p.key];
        const where = `${s.name}.${p.key} at ${shape.height}x${shape.width}`;
        expect(!!p.integer, where).toBe(!!r.integer);
        expect(p.max, where).toBe(r.max);
        // the door may be stricter below (k = 0 and a 0-pixel patch perturb nothing), never looser
        expect(p.min, where).toBeGreaterThanOrEqual(r.min);
        expect(p.def, where).toBeGreaterThanOrEqual(p.min);
        expect(p.def, where).toBeLessThanOrEqual(p.max);
      }
    }
  });

  it('the drift the issue found is gone: blur σ up to 100, occlusion default min(H,W)/4', () => {
    const blur = schemeSpecs({ height: 28, width: 28, channels: 1 }).find((s) => s.name === 'blur')!;
    expect(blur.params.map((p) => p.max)).toEqual([100, 100]);
    expect(schemeDefaults('occlusion', { height: 64, width: 48, channels: 3 }).size).toBe(12);
  });
});

describe('form rules in words', () => {
  it('says what is wrong with a typed number', () => {
    expect(numberProblem('k', '', { min: 1, max: 784, integer: true })).toBe('k is empty: enter a whole number from 1 to 784.');
    expect(numberProblem('k', 0, { min: 1, max: 784, integer: true })).toBe('k must be at least 1 (got 0).');
    expect(numberProblem('k', 2.5, { min: 1, max: 784, integer: true })).toBe('k must be a whole number (got 2.5).');
    expect(numberProblem('Max steps', 100001, LIMITS.maxSteps)).toBe('Max steps must be at most 100000 (got 100001).');
    expect(numberProblem('Max steps', 250, LIMITS.maxSteps)).toBeNull();
    expect(schemeParamProblems({ name: 'pixels', params: { k: 20 } }, { height: 4, width: 4, channels: 1 })).toEqual({ k: 'k must be at most 16 (got 20) for 4×4 images.' });
  });
});

describe('the contract door', () => {
  const start = (over: Record<string, unknown>) => ({ modelId: 'm', datasetId: 'd', split: 'test', ...over });
  const message = (name: string, input: unknown): string => {
    try {
      parseCall(name, input);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };

  it('refuses k = 0 and an empty k or max steps with a sentence, never a raw zod message', () => {
    const k0 = message('scoring.start', start({ scheme: { name: 'paper', params: { k: 0 } } }));
    expect(k0).toBe('invalid input for scoring.start: k must be at least 1 (got 0).');
    const emptyK = message('scoring.start', start({ scheme: { name: 'paper', params: { k: '' } } }));
    expect(emptyK).not.toMatch(/Invalid input|expected number|received/);
    expect(emptyK).toContain('scheme parameter k: must be a number');
    const emptySteps = message('scoring.start', start({ maxSteps: '' }));
    expect(emptySteps).toBe('invalid input for scoring.start: max steps: must be a number (the field is empty or holds something else)');
    expect(message('scoring.start', start({ maxSteps: 0 }))).toBe('invalid input for scoring.start: max steps: must be at least 1');
    expect(message('scoring.preview', { datasetId: 'd', split: 'test', index: 0, seed: 0, steps: [1], scheme: { name: 'occlusion', params: { size: 0 } } })).toContain('patch side must be at least 1 (got 0).');
    expect(message('models.train', { datasetId: 'd', arch: 'mlp', epochs: 0, seed: 0 })).toBe('invalid input for models.train: epochs: must be at least 1');
  });

  it('uses the limits the forms use', () => {
    const ok = (name: keyof typeof calls, input: unknown) => calls[name].safeParse(input).success;
    for (const [field, rule] of [['maxSteps', LIMITS.maxSteps], ['seed', LIMITS.seed]] as const) {
      expect(ok('scoring.start', start({ [field]: rule.min })), field).toBe(true);
      expect(ok('scoring.start', start({ [field]: rule.max })), field).toBe(true);
      expect(ok('scoring.start', start({ [field]: rule.min - 1 })), field).toBe(false);
      expect(ok('scoring.start', start({ [field]: rule.max + 1 })), field).toBe(false);
    }
    const train = (over: Record<string, unknown>) => ({ datasetId: 'd', arch: 'mlp', epochs: 1, seed: 0, ...over });
    for (const [field, rule] of [['epochs', LIMITS.epochs], ['validationShare', LIMITS.validationShare], ['earlyStoppingPatience', LIMITS.patience]] as const) {
      expect(ok('models.train', train({ [field]: rule.min })), field).toBe(true);
      expect(ok('models.train', train({ [field]: rule.max })), field).toBe(true);
      expect(ok('models.train', train({ [field]: rule.min - 1 })), field).toBe(false);
      expect(ok('models.train', train({ [field]: rule.max + 0.5 })), field).toBe(false);
    }
  });
});
