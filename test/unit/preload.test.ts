/** The preload exposes the contract's two functions (and the drop-path helper), never ipcRenderer. */
import { describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
const invoke = vi.fn(async (..._a: unknown[]) => ({ ok: true, value: 1 }));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (k: string, v: unknown) => void (exposed[k] = v) },
  ipcRenderer: {
    invoke: (...a: unknown[]) => invoke(...a),
    on: (ch: string, f: (...a: unknown[]) => void) => void (listeners.get(ch) ?? listeners.set(ch, new Set()).get(ch)!).add(f),
    removeListener: (ch: string, f: (...a: unknown[]) => void) => void listeners.get(ch)?.delete(f),
  },
  webUtils: { getPathForFile: () => '/dropped/path' },
}));

describe('preload', () => {
  it('exposes window.rpr with invoke, on (returning unsubscribe) and pathForFile only', async () => {
    await import('../../src-main/preload/index');
    expect(Object.keys(exposed)).toEqual(['rpr']);
    const api = exposed.rpr as { invoke: (n: string, i: unknown) => Promise<unknown>; on: (e: string, f: (p: unknown) => void) => () => void; pathForFile: (f: unknown) => string };
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on', 'pathForFile']);
    await api.invoke('datasets.list', {});
    expect(invoke).toHaveBeenCalledWith('rpr:call', 'datasets.list', {});

    const got: unknown[] = [];
    const off = api.on('job.progress', (p) => got.push(p));
    const fire = (msg: unknown) => listeners.get('rpr:event')?.forEach((f) => f({}, msg));
    fire({ event: 'job.progress', payload: { done: 1 } });
    fire({ event: 'job.finished', payload: { x: 1 } });
    expect(got).toEqual([{ done: 1 }]);
    off();
    fire({ event: 'job.progress', payload: { done: 2 } });
    expect(got).toEqual([{ done: 1 }]);
    expect(listeners.get('rpr:event')?.size).toBe(0);
    expect(api.pathForFile({})).toBe('/dropped/path');
  });
});
