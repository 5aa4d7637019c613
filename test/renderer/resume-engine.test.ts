/** The interrupted-jobs banner and the engine settings control, against the memory client. */
import { beforeEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { BackendInfo, JobInfo } from '../../src-main/contract';
import { setClient } from '../../src-renderer/src/api';
import { createMemoryClient } from '../../src-renderer/src/api/memory';
import InterruptedJobs from '../../src-renderer/src/components/InterruptedJobs.vue';
import EngineSettings from '../../src-renderer/src/components/EngineSettings.vue';
import { useJobs } from '../../src-renderer/src/stores/jobs';
import { useSystem } from '../../src-renderer/src/stores/system';
import { flush } from './fakes';

const wasm: BackendInfo = { name: 'wasm', unavailable: { tensorflow: '@tensorflow/tfjs-node not installed' }, forced: false, workers: 2 };

describe('interrupted jobs', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('lists them, resumes one (tracking the new job) and dismisses another', async () => {
    let left: JobInfo[] = [
      { id: 'job_a', kind: 'score', title: 'Score train (paper, 250 steps, seed 0)', status: 'running', createdAt: '2026-01-01T00:00:00Z', resumable: true },
      { id: 'job_b', kind: 'export', title: 'Export robust v1 as idx', status: 'running', createdAt: '2026-01-01T00:00:00Z', resumable: true },
    ];
    const client = createMemoryClient({
      'jobs.interrupted': () => left,
      'jobs.resume': ({ jobId }) => {
        left = left.filter((j) => j.id !== jobId);
        return { jobId: 'job_new' };
      },
      'jobs.dismiss': ({ jobId }) => {
        left = left.filter((j) => j.id !== jobId);
        return { dismissed: true };
      },
    });
    setClient(client);
    const jobs = useJobs();
    await jobs.loadInterrupted();
    const w = mount(InterruptedJobs, { global: { plugins: [] } });
    await flush();
    expect(w.findAll('[data-testid="interrupted-job"]').map((li) => li.attributes('data-kind'))).toEqual(['score', 'export']);
    await w.findAll('[data-testid="interrupted-resume"]')[0].trigger('click');
    await flush();
    expect(client.calls.find((c) => c.name === 'jobs.resume')?.input).toEqual({ jobId: 'job_a' });
    expect(jobs.jobs.job_new?.title).toBe('Score train (paper, 250 steps, seed 0)');
    await w.find('[data-testid="interrupted-dismiss"]').trigger('click');
    await flush();
    expect(client.calls.find((c) => c.name === 'jobs.dismiss')?.input).toEqual({ jobId: 'job_b' });
    expect(w.find('[data-testid="interrupted-jobs"]').exists()).toBe(false);
  });
});

describe('engine settings', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('shows why better backends are missing and applies a forced backend and worker count', async () => {
    const client = createMemoryClient({
      'system.info': () => ({ version: 't', backend: wasm, dataDir: '/d', transport: 'loopback' }),
      'system.setEngine': ({ backend, workers }) => ({ name: backend === 'auto' ? 'wasm' : backend, unavailable: wasm.unavailable, forced: backend !== 'auto', workers: workers ?? 2 }) as BackendInfo,
    });
    setClient(client);
    const system = useSystem();
    await system.load();
    const w = mount(EngineSettings);
    await flush();
    expect(w.text()).toContain('tensorflow: @tensorflow/tfjs-node not installed');
    await w.find('[data-testid="engine-backend"]').setValue('cpu');
    await w.find('[data-testid="engine-workers"]').setValue('1');
    await w.find('form').trigger('submit');
    await flush();
    expect(client.calls.find((c) => c.name === 'system.setEngine')?.input).toEqual({ backend: 'cpu', workers: 1, executionProvider: null });
    expect(system.info?.backend).toMatchObject({ name: 'cpu', forced: true, workers: 1 });
  });
});
