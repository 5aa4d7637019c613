/** The job manager: one started and one finished event per job, throttled progress, cancel, persistence. */
import { describe, expect, it } from 'vitest';
import type { JobInfo, JobProgress } from '../../src-main/contract/types';
import { CancelledError } from '../../src-main/core/errors';
import { EventBus } from '../../src-main/services/events';
import { JobManager, type ResumeSpec } from '../../src-main/services/jobs';

function setup() {
  const events = new EventBus();
  let now = 0;
  const seen: { event: string; payload: unknown }[] = [];
  events.onAny((event, payload) => seen.push({ event, payload }));
  const persisted: { info: JobInfo; resume?: ResumeSpec }[] = [];
  const jobs = new JobManager(events, () => now, 100, (info, resume) => persisted.push({ info, resume }));
  return { jobs, seen, persisted, tick: (ms: number) => (now += ms) };
}

describe('JobManager', () => {
  it('streams throttled progress with rate and ETA, always the last one, then one finished event', async () => {
    const { jobs, seen, tick } = setup();
    const { jobId, done } = jobs.start('import', 'Import x', async (ctx) => {
      for (let i = 1; i <= 10; i++) {
        tick(30);
        ctx.progress(i, 10, { unit: 'files' });
      }
      return 'ok';
    });
    expect(await done).toBe('ok');
    const info = await jobs.settle(jobId);
    expect(info).toMatchObject({ status: 'done', result: 'ok', kind: 'import' });
    const progress = seen.filter((e) => e.event === 'job.progress').map((e) => e.payload as JobProgress);
    expect(progress.length).toBeLessThan(10);
    expect(progress.at(-1)).toMatchObject({ done: 10, total: 10, unit: 'files', etaMs: 0 });
    expect(progress[0].rate).toBeGreaterThan(0);
    expect(seen.filter((e) => e.event === 'job.started')).toHaveLength(1);
    expect(seen.filter((e) => e.event === 'job.finished')).toHaveLength(1);
  });

  it('uses the ETA the work reports when it knows better', async () => {
    const { jobs, seen, tick } = setup();
    const { done } = jobs.start('score', 'Score', async (ctx) => {
      tick(500);
      ctx.progress(1, 10, { unit: 'images', etaMs: 123_000 });
    });
    await done;
    expect((seen.find((e) => e.event === 'job.progress')?.payload as JobProgress).etaMs).toBe(123_000);
  });

  it('cancels through the signal and reports failures with their message', async () => {
    const { jobs } = setup();
    const a = jobs.start('score', 'Long', async (ctx) => {
      await new Promise((r) => setTimeout(r, 5));
      if (ctx.signal.aborted) throw new CancelledError();
    });
    expect(jobs.cancel(a.jobId)).toBe(true);
    expect((await jobs.settle(a.jobId)).status).toBe('cancelled');
    expect(jobs.cancel(a.jobId)).toBe(false);
    const b = jobs.start('train', 'Bad', async () => {
      throw new Error('training diverged: loss is NaN at epoch 1 batch 3');
    });
    expect(await jobs.settle(b.jobId)).toMatchObject({ status: 'failed', error: 'training diverged: loss is NaN at epoch 1 batch 3' });
  });

  it('persists a running job with how to resume it, then its end', async () => {
    const { jobs, persisted } = setup();
    const resume = { call: 'scoring.resume', input: { runId: 'run_1' } };
    const { jobId } = jobs.start('score', 'Score', async () => 1, resume);
    await jobs.settle(jobId);
    expect(persisted.map((p) => p.info.status)).toEqual(['running', 'done']);
    expect(persisted[0].resume).toEqual(resume);
  });
});
