/**
 * Issue 9 through the UI, in Chromium over `rpr serve`: evaluating a model on its own training
 * split is refused with the sentence naming the split to use; a 2-seed, 2-policy experiment on
 * mnist-small runs from the Experiments view, shows its verdicts, summary and charts, and
 * exports the bundle, whose results.json passes the same checks as the CLI's.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExperimentResults } from '../helpers/experiment-checks';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { launchChromium, startServe, type Served } from '../helpers/serve';

const SHOTS = join(PROJECT_ROOT, 'test-results');

describe('experiments and the leak door in the browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  const errors: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rpr-e2e-exp-'));
    mkdirSync(SHOTS, { recursive: true });
    served = await startServe(join(tmp, 'workspace'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(served.url);
    await page.getByTestId('workspace-path').waitFor();
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('import-path').fill(MNIST_SMALL);
    await page.getByTestId('import-button').click();
    await page.getByTestId('dataset-item').first().waitFor({ timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('refuses to evaluate a model on the images it was trained on, naming the split to use', async () => {
    await page.getByTestId('nav-models').click();
    await expect.poll(() => page.getByTestId('train-dataset').inputValue()).not.toBe('');
    await page.getByTestId('train-arch').selectOption('mlp');
    await page.getByTestId('train-budget').selectOption('converge');
    await page.getByTestId('train-epochs').fill('2');
    await page.getByTestId('train-name').fill('M mlp');
    await page.getByTestId('train-button').click();
    await page.getByTestId('view-models').getByTestId('job-inline').and(page.locator('[data-status="done"]')).waitFor({ timeout: 120_000 });
    await page.getByTestId('model-item').first().click();
    await expect.poll(async () => (await page.getByTestId('model-lineage').textContent()) ?? '').toMatch(/split "train"/);
    await expect.poll(async () => (await page.getByTestId('model-budget').textContent()) ?? '').toMatch(/converge · \d+ epochs run · \d+ updates/);
    await page.getByTestId('eval-split').selectOption('train');
    await page.getByTestId('eval-button').click();
    const toast = page.getByTestId('toast').filter({ hasText: 'refused' });
    await toast.waitFor({ timeout: 30_000 });
    expect(await toast.textContent()).toMatch(/trained on split "train".*evaluate on split "test" instead/);
    await page.screenshot({ path: join(SHOTS, 'experiments-1-leak-refused.png') });
    await toast.getByRole('button', { name: 'Dismiss' }).click();
  }, 180_000);

  it('runs a 2-seed, 2-policy experiment, shows verdicts, summary and charts, and exports the bundle', async () => {
    await page.getByTestId('nav-experiments').click();
    await expect.poll(() => page.getByTestId('exp-dataset').inputValue()).not.toBe('');
    await page.getByTestId('exp-arch').selectOption('mlp');
    await page.getByTestId('exp-budget').selectOption('converge');
    await page.getByTestId('exp-max-epochs').fill('2');
    await page.getByTestId('exp-patience').fill('1');
    await page.getByTestId('exp-seeds').fill('2');
    await page.getByTestId('exp-max-steps').fill('8');
    await page.getByTestId('exp-policy-robust-all').check();
    await page.getByTestId('exp-per-class').fill('20');
    await page.getByTestId('exp-start').click();
    // stage-by-stage progress while it runs
    await page.getByTestId('exp-job').getByTestId('job-inline').waitFor({ timeout: 30_000 });
    await page.getByTestId('exp-detail').and(page.locator('[data-status="done"]')).waitFor({ timeout: 480_000 });
    expect(await page.getByTestId('exp-stages').textContent()).toBe('22/22');
    const verdicts = await page.getByTestId('exp-verdict').allTextContents();
    expect(verdicts).toHaveLength(2);
    expect(verdicts[0]).toMatch(/^paper (beats|loses to|does not beat|does not differ significantly from) its control/);
    expect(verdicts[1]).toMatch(/^robust-all /);
    expect(await page.getByTestId('exp-summary-row').count()).toBe(2);
    await expect.poll(() => page.getByTestId('exp-chart').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    await page.screenshot({ path: join(SHOTS, 'experiments-2-done.png'), fullPage: true });
    const out = join(tmp, 'bundle');
    await page.getByTestId('exp-export-path').fill(out);
    await page.getByTestId('exp-export-button').click();
    await expect.poll(() => existsSync(join(out, 'results.json')), { timeout: 30_000 }).toBe(true);
    for (const f of ['report.md', 'forest.svg', 'forest.png', 'per-class.png', 'curves-paper.png']) expect(existsSync(join(out, f))).toBe(true);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    checkExperimentResults(res, ['paper', 'robust-all'], [0, 1]);
    expect(res.verdicts).toEqual(verdicts);
    expect(errors).toEqual([]);
  }, 600_000);
});
