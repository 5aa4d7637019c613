// The renderer carries the server's classification of an error (its HTTP status over the
// loopback, `status` over IPC) and shows the caller the sentence; a page without a token makes no
// call at all, and one whose token is refused finds out with one call.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PreloadApi } from '../../src-main/contract';
import { checkAccess } from '../../src-renderer/src/api';
import { ClientError } from '../../src-renderer/src/api/errors';
import { createIpcClient } from '../../src-renderer/src/api/ipc';
import { createLoopbackClient } from '../../src-renderer/src/api/loopback';
import { useNotify } from '../../src-renderer/src/stores/notify';

const json = (body: unknown, status: number) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('errors in the renderer', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('a 404 over the loopback arrives with its status and its sentence reaches a toast', async () => {
    const fetch = vi.fn(async () => json({ ok: false, error: { name: 'WorkspaceError', message: '/ws: no dataset "ds_x" in this workspace', status: 404, kind: 'not-found' } }, 404));
    const c = createLoopbackClient({ baseUrl: 'http://h', token: 't', fetch: fetch as unknown as typeof globalThis.fetch });
    const err = (await c.call('datasets.get', { datasetId: 'ds_x' }).catch((e: unknown) => e)) as ClientError;
    expect(err).toBeInstanceOf(ClientError);
    expect([err.status, err.kind, err.message]).toEqual([404, 'WorkspaceError', '/ws: no dataset "ds_x" in this workspace']);
    expect(err.name).toBe('ClientError');
    const notify = useNotify();
    await notify.guard('open dataset', () => c.call('datasets.get', { datasetId: 'ds_x' }));
    expect(notify.toasts.map((t) => [t.kind, t.message])).toEqual([['error', 'open dataset: /ws: no dataset "ds_x" in this workspace']]);
  });

  it('IPC errors keep the status the main process gave them', async () => {
    const api: PreloadApi = { invoke: async () => ({ ok: false, error: { name: 'InputError', message: '/out: folder is not empty', status: 409, kind: 'conflict' } }), on: () => () => undefined };
    const err = (await createIpcClient(api).call('models.export', { modelId: 'm', path: '/out' }).catch((e: unknown) => e)) as ClientError;
    expect([err.status, err.message]).toEqual([409, '/out: folder is not empty']);
  });

  it('checkAccess: no token → no call; a refused token → one call; a good one → ok', async () => {
    const win = { sessionStorage: { removeItem: vi.fn() } } as unknown as Window;
    const none = vi.fn();
    expect(await checkAccess(createLoopbackClient({ baseUrl: 'http://h', token: '', fetch: none as unknown as typeof fetch }), win)).toBe('missing');
    expect(none).not.toHaveBeenCalled();
    const refused = vi.fn(async () => json({ ok: false, error: { name: 'Forbidden', message: 'missing or wrong token' } }, 401));
    expect(await checkAccess(createLoopbackClient({ baseUrl: 'http://h', token: 'old', fetch: refused as unknown as typeof fetch }), win)).toBe('refused');
    expect(refused).toHaveBeenCalledTimes(1);
    const good = vi.fn(async () => json({ ok: true, value: null }, 200));
    expect(await checkAccess(createLoopbackClient({ baseUrl: 'http://h', token: 'right', fetch: good as unknown as typeof fetch }), win)).toBe('ok');
    expect(await checkAccess(createIpcClient({ invoke: vi.fn(), on: () => () => undefined }), win)).toBe('ok');
  });
});
