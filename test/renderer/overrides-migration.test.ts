/**
 * Curation drafts that older versions kept in the browser's localStorage move into the
 * workspace once (overrides per split, rules per run), then leave localStorage; drafts of
 * runs this workspace does not know stay, and unreadable ones are reported and kept.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setClient } from '../../src-renderer/src/api';
import { useCuration } from '../../src-renderer/src/stores/curation';
import { useNotify } from '../../src-renderer/src/stores/notify';
import { fakeWorkspaceClient, flush, makeRun } from './fakes';

function setup() {
  setActivePinia(createPinia());
  const client = fakeWorkspaceClient();
  client.handlers['scoring.get'] = (i) => {
    if (i.runId === 'gone') throw new Error('no scoring run "gone" in this workspace');
    return makeRun(i.runId);
  };
  setClient(client);
  return client;
}

describe('localStorage drafts → workspace', () => {
  beforeEach(() => localStorage.clear());

  it('moves each draft into the workspace once, then removes it from localStorage', async () => {
    const client = setup();
    const rules = { minSteps: 40, balance: { mode: 'per-class', n: 3 }, seed: 7 };
    localStorage.setItem('rpr.curation.draft.run1', JSON.stringify({ rules, overrides: { 3: 'exclude', 4: 'exclude', 9: 'include' }, savedAt: 'x' }));
    localStorage.setItem('rpr.curation.draft.gone', JSON.stringify({ overrides: { 1: 'exclude' } }));
    localStorage.setItem('rpr.curation.draft.bad', '{not json');
    localStorage.setItem('unrelated', 'keep');
    const c = useCuration();
    await c.init();
    expect(client.overrides.list('ds1', 'test')).toEqual([{ index: 3, mode: 'exclude' }, { index: 4, mode: 'exclude' }, { index: 9, mode: 'include' }]);
    expect(client.overrides.state('ds1', 'test').rules.run1).toEqual(rules);
    expect(localStorage.getItem('rpr.curation.draft.run1')).toBeNull();
    // another workspace's run stays for that workspace; an unreadable draft is reported and kept
    expect(localStorage.getItem('rpr.curation.draft.gone')).not.toBeNull();
    expect(localStorage.getItem('rpr.curation.draft.bad')).toBe('{not json');
    expect(localStorage.getItem('unrelated')).toBe('keep');
    expect(useNotify().toasts.map((n) => n.message).join('\n')).toMatch(/draft of run bad .*unreadable/);

    // opening the run shows what moved, read from the workspace
    c.selectRun('run1');
    await flush(10);
    expect(c.overrideList).toEqual([{ index: 3, mode: 'exclude' }, { index: 4, mode: 'exclude' }, { index: 9, mode: 'include' }]);
    expect(c.rules).toEqual(rules);

    // once: a second start (another store instance) migrates nothing more
    const edits = client.calls.filter((x) => x.name === 'curation.editOverrides').length;
    setActivePinia(createPinia());
    await useCuration().init();
    expect(client.calls.filter((x) => x.name === 'curation.editOverrides').length).toBe(edits);
    // edits never write localStorage again
    c.override([12], 'exclude');
    await flush(10);
    expect(Object.keys(localStorage).filter((k) => k.startsWith('rpr.curation.draft.')).sort()).toEqual(['rpr.curation.draft.bad', 'rpr.curation.draft.gone']);
    expect(client.overrides.list('ds1', 'test').map((o) => o.index)).toEqual([3, 4, 9, 12]);
  });
});
