/**
 * ONNX models through the real renderer over the loopback transport: a PyTorch-style NCHW
 * logits graph and a flat softmax MLP (generated here with the app's protobuf writer) import
 * in the Models view with nothing but their path, show what was found and the sanity check,
 * and score in the Score view on onnxruntime; the status bar names the provider.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flatMlpSpec, pytorchCnnSpec, writeOnnx } from '../helpers/onnx-fixtures';
import { MNIST_SMALL } from '../helpers/paths';
import { launchChromium, startServe, type Served } from '../helpers/serve';

describe('ONNX models in the browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rpr-e2e-onnx-'));
    writeOnnx(join(dir, 'torch.onnx'), pytorchCnnSpec(MNIST_SMALL));
    writeOnnx(join(dir, 'mlp.onnx'), flatMlpSpec(MNIST_SMALL));
    served = await startServe(join(dir, 'workspace'), { RPR_CALIBRATE: '0' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(served.url);
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('import-path').fill(MNIST_SMALL);
    await page.getByTestId('import-button').click();
    await page.getByTestId('dataset-item').first().waitFor({ timeout: 90_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('the status bar shows onnxruntime with its execution provider', async () => {
    await expect.poll(async () => (await page.getByTestId('status-backend').textContent())?.trim() ?? '', { timeout: 60_000 }).toMatch(/onnxruntime \(cpu\)/);
  });

  it.each([
    ['torch.onnx', /input input\.1 \[\?, 1, 28, 28\] \(NCHW\), output logits/],
    ['mlp.onnx', /input x \[\?, 784\] \(FLAT\), output probs/],
  ])('imports %s with only its path and shows what it found and the sanity check', async (file, found) => {
    await page.getByTestId('nav-models').click();
    await page.getByTestId('import-model-path').fill(join(dir, file));
    await expect(page.getByTestId('import-onnx-choices').isVisible()).resolves.toBe(true);
    await page.getByTestId('import-model-button').click();
    await page.getByTestId('import-onnx-summary').waitFor({ timeout: 90_000 });
    await expect.poll(async () => (await page.getByTestId('import-onnx-summary').textContent()) ?? '').toMatch(found);
    await expect.poll(async () => (await page.getByTestId('import-sanity').textContent()) ?? '').toMatch(/7\d\.\d% on 500 test images/);
    // the imported model is selected, its facts show the graph
    await expect.poll(async () => (await page.getByTestId('model-onnx').textContent()) ?? '').toMatch(found);
  }, 120_000);

  it('scores both ONNX models in the Score view on onnxruntime', async () => {
    await page.getByTestId('nav-score').click();
    const options = await page.getByTestId('score-model').locator('option').evaluateAll((els) => els.map((e) => [(e as HTMLOptionElement).value, e.textContent ?? '']));
    const onnx = options.filter(([, label]) => /torch|mlp/.test(label));
    expect(onnx).toHaveLength(2);
    for (const [value] of onnx) {
      await page.getByTestId('score-model').selectOption(value);
      await page.getByTestId('score-split').selectOption('test');
      await page.getByTestId('score-maxsteps').fill('10');
      await page.getByTestId('score-button').click();
    }
    const rows = page.getByTestId('run-item');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(2);
    await expect.poll(async () => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status'))), { timeout: 180_000, interval: 500 }).toEqual(['done', 'done']);
    const texts = await rows.allTextContents();
    for (const t of texts) expect(t).toMatch(/500\/500/);
  }, 240_000);

  it('a broken path is a clear error in the form, and nothing is added', async () => {
    await page.getByTestId('nav-models').click();
    const before = await page.getByTestId('model-item').count();
    await page.getByTestId('import-model-path').fill(join(dir, 'missing.onnx'));
    await page.getByTestId('import-model-button').click();
    await expect.poll(async () => (await page.getByTestId('import-model-error').textContent()) ?? '', { timeout: 30_000 }).toMatch(/missing\.onnx/);
    expect(await page.getByTestId('model-item').count()).toBe(before);
    expect(errors).toEqual([]);
  }, 60_000);
});
