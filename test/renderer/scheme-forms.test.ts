/**
 * Issue 13, item 2: the renderer's scheme forms agree with core's parameter specs
 * (src-main/core/perturb/*) for every scheme: the same schemes, the same parameters, core's
 * defaults as the fields' first values, core's maxima, and minima never below core's (the form
 * may be stricter: k = 0 or a 0-pixel patch perturbs nothing).
 */
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { ImageShape } from '../../src-main/contract';
import { schemeNames, schemes } from '../../src-main/core/perturb/index';
import { setClient } from '../../src-renderer/src/api';
import { SCHEMES, defaultParams, schemesFor } from '../../src-renderer/src/lib/schemes';
import { useDatasets } from '../../src-renderer/src/stores/datasets';
import { useJobs } from '../../src-renderer/src/stores/jobs';
import { useModels } from '../../src-renderer/src/stores/models';
import { useScoring } from '../../src-renderer/src/stores/scoring';
import ScoreView from '../../src-renderer/src/views/ScoreView.vue';
import { fakeWorkspaceClient, flush } from './fakes';

const SHAPES: ImageShape[] = [
  { height: 4, width: 4, channels: 1 },
  { height: 28, width: 28, channels: 1 },
  { height: 32, width: 48, channels: 3 },
];

describe("the renderer's scheme table vs core's parameter specs", () => {
  it('lists every core scheme, no more', () => {
    expect(SCHEMES.map((s) => s.name).sort()).toEqual([...schemeNames].sort());
  });

  it.each(SHAPES)('same parameters, defaults and limits for %o', (shape) => {
    for (const s of schemesFor(shape)) {
      const rules = schemes[s.name].rules(shape);
      expect(s.params.map((p) => p.key).sort(), s.name).toEqual(Object.keys(rules).sort());
      expect(defaultParams(s.name, shape), s.name).toEqual(schemes[s.name].defaults(shape));
      for (const p of s.params) {
        const where = `${s.name}.${p.key}`;
        expect(p.max, where).toBe(rules[p.key].max);
        expect(p.min, where).toBeGreaterThanOrEqual(rules[p.key].min);
        expect(!!p.integer, where).toBe(!!rules[p.key].integer);
      }
    }
  });
});

describe('the Score form shows what core specifies, for every scheme', () => {
  it.each(SHAPES)('fields, first values, min and max of each parameter, images %o', async (shape) => {
    const pinia = createPinia();
    setActivePinia(pinia);
    const client = fakeWorkspaceClient();
    client.dataset.shape = shape;
    setClient(client);
    await useJobs().init();
    await Promise.all([useDatasets().init(), useModels().init(), useScoring().init()]);
    const w = mount(ScoreView, { global: { plugins: [pinia] } });
    await flush();
    const select = w.find('[data-testid="score-scheme"]');
    const offered = select.findAll('option').map((o) => o.attributes('value'));
    expect([...offered].sort()).toEqual([...schemeNames].sort());
    for (const name of schemeNames) {
      await select.setValue(name);
      await flush();
      const rules = schemes[name].rules(shape);
      const defaults = schemes[name].defaults(shape);
      const inputs = w.findAll('input[data-testid^="score-param-"]');
      const keys = inputs.map((i) => i.attributes('data-testid')!.replace('score-param-', ''));
      expect(keys.sort(), name).toEqual(Object.keys(rules).sort());
      for (const input of inputs) {
        const key = input.attributes('data-testid')!.replace('score-param-', '');
        const where = `${name}.${key}`;
        expect(Number((input.element as HTMLInputElement).value), where).toBe(defaults[key]);
        expect(Number(input.attributes('max')), where).toBe(rules[key].max);
        expect(Number(input.attributes('min')), where).toBeGreaterThanOrEqual(rules[key].min);
      }
      expect(w.find('[data-testid^="score-error-"]').exists(), name).toBe(false);
    }
    w.unmount();
  });
});
