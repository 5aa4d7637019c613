/**
 * End to end over the loopback transport: `rpr serve` on a fresh workspace, the real
 * renderer in Debian Chromium, import mnist-small through the UI, check the grid and the
 * histogram against the IDX files, filter by a label, save a screenshot (test-results/).
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { launchChromium, startServe, type Served } from '../helpers/serve';

function labels(file: string): number[] {
  return [...gunzipSync(readFileSync(join(MNIST_SMALL, file))).subarray(8)];
}

describe('datasets and grid in the browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const trainLabels = labels('train-labels-idx1-ubyte.gz');
  const testLabels = labels('t10k-labels-idx1-ubyte.gz');

  beforeAll(async () => {
    const ws = mkdtempSync(join(tmpdir(), 'rpr-e2e-ws-'));
    served = await startServe(join(ws, 'workspace'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(served.url);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('shows the app with the engine backend and the open workspace', async () => {
    await page.getByTestId('workspace-path').waitFor();
    expect(await page.getByTestId('workspace-path').textContent()).toContain('workspace');
    await expect.poll(async () => (await page.getByTestId('status-backend').textContent())?.trim() ?? '').toMatch(/onnxruntime \(cpu\)|wasm|cpu|tensorflow/);
  });

  it('imports mnist-small and shows the per-digit counts in the histogram', async () => {
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('import-path').fill(MNIST_SMALL);
    await page.getByTestId('import-button').click();
    await page.getByTestId('dataset-item').first().waitFor({ timeout: 60_000 });
    await page.getByTestId('dataset-item').first().click();
    await page.getByTestId('histogram').waitFor();
    const count = async (split: string, c: number) => Number(await page.getByTestId(`class-count-${split}-${c}`).textContent());
    const expectTrain = [97, 116, 99, 93, 105, 92, 94, 117, 87, 100];
    const expectTest = [42, 67, 55, 45, 55, 50, 43, 49, 40, 54];
    for (let c = 0; c < 10; c++) {
      expect(await count('train', c)).toBe(expectTrain[c]);
      expect(await count('test', c)).toBe(expectTest[c]);
    }
  });

  it('shows the right digits in the grid, filters by a label, and saves a screenshot', async () => {
    await page.getByTestId('nav-explore').click();
    const cells = page.getByTestId('cell');
    await cells.first().waitFor();
    // default order: train split then test, by index; each cell carries its id and label
    const first = await cells.evaluateAll((els) => els.slice(0, 30).map((e) => [e.getAttribute('data-id'), Number(e.getAttribute('data-label'))]));
    expect(first.length).toBeGreaterThan(10);
    for (const [id, label] of first as [string, number][]) {
      const [split, index] = id.split('/');
      expect(label).toBe((split === 'train' ? trainLabels : testLabels)[Number(index)]);
    }
    // the virtualized grid renders only a window of the 1500 images
    expect(await cells.count()).toBeLessThan(1500);

    await page.getByTestId('filter-label').selectOption('3');
    await expect.poll(async () => cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-label')))).toSatisfy((ls: (string | null)[]) => ls.length > 0 && ls.every((l) => l === '3'));
    await expect.poll(async () => (await page.getByTestId('grid-status').textContent()) ?? '').toMatch(new RegExp(`^\\s*${93 + 45} of 1,500`));

    await cells.first().click();
    await page.getByTestId('detail-panel').waitFor();
    expect(await page.getByTestId('detail-label').textContent()).toContain('3');
    expect(await page.getByTestId('detail-origin').textContent()).toMatch(/idx/);

    mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(PROJECT_ROOT, 'test-results/e2e-grid.png') });
    expect(errors).toEqual([]);
  });
});
