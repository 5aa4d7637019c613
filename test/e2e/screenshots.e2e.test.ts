/**
 * Every view at 1440×900, light and dark, in Chromium over `rpr serve` (issue 12 acceptance):
 * screenshots go to test-results/view-<view>-<theme>.png (never committed). On the way, what a
 * user sees at that size is checked: the original-vs-fooling pair is in view without scrolling
 * in the detail panel, an error toast never covers a control, the engine ⚙ popover closes on
 * Escape and on navigation, and the training charts plot only loss and accuracy.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { launchChromium, startServe, type Served } from '../helpers/serve';

const SHOTS = join(PROJECT_ROOT, 'test-results');
const VIEWPORT = { width: 1440, height: 900 };
const VIEWS = ['datasets', 'explore', 'models', 'score', 'curate', 'compare'] as const;

describe('each view at 1440×900, light and dark', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  const pageErrors: string[] = [];
  /** the scored test split's run (done), explored below */
  let testRunId = '';
  const text = async (testid: string) => ((await page.getByTestId(testid).first().textContent()) ?? '').trim();

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rpr-e2e-shots-'));
    mkdirSync(SHOTS, { recursive: true });
    served = await startServe(join(tmp, 'workspace'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: VIEWPORT });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(served.url);
    await page.getByTestId('workspace-path').waitFor();
    // a small workspace built through the UI, so that no test below needs another to have run:
    // mnist-small (selected after import), a model, a scored test split, a curated set
    await page.getByTestId('import-path').fill(MNIST_SMALL);
    await page.getByTestId('import-button').click();
    await page.getByTestId('dataset-item').first().waitFor({ timeout: 60_000 });
    // the imported dataset is the selected one
    await vi.waitFor(async () => expect(await page.getByTestId('dataset-item').first().getAttribute('aria-pressed')).toBe('true'));
    expect(await text('summary-total')).toBe('1500');

    await page.getByTestId('nav-models').click();
    await page.getByTestId('train-arch').selectOption('mlp');
    await page.getByTestId('train-epochs').fill('2');
    await page.getByTestId('train-name').fill('M mlp');
    await page.getByTestId('train-button').click();
    const job = page.getByTestId('view-models').getByTestId('job-inline');
    await vi.waitFor(async () => expect(await job.getAttribute('data-status')).toBe('done'), { timeout: 180_000, interval: 500 });
    // item 1: loss and accuracy only, against real-valued epochs
    expect(await page.getByTestId('train-loss-chart').getAttribute('data-series')).toBe('loss,val loss');
    expect(await page.getByTestId('train-acc-chart').getAttribute('data-series')).toBe('accuracy,val accuracy');
    const xs = ((await page.getByTestId('train-acc-chart').getAttribute('data-x')) ?? '').split(',').map(Number);
    expect(xs.length).toBeGreaterThan(1);
    expect(xs.every((x) => x > 0 && x <= 2)).toBe(true);
    expect(await text('train-last')).toMatch(/^epoch 2\/2 · loss \d\.\d{4} · accuracy \d+\.\d\d% · val loss \d\.\d{4} · val accuracy \d+\.\d\d%$/);

    await page.getByTestId('nav-score').click();
    await page.getByTestId('score-split').selectOption('test');
    await page.getByTestId('score-maxsteps').fill('20');
    await page.getByTestId('score-button').click();
    await vi.waitFor(async () => expect(await page.locator('[data-testid="run-item"][data-status="done"]').count()).toBe(1), { timeout: 240_000, interval: 500 });
    testRunId = (await page.getByTestId('run-item').first().getAttribute('data-id')) ?? '';

    await page.getByTestId('nav-curate').click();
    await page.getByTestId('curate-run').selectOption(testRunId);
    await page.getByTestId('curate-balance').selectOption('equalize');
    await vi.waitFor(async () => expect(Number((await text('curate-total')).replace(/\D/g, '') || 0)).toBeGreaterThan(0));
    await page.getByTestId('curate-name').fill('robust-equalized');
    await page.getByTestId('curate-save').click();
    await vi.waitFor(async () => expect(await text('export-set-name')).toMatch(/^Set: “robust-equalized” v1 · \d+ images$/));
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('moves the Runs table with the job bar, and shows a cancelled run as cancelled', async () => {
    await page.getByTestId('nav-score').click();
    await page.getByTestId('score-split').selectOption('train');
    // long enough to be caught running: ONNX Runtime scores 1000 images × 250 steps in about a second
    await page.getByTestId('score-maxsteps').fill('5000');
    await page.getByTestId('score-button').click();
    const bar = page.getByTestId('job').first();
    const doneOf = (t: string | null | undefined) => Number(t?.match(/(\d+)\/1000/)?.[1] ?? -1);
    await expect.poll(async () => doneOf(await bar.textContent()), { timeout: 120_000, interval: 200 }).toBeGreaterThan(0);
    // the bar and the running row, read in one go: the row is never behind the bar
    const samples: { bar: number; row: number }[] = [];
    for (let i = 0; i < 12; i++) {
      samples.push(
        await page.evaluate(() => {
          const b = document.querySelector('[data-testid="job"]')?.textContent ?? '';
          const r = [...document.querySelectorAll('[data-testid="run-item"]')].find((x) => x.getAttribute('data-status') === 'running')?.textContent ?? '';
          const n = (t: string) => Number(t.match(/(\d+)\/1000/)?.[1] ?? -1);
          return { bar: n(b), row: n(r) };
        }),
      );
      await page.waitForTimeout(250);
    }
    const both = samples.filter((x) => x.bar >= 0 && x.row >= 0);
    expect(both.length).toBeGreaterThan(0);
    for (const x of both) expect(x.row, JSON.stringify(samples)).toBeGreaterThanOrEqual(x.bar);
    await bar.getByTestId('job-cancel').click();
    const cancelled = page.locator('[data-testid="run-item"][data-status="cancelled"]');
    await expect.poll(() => cancelled.count(), { timeout: 30_000 }).toBe(1);
    expect(await cancelled.locator('td').allTextContents()).toContain('cancelled');
    await expect.poll(() => page.locator('[data-testid="toast"][data-kind="info"]').allTextContents()).toContainEqual(expect.stringMatching(/cancelled/));
    expect(await page.locator('[data-testid="toast"][data-kind="success"]').allTextContents()).not.toContainEqual(expect.stringMatching(/^Score train.*done/));
  }, 240_000);

  it('closes the engine ⚙ popover on Escape and on navigation', async () => {
    const settings = page.getByTestId('engine-settings');
    const isOpen = () => settings.evaluate((d) => (d as HTMLDetailsElement).open);
    await settings.locator('summary').click();
    expect(await isOpen()).toBe(true);
    await page.keyboard.press('Escape');
    expect(await isOpen()).toBe(false);
    await settings.locator('summary').click();
    expect(await isOpen()).toBe(true);
    await page.getByTestId('nav-explore').click();
    expect(await isOpen()).toBe(false);
  });

  it('docks an error toast where it covers no control', async () => {
    await page.getByTestId('nav-models').click();
    const full = join(tmp, 'not-empty');
    mkdirSync(full, { recursive: true });
    writeFileSync(join(full, 'keep.txt'), 'mine');
    await page.getByTestId('export-model-path').fill(full);
    await page.getByTestId('export-model-button').click();
    const toast = page.locator('[data-testid="toast"][data-kind="error"]').first();
    await toast.waitFor();
    const overlaps = await page.evaluate(() => {
      const t = document.querySelector('[data-testid="toast"][data-kind="error"]')!.getBoundingClientRect();
      const hits: string[] = [];
      for (const el of document.querySelectorAll('main button, main input, main select, main a, footer button, footer summary')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.left < t.right && r.right > t.left && r.top < t.bottom && r.bottom > t.top) hits.push((el as HTMLElement).dataset.testid ?? el.tagName);
      }
      // and what the toast covers is not under it: the point at its centre is the toast itself
      const atCentre = document.elementFromPoint((t.left + t.right) / 2, (t.top + t.bottom) / 2);
      return { hits, onTop: !!atCentre?.closest('[data-testid="toast"]') };
    });
    expect(overlaps).toEqual({ hits: [], onTop: true });
    await page.screenshot({ path: join(SHOTS, 'view-models-error-toast.png') });
    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => page.locator('[data-testid="toast"][data-kind="error"]').count()).toBe(0);
    await page.getByTestId('export-model-path').fill('');
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`shows every view in ${theme}`, async () => {
      await page.emulateMedia({ colorScheme: theme });
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      for (const view of VIEWS) {
        await page.getByTestId(`nav-${view}`).click();
        await page.getByTestId(`view-${view}`).waitFor();
        if (view === 'explore') {
          await page.getByTestId('explore-run').selectOption(testRunId);
          await page.getByTestId('run-charts').waitFor();
          await page.getByTestId('filter-robust').selectOption('no');
          await page.getByTestId('filter-misclassified').selectOption('no');
          await page.getByTestId('cell').first().click();
          const pair = page.getByTestId('detail-fooling').locator('canvas[role="img"]');
          await expect.poll(() => pair.count(), { timeout: 30_000 }).toBe(2);
          // item 16: the original-vs-fooling pair is in view at 1440×900 without scrolling
          for (const box of await pair.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect))) {
            expect(box.top).toBeGreaterThanOrEqual(0);
            expect(box.bottom).toBeLessThanOrEqual(VIEWPORT.height);
          }
          expect(await page.getByTestId('detail-bound-help').getAttribute('title')).toMatch(/^Upper bound/);
        }
        if (view === 'models') await page.getByTestId('model-item').first().click();
        if (view === 'compare') {
          await page.locator('[data-testid^="compare-model-"]').first().check();
          await page.getByTestId('compare-button').click();
          await page.getByTestId('compare-table').waitFor();
        }
        await page.screenshot({ path: join(SHOTS, `view-${view}-${theme}.png`) });
      }
    }, 180_000);
  }

  it('saw no page error and no error toast but the one it provoked', async () => {
    expect(pageErrors).toEqual([]);
    expect(await page.locator('[data-testid="toast"][data-kind="error"]').count()).toBe(0);
  });
});
