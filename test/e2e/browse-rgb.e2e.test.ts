/**
 * Browsing a generated RGB set in Chromium over `rpr serve`: 20,000 images of 32×32×3 (IDX4,
 * seeded, written in the setup). The grid's tiles arrive as binary frames; the pixels drawn on
 * the row canvases must equal the source pixels (2× integer zoom, no smoothing), also for the
 * last row; a dragged rectangle is excluded and the exclusion survives a reload (it is stored
 * in the workspace, not in the browser).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawnImage } from '../helpers/grid-pixels';
import { launchChromium, startServe, type Served } from '../helpers/serve';
import { imageOf, writeSyntheticIdx, type SyntheticSpec } from '../helpers/synthetic-idx';

const SPEC: SyntheticSpec = { split: 'train', count: 20_000, height: 32, width: 32, channels: 3, seed: 11 };
/** a second, small set of large images: colour at 96×96, drawn 1:1 */
const BIG: SyntheticSpec = { split: 'train', count: 300, height: 96, width: 96, channels: 3, seed: 12 };
const ZOOM = 2;
const THUMB = SPEC.width * ZOOM;

const drawn = (page: Page, pos: number) => drawnImage(page, pos, SPEC, ZOOM);

/**
 * Show the named dataset in Explore: an import selects the set it made (issue 12, item 16), so
 * after importing `rgb` and then `big` the grid opens on `big` unless the test picks `rgb`.
 */
async function showDataset(page: Page, name: string, count: number): Promise<void> {
  const id = await page.getByTestId('explore-dataset').locator('option', { hasText: new RegExp(`^${name}$`) }).getAttribute('value');
  await page.getByTestId('explore-dataset').selectOption(id!);
  await expect.poll(async () => page.getByTestId('grid').getAttribute('data-count')).toBe(String(count));
}

const cellIndex = async (page: Page, pos: number) => Number((await page.locator(`[data-testid="cell"][data-pos="${pos}"]`).getAttribute('data-id'))?.split('/')[1]);

describe('browsing a 20k RGB set in the browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let ws: string;
  const errors: string[] = [];

  beforeAll(async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rpr-e2e-rgb-'));
    writeSyntheticIdx(join(tmp, 'rgb'), SPEC);
    writeSyntheticIdx(join(tmp, 'big'), BIG);
    ws = join(tmp, 'workspace');
    served = await startServe(ws);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(served.url);
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('import-path').fill(join(tmp, 'rgb'));
    await page.getByTestId('import-button').click();
    await page.getByTestId('dataset-item').first().waitFor({ timeout: 180_000 });
    await page.getByTestId('import-path').fill(join(tmp, 'big'));
    await page.getByTestId('import-button').click();
    await page.getByTestId('dataset-item').nth(1).waitFor({ timeout: 180_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('draws the tiles in colour with exactly the source pixels, first rows and last row', async () => {
    await page.getByTestId('nav-explore').click();
    await showDataset(page, 'rgb', SPEC.count);
    await page.getByTestId('cell').first().waitFor();
    await page.getByTestId('thumb-size').fill(String(THUMB));
    await expect.poll(async () => page.getByTestId('grid').evaluate((g) => getComputedStyle(g).getPropertyValue('--thumb').trim())).toBe(`${THUMB}px`);
    // a sample of cells on the first screen
    for (const pos of [0, 1, 7, 20, 33]) {
      const index = await cellIndex(page, pos);
      const want = Array.from(imageOf(SPEC, index));
      await expect.poll(() => drawn(page, pos), { timeout: 30_000 }).toEqual(want);
    }
    // the last row shows the right image: End jumps there, and back with Home
    await page.getByTestId('grid').focus();
    await page.keyboard.press('End');
    const last = SPEC.count - 1;
    await page.locator(`[data-testid="cell"][data-pos="${last}"]`).waitFor({ timeout: 30_000 });
    expect(await cellIndex(page, last)).toBe(last);
    await expect.poll(() => drawn(page, last), { timeout: 30_000 }).toEqual(Array.from(imageOf(SPEC, last)));
    await page.keyboard.press('Home');
    await page.locator('[data-testid="cell"][data-pos="0"]').waitFor();
    await expect.poll(() => drawn(page, 0), { timeout: 30_000 }).toEqual(Array.from(imageOf(SPEC, 0)));
    // the whole split never crossed: the page holds at most the LRU's worth of tiles
    const fetched = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/rpc/datasets.thumbs')).reduce((a, e) => a + (e as PerformanceResourceTiming).encodedBodySize, 0));
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThan(SPEC.count * 32 * 32 * 3);
  });

  it('drag-selects a rectangle, excludes it, and the exclusion survives a reload', async () => {
    const cols = await page.getByTestId('grid').evaluate((g) => Number(g.getAttribute('aria-colcount')));
    expect(cols).toBeGreaterThan(4);
    const from = cols + 1; // row 1, column 1
    const to = 3 * cols + 4; // row 3, column 4: a 3×4 rectangle
    const a = await page.locator(`[data-testid="cell"][data-pos="${from}"]`).boundingBox();
    const b = await page.locator(`[data-testid="cell"][data-pos="${to}"]`).boundingBox();
    await page.mouse.move(a!.x + a!.width / 2, a!.y + a!.height / 2);
    await page.mouse.down();
    await page.mouse.move(b!.x + b!.width / 2, b!.y + b!.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => page.locator('[data-testid="cell"][data-picked]').count()).toBe(12);
    expect(await page.getByTestId('selection-count').textContent()).toContain('12 selected');
    const picked = await page.locator('[data-testid="cell"][data-picked]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    const expected: string[] = [];
    for (let r = 1; r <= 3; r++) for (let c = 1; c <= 4; c++) expected.push(`train/${r * cols + c}`);
    expect(picked.sort()).toEqual(expected.sort());

    await page.getByTestId('selection-exclude').click();
    await expect.poll(async () => page.locator('[data-testid="cell"][data-override="exclude"]').count()).toBe(12);
    expect(await page.getByTestId('override-summary').textContent()).toContain('12 excluded');

    await page.reload();
    await page.getByTestId('nav-explore').click();
    await showDataset(page, 'rgb', SPEC.count);
    await page.getByTestId('cell').first().waitFor();
    await expect.poll(async () => page.locator('[data-testid="cell"][data-override="exclude"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort())).toEqual(expected.sort());
    expect(await page.getByTestId('override-summary').textContent()).toContain('12 excluded');
    expect(errors).toEqual([]);
  });

  it('draws 96×96 colour images pixel for pixel at 1:1', async () => {
    await showDataset(page, 'big', BIG.count);
    await page.getByTestId('thumb-size').fill(String(BIG.width));
    await expect.poll(async () => page.getByTestId('grid').evaluate((g) => getComputedStyle(g).getPropertyValue('--thumb').trim())).toBe(`${BIG.width}px`);
    for (const pos of [0, 5, 17]) {
      const index = await cellIndex(page, pos);
      await expect.poll(() => drawnImage(page, pos, BIG, 1), { timeout: 30_000 }).toEqual(Array.from(imageOf(BIG, index)));
    }
    expect(errors).toEqual([]);
  });
});
