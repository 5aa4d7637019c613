/**
 * End to end over the loopback transport: `rpr serve`, the real renderer in Debian Chromium.
 * Importing mnist-small through the UI shows the histogram of the IDX labels; on a workspace
 * that already holds mnist-small (imported by `rpr import` in the setup, so no test depends on
 * another having run), the grid's canvases show exactly the IDX pixels of the ids its cells
 * name, a label filter keeps only that digit, and a screenshot lands in test-results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asRgb, drawnImage } from '../helpers/grid-pixels';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { launchChromium, startServe, type Served } from '../helpers/serve';

const idx = (file: string): Uint8Array => gunzipSync(readFileSync(join(MNIST_SMALL, file)));
const LABELS: Record<string, Uint8Array> = { train: idx('train-labels-idx1-ubyte.gz').subarray(8), test: idx('t10k-labels-idx1-ubyte.gz').subarray(8) };
const IMAGES: Record<string, Uint8Array> = { train: idx('train-images-idx3-ubyte.gz').subarray(16), test: idx('t10k-images-idx3-ubyte.gz').subarray(16) };
const MNIST = { height: 28, width: 28 };
const ZOOM = 2; // an integer zoom draws each source pixel as a 2×2 block (no smoothing)
/** The source pixels (as RGB) of image `split/index` of mnist-small. */
const source = (id: string): number[] => {
  const [split, index] = id.split('/');
  return asRgb(IMAGES[split].subarray(Number(index) * 784, (Number(index) + 1) * 784), 1);
};

async function openPage(browser: Browser, served: Served, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(served.url);
  return page;
}

describe('importing a dataset in the browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const ws = mkdtempSync(join(tmpdir(), 'rpr-e2e-ws-'));
    served = await startServe(join(ws, 'workspace'));
    browser = await launchChromium();
  });
  beforeEach(async () => {
    page = await openPage(browser, served, errors);
  });
  afterEach(async () => {
    await page?.close();
    expect(errors).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('shows the app with the engine backend and the open workspace', async () => {
    await page.getByTestId('workspace-path').waitFor();
    expect(await page.getByTestId('workspace-path').textContent()).toContain('workspace');
    await expect.poll(async () => (await page.getByTestId('status-backend').textContent())?.trim() ?? '', { timeout: 60_000 }).toMatch(/onnxruntime \(cpu\)|wasm|cpu|tensorflow/);
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
});

describe('the grid in the browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rpr-e2e-grid-'));
    const ws = join(tmp, 'workspace');
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'bin/rpr.mjs'), 'import', MNIST_SMALL, '--workspace', ws], { env: { ...process.env, RPR_DATA_DIR: join(tmp, 'data') }, stdio: 'pipe' });
    served = await startServe(ws);
    browser = await launchChromium();
  });
  beforeEach(async () => {
    page = await openPage(browser, served, errors);
    await page.getByTestId('nav-explore').click();
    await page.getByTestId('cell').first().waitFor();
    await page.getByTestId('thumb-size').fill(String(MNIST.width * ZOOM));
    await expect.poll(async () => page.getByTestId('grid').evaluate((g) => getComputedStyle(g).getPropertyValue('--thumb').trim())).toBe(`${MNIST.width * ZOOM}px`);
  });
  afterEach(async () => {
    await page?.close();
    expect(errors).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  /** Each of the cells at `positions`: its id, label and drawn pixels against the IDX files. */
  async function expectCellsShowTheirImages(positions: number[]): Promise<void> {
    for (const pos of positions) {
      const cell = page.locator(`[data-testid="cell"][data-pos="${pos}"]`);
      const id = (await cell.getAttribute('data-id'))!;
      const [split, index] = id.split('/');
      expect(Number(await cell.getAttribute('data-label')), id).toBe(LABELS[split][Number(index)]);
      const want = source(id);
      // a real digit, not a blank: the comparison below can tell two images apart
      expect(new Set(want).size, id).toBeGreaterThan(10);
      await expect.poll(() => drawnImage(page, pos, MNIST, ZOOM), { timeout: 30_000, message: `pixels of ${id}` }).toEqual(want);
    }
  }

  it('shows the right digits: the first cells are train/0, train/1, … and draw exactly their IDX pixels', async () => {
    const cells = page.getByTestId('cell');
    const first = await cells.evaluateAll((els) => els.slice(0, 12).map((e) => e.getAttribute('data-id')));
    expect(first).toEqual(Array.from({ length: 12 }, (_, i) => `train/${i}`));
    await expectCellsShowTheirImages([0, 1, 2, 5, 11]);
    // two different images never draw alike (the check is not satisfied by any digit)
    expect(source('train/0')).not.toEqual(source('train/1'));
    // the virtualized grid renders only a window of the 1500 images
    expect(await cells.count()).toBeLessThan(1500);
  });

  it('filters by a label: every cell is a 3, drawn with its own pixels, and the detail panel agrees', async () => {
    const cells = page.getByTestId('cell');
    await page.getByTestId('filter-label').selectOption('3');
    await expect.poll(async () => cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-label')))).toSatisfy((ls: (string | null)[]) => ls.length > 0 && ls.every((l) => l === '3'));
    await expect.poll(async () => (await page.getByTestId('grid-status').textContent()) ?? '').toMatch(new RegExp(`^\\s*${93 + 45} of 1,500`));
    const firstThree = [...LABELS.train].indexOf(3);
    expect(await cells.first().getAttribute('data-id')).toBe(`train/${firstThree}`);
    await expectCellsShowTheirImages([0, 1, 4]);

    await cells.first().click();
    await page.getByTestId('detail-panel').waitFor();
    expect(await page.getByTestId('detail-label').textContent()).toContain('3');
    expect(await page.getByTestId('detail-origin').textContent()).toMatch(/idx/);

    mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(PROJECT_ROOT, 'test-results/e2e-grid.png') });
  });
});
