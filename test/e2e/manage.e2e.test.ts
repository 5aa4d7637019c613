/**
 * Issue 12, items 8 and 13 in the real renderer over `rpr serve`: rename and delete a dataset
 * (the dialog lists what depends on it and the space it frees; the toast says what was freed),
 * and a Score form that names an empty k or Max steps where it is typed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL } from '../helpers/paths';
import { launchChromium, startServe, type Served } from '../helpers/serve';

describe('delete, rename and form rules in the browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const ws = mkdtempSync(join(tmpdir(), 'rpr-e2e-manage-'));
    served = await startServe(join(ws, 'workspace'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(served.url);
    await page.getByTestId('workspace-path').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('Score names an empty k and an empty Max steps in words', async () => {
    await page.getByTestId('nav-score').click();
    await page.getByTestId('score-param-k').fill('');
    await expect.poll(async () => page.getByTestId('score-error-k').textContent()).toBe('k is empty: enter a whole number from 1 to 1000000.');
    await page.getByTestId('score-maxsteps').fill('0');
    await expect.poll(async () => page.getByTestId('score-error-maxsteps').textContent()).toBe('Max steps must be at least 1 (got 0).');
    expect(await page.getByTestId('score-button').isDisabled()).toBe(true);
  });

  it('imports mnist-small, renames it, and deletes it after confirming what goes and what it frees', async () => {
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('import-path').fill(MNIST_SMALL);
    await page.getByTestId('import-button').click();
    await page.getByTestId('dataset-item').first().waitFor({ timeout: 60_000 });
    await page.getByTestId('dataset-item').first().click();
    await page.getByTestId('item-rename').click();
    await page.getByTestId('rename-input').fill('');
    expect(await page.getByTestId('rename-error').textContent()).toBe('A name cannot be empty.');
    await page.getByTestId('rename-input').fill('digits (small)');
    await page.getByTestId('rename-save').click();
    await expect.poll(async () => (await page.getByTestId('dataset-item').first().textContent()) ?? '').toContain('digits (small)');

    await page.getByTestId('item-delete').click();
    const dialog = page.getByTestId('delete-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Delete dataset “digits (small)”?');
    expect(await page.getByTestId('delete-removes-none').textContent()).toBe('Nothing else depends on it.');
    // 1500 images of 28x28 bytes on disk, plus their rows
    const bytes = (await page.getByTestId('delete-bytes').textContent()) ?? '';
    expect(bytes).toMatch(/^Frees about [\d.]+ (kB|MB) on disk\.$/);
    await page.getByTestId('delete-confirm').click();
    await expect.poll(async () => page.getByTestId('dataset-item').count()).toBe(0);
    const toast = page.locator('.toast', { hasText: 'Deleted dataset digits (small)' });
    await toast.waitFor();
    expect(await toast.textContent()).toMatch(/freed\./);
    expect(errors).toEqual([]);
  });
});
