import { describe, expect, it } from 'vitest';
import { liveInit } from '../../src-renderer/src/stores/live';
import { useOverrideEdits } from '../../src-renderer/src/stores/curation-edits';

describe('liveInit: subscribe once, seed on every init', () => {
  it('subscribes on the first call only and seeds after subscribing, every time', async () => {
    const log: string[] = [];
    const init = liveInit(
      () => {
        log.push('subscribe');
        return [() => log.push('unsubscribed')];
      },
      async () => {
        log.push('seed');
      },
    );
    await init();
    await init();
    await init();
    expect(log).toEqual(['subscribe', 'seed', 'seed', 'seed']);
  });

  it('passes a failed seed to the caller and still seeds again on the next init', async () => {
    let n = 0;
    let subs = 0;
    const init = liveInit(
      () => {
        subs++;
        return [];
      },
      async () => {
        if (++n === 1) throw new Error('workspace closed');
      },
    );
    await expect(init()).rejects.toThrow('workspace closed');
    await init();
    expect([subs, n]).toEqual([1, 2]);
  });
});

describe('useOverrideEdits: overrides with undo, each edit saying what to store', () => {
  it('an edit returns only the images that change; undo returns their previous modes', () => {
    const e = useOverrideEdits();
    expect(e.set([3, 1, 3], 'exclude')).toEqual({ 1: 'exclude', 3: 'exclude' });
    expect(e.set([1, 2], 'include')).toEqual({ 1: 'include', 2: 'include' });
    expect(e.set([2], 'include')).toBeNull(); // nothing changes: no undo step
    expect(e.overrideList.value).toEqual([{ index: 1, mode: 'include' }, { index: 2, mode: 'include' }, { index: 3, mode: 'exclude' }]);
    expect(e.canUndo.value).toBe(true);
    expect(e.undo()).toEqual({ 1: 'exclude', 2: null });
    expect(e.overrideList.value).toEqual([{ index: 1, mode: 'exclude' }, { index: 3, mode: 'exclude' }]);
    expect(e.set([3], null)).toEqual({ 3: null });
    expect(e.undo()).toEqual({ 3: 'exclude' });
    expect(e.undo()).toEqual({ 1: null, 3: null });
    expect(e.undo()).toBeNull();
    expect(e.canUndo.value).toBe(false);
    expect(e.overrideList.value).toEqual([]);
  });

  it('replace gives the difference to store and clears the history; load and reset store nothing', () => {
    const e = useOverrideEdits();
    e.load({ 4: 'exclude', 5: 'include' });
    expect(e.canUndo.value).toBe(false);
    e.set([6], 'include');
    expect(e.replace([{ index: 5, mode: 'include' }, { index: 6, mode: 'exclude' }, { index: 7, mode: 'include' }])).toEqual({ 4: null, 6: 'exclude', 7: 'include' });
    expect(e.canUndo.value).toBe(false);
    expect(e.overrideList.value.map((o) => o.index)).toEqual([5, 6, 7]);
    e.reset();
    expect(e.overrideList.value).toEqual([]);
    expect(e.undo()).toBeNull();
  });
});
