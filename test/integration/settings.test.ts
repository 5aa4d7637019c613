/** Forcing the engine backend from the app: saved in settings.json, refused when unavailable. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src-main/services/index';

describe('engine settings', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rpr-settings-'));
  const opened: Services[] = [];
  const make = () => {
    const s = createServices({ version: 't', dataDir, transport: 'loopback' });
    opened.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of opened) await s.app.close();
  });

  it('reports the best backend with the reasons the better ones are missing', async () => {
    const info = await make().call('system.info', {});
    expect(['onnxruntime', 'tensorflow', 'wasm', 'cpu']).toContain(info.backend.name);
    if (info.backend.name === 'onnxruntime') expect(info.backend).toMatchObject({ executionProvider: 'cpu', tfjsBackend: expect.stringMatching(/tensorflow|wasm|cpu/) });
    expect(info.backend.forced).toBe(false);
    if (info.backend.name !== 'tensorflow') expect(info.backend.unavailable.tensorflow).toMatch(/tfjs-node/);
  });

  it('forces cpu with one worker, persists it, and a new session picks it up', async () => {
    const s = make();
    const b = await s.call('system.setEngine', { backend: 'cpu', workers: 1 });
    expect(b).toMatchObject({ name: 'cpu', forced: true, workers: 1 });
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toEqual({ backend: 'cpu', workers: 1 });
    const again = await make().call('system.info', {});
    expect(again.backend).toMatchObject({ name: 'cpu', forced: true, workers: 1 });
  });

  it('refuses a backend that cannot start and keeps the previous settings', async () => {
    const s = make();
    const info = await s.call('system.info', {});
    if (info.backend.name === 'tensorflow' || !info.backend.unavailable.tensorflow) return; // tfjs-node installed here
    await expect(s.call('system.setEngine', { backend: 'tensorflow' })).rejects.toThrow(/cannot switch the engine to tensorflow: .*tfjs-node/);
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toEqual({ backend: 'cpu', workers: 1 });
    expect((await s.call('system.info', {})).backend.name).toBe('cpu');
    const auto = await s.call('system.setEngine', { backend: 'auto' });
    expect(auto.forced).toBe(false);
  });
});
