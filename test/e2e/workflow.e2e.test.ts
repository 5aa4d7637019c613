/**
 * The paper's second use case end to end, all through the UI, over the loopback transport
 * (issue "[4 of 5]" acceptance): import mnist-small, train paper-cnn (live charts), score the
 * train and test splits, explore a run (badges, fooling view), curate with balancing and an
 * override (undo), save, export IDX (files on disk; a second export into the same folder is
 * refused), retrain with the control arm, and read the Compare view (M, M_R, M_C).
 * Screenshots go to test-results/ (not committed). No error toast may appear anywhere in the run
 * (issue 12): a refused export is said by its form field.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { launchChromium, startServe, type Served } from '../helpers/serve';

const SHOTS = join(PROJECT_ROOT, 'test-results');
const MAX_STEPS = 30;
const EPOCHS = 2;

describe('score → curate → export → retrain → compare in the browser', () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  const errors: string[] = [];
  /** every error toast the UI ever showed (issue 12: the workflow runs without a single one) */
  const errorToasts: string[] = [];
  const timings: [string, number][] = [];
  let t0 = Date.now();
  const lap = (name: string) => {
    const now = Date.now();
    timings.push([name, (now - t0) / 1000]);
    t0 = now;
  };
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `workflow-${name}.png`), fullPage: false });
  const text = async (testid: string) => ((await page.getByTestId(testid).first().textContent()) ?? '').trim();
  const num = async (testid: string) => Number((await text(testid)).replace(/[^\d.-]/g, ''));
  /** the run id of the newest scoring run of a split (from the Score view's table) */
  const runIdOf = async (split: string) =>
    page.getByTestId('run-item').evaluateAll((rows, s) => rows.find((r) => r.querySelector('td:nth-child(3)')?.textContent?.trim().startsWith(s))?.getAttribute('data-id') ?? '', split);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rpr-e2e-wf-'));
    mkdirSync(SHOTS, { recursive: true });
    served = await startServe(join(tmp, 'workspace'));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.exposeFunction('__rprErrorToast', (t: string) => void errorToasts.push(t));
    await page.addInitScript(() => {
      const seen = new WeakSet<Element>();
      const report = (window as unknown as { __rprErrorToast: (t: string) => void }).__rprErrorToast;
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-testid="toast"][data-kind="error"]')) {
          if (seen.has(el)) continue;
          seen.add(el);
          report(el.textContent ?? '');
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(served.url);
    await page.getByTestId('workspace-path').waitFor();
    t0 = Date.now();
  });

  afterAll(async () => {
    console.log(`workflow stage times (s): ${timings.map(([n, s]) => `${n} ${s.toFixed(1)}`).join(', ')}`);
    await browser?.close();
    await served?.stop();
  });

  // One user journey, as one test: each step works on what the steps before it made (the model,
  // the runs, the saved set), so no test here depends on another test having run. A failing step
  // names itself in the error.
  const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      if (e instanceof Error) e.message = `step "${name}": ${e.message}`;
      throw e;
    }
  };

  it('imports, trains, scores, explores, curates, exports, retrains with a control and compares', async () => {
    await step('imports mnist-small', async () => {
      await page.getByTestId('nav-datasets').click();
      await page.getByTestId('import-path').fill(MNIST_SMALL);
      await page.getByTestId('import-button').click();
      await page.getByTestId('dataset-item').first().waitFor({ timeout: 60_000 });
      expect(await text('summary-total')).toBe('1500');
      lap('import');
    });

    await step('trains paper-cnn with live progress and charts; the model appears', async () => {
      await page.getByTestId('nav-models').click();
      await expect.poll(() => page.getByTestId('train-dataset').inputValue()).not.toBe('');
      await page.getByTestId('train-arch').selectOption('paper-cnn');
      await page.getByTestId('train-epochs').fill(String(EPOCHS));
      await page.getByTestId('train-name').fill('M paper-cnn');
      await page.getByTestId('train-button').click();
      const job = page.getByTestId('view-models').getByTestId('job-inline');
      await job.waitFor();
      // live: the charts appear while the job is still running, fed by progress events
      await page.getByTestId('train-charts').waitFor({ timeout: 120_000 });
      await expect.poll(async () => page.getByTestId('train-charts').locator('canvas').count()).toBe(2);
      await expect.poll(() => job.getAttribute('data-status'), { timeout: 180_000, interval: 500 }).toBe('done');
      await expect.poll(() => page.getByTestId('model-item').count()).toBe(1);
      expect(await page.getByTestId('model-item').first().textContent()).toMatch(/M paper-cnn[\s\S]*test acc \d+\.\d+%/);
      expect(await text('train-last')).toMatch(/loss \d/);
      await shot('1-trained');
      lap('train');
    });

    await step('scores the train and the test split', async () => {
      await page.getByTestId('nav-score').click();
      for (const split of ['train', 'test']) {
        await page.getByTestId('score-split').selectOption(split);
        await page.getByTestId('score-maxsteps').fill(String(MAX_STEPS));
        await page.getByTestId('score-button').click();
        await expect.poll(() => runIdOf(split)).not.toBe('');
        const id = await runIdOf(split);
        const row = page.locator(`[data-testid="run-item"][data-id="${id}"]`);
        await expect.poll(() => row.getAttribute('data-status'), { timeout: 120_000, interval: 500 }).toBe('done');
        expect(await row.textContent()).toMatch(new RegExp(`${split === 'train' ? 1000 : 500}/${split === 'train' ? 1000 : 500}[\\s\\S]*\\d+\\.\\d% \\[`));
      }
      await shot('2-scored');
      lap('score');
    });

    await step('explores a run: score badges and the fooling view', async () => {
      const trainRun = await runIdOf('train');
      await page.getByTestId('nav-explore').click();
      await page.getByTestId('explore-run').selectOption(trainRun);
      await page.getByTestId('run-charts').waitFor();
      // scored only: the 1000 train images, each with a badge
      await expect.poll(async () => Number(await page.getByTestId('grid').getAttribute('data-count'))).toBe(1000);
      await expect.poll(() => page.getByTestId('cell-badge').count()).toBeGreaterThan(20);
      expect(await page.getByTestId('cell-badge').count()).toBe(await page.getByTestId('cell').count());
      // a fooled image: not robust, not misclassified
      await page.getByTestId('filter-robust').selectOption('no');
      await page.getByTestId('filter-misclassified').selectOption('no');
      const cell = page.getByTestId('cell').first();
      await cell.waitFor();
      const steps = Number(await cell.getAttribute('data-steps'));
      expect(steps).toBeGreaterThan(0);
      expect(steps).toBeLessThan(MAX_STEPS);
      expect(await cell.getByTestId('cell-badge').textContent()).toBe(String(steps));
      await cell.click();
      await page.getByTestId('detail-fooling').waitFor();
      await expect.poll(() => text('detail-step'), { timeout: 30_000 }).toBe(String(steps));
      const fooling = page.getByTestId('detail-fooling');
      // original beside the perturbation
      await expect.poll(() => fooling.locator('canvas[role="img"]').count()).toBe(2);
      expect(await fooling.locator('figcaption').allTextContents()).toEqual([expect.stringMatching(/^original → \d/), expect.stringMatching(new RegExp(`^step ${steps} → \\d`))]);
      const bound = Number(await text('detail-bound'));
      expect(bound).toBeGreaterThan(0);
      expect(bound).toBeLessThanOrEqual(1);
      expect(Number(await text('detail-changed'))).toBeGreaterThan(0);
      await shot('3-explore');
      // pick an image the model gets wrong, for the override below
      await page.getByTestId('filter-robust').selectOption('any');
      await page.getByTestId('filter-misclassified').selectOption('yes');
      await expect.poll(async () => page.getByTestId('cell').first().getAttribute('data-steps')).toBe('0');
      await page.getByTestId('cell').first().click();
      await expect.poll(() => text('detail-step'), { timeout: 30_000 }).toBe('0');
      expect(await text('detail-fooling')).toMatch(/misclassified unperturbed/);
      lap('explore');
    });

    let wrongIndex = -1;
    let savedTotal = -1;
    await step('curates with balancing, overrides an image with undo, and saves the set', async () => {
      wrongIndex = Number((await text('detail-id')).split('/')[1]);
      const trainRun = await (async () => {
        await page.getByTestId('nav-score').click();
        return runIdOf('train');
      })();
      await page.getByTestId('nav-curate').click();
      await page.getByTestId('curate-run').selectOption(trainRun);
      // keep all robust images first: the per-class counts the rule keeps
      await page.getByTestId('curate-balance').selectOption('all');
      await expect.poll(async () => num('curate-total')).toBeGreaterThan(0);
      const kept = [];
      for (let c = 0; c < 10; c++) kept.push(await num(`curate-after-${c}`));
      const before = [];
      for (let c = 0; c < 10; c++) before.push(await num(`curate-before-${c}`));
      expect(before).toEqual([97, 116, 99, 93, 105, 92, 94, 117, 87, 100]);
      expect(kept.reduce((a, b) => a + b, 0)).toBe(await num('curate-total'));
      const lo = Math.min(...kept);
      const hi = Math.max(...kept);
      expect(hi).toBeGreaterThan(lo); // some class is shorter than another
      const n = Math.floor((lo + hi) / 2) + 1;
      await page.getByTestId('curate-balance').selectOption('per-class');
      await page.getByTestId('curate-n').fill(String(n));
      const expectAfter = kept.map((k) => Math.min(k, n));
      const expectTotal = expectAfter.reduce((a, b) => a + b, 0);
      await expect.poll(async () => num('curate-total')).toBe(expectTotal);
      for (let c = 0; c < 10; c++) expect(await num(`curate-after-${c}`)).toBe(expectAfter[c]);
      const short = await text('curate-short');
      for (let c = 0; c < 10; c++) {
        if (kept[c] < n) expect(short).toContain(`${c} (only ${kept[c]})`);
        else expect(short).not.toContain(`${c} (only`);
      }
      await shot('4-curate');

      // override: the misclassified image picked in Explore is offered; force include, exclude, undo twice
      expect(await page.getByTestId('override-index').inputValue()).toBe(String(wrongIndex));
      await page.getByTestId('override-include').click();
      await expect.poll(async () => num('curate-total')).toBe(expectTotal + 1);
      expect(await num('override-count')).toBe(1);
      await page.getByTestId('override-exclude').click();
      await expect.poll(async () => num('curate-total')).toBe(expectTotal);
      expect(await text('override-list')).toContain(`train/${wrongIndex}: exclude`);
      await page.getByTestId('undo').click();
      await expect.poll(async () => num('curate-total')).toBe(expectTotal + 1);
      expect(await text('override-list')).toContain(`train/${wrongIndex}: include`);
      await page.getByTestId('undo').click();
      await expect.poll(async () => num('curate-total')).toBe(expectTotal);
      expect(await num('override-count')).toBe(0);
      expect(await page.getByTestId('undo').isDisabled()).toBe(true);
      // keep the include for the saved set
      await page.getByTestId('override-include').click();
      await expect.poll(async () => num('curate-total')).toBe(expectTotal + 1);

      await page.getByTestId('curate-name').fill('robust-balanced');
      await page.getByTestId('curate-save').click();
      await page.getByTestId('set-item').first().waitFor();
      savedTotal = expectTotal + 1;
      expect(await text('set-item')).toBe(`robust-balanced v1 · ${savedTotal} images`);
      await expect.poll(async () => page.locator('[data-testid="toast"][data-kind="success"]').allTextContents()).toContainEqual(expect.stringContaining('saved “robust-balanced” v1'));
      lap('curate');
    });

    await step('exports the set as IDX, and refuses a second export into the same folder', async () => {
      const out = join(tmp, 'export-idx');
      await page.getByTestId('export-format').selectOption('idx');
      await page.getByTestId('export-path').fill(out);
      await page.getByTestId('export-button').click();
      const job = page.getByTestId('export-job').getByTestId('job-inline');
      await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
      const files = readdirSync(out).sort();
      for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
        expect(files).toContain(f);
        expect(statSync(join(out, f)).size).toBeGreaterThan(20);
      }
      // the IDX label file holds the saved set's images (count in the header, one byte each)
      const labels = gunzipSync(readFileSync(join(out, 'train-labels-idx1-ubyte.gz')));
      expect(labels.readUInt32BE(4)).toBe(savedTotal);
      expect(labels.length).toBe(8 + savedTotal);
      expect(labels.readUInt32BE(0)).toBe(2049);
      // again into the now non-empty folder: refused by the folder field (not a toast), the files untouched
      const before = readdirSync(out).map((f) => [f, statSync(join(out, f)).mtimeMs]);
      await page.getByTestId('export-button').click();
      await expect.poll(async () => text('export-error'), { timeout: 30_000 }).toMatch(/not empty/);
      expect(await page.getByTestId('export-path').getAttribute('aria-invalid')).toBe('true');
      expect(readdirSync(out).map((f) => [f, statSync(join(out, f)).mtimeMs])).toEqual(before);
      expect(existsSync(join(out, 'train-images-idx3-ubyte.gz'))).toBe(true);
      await shot('5-export');
      lap('export');
    });

    await step('retrains with the control arm: M_R and M_C appear and their test scoring finishes', async () => {
      expect(await page.getByTestId('retrain-control').isChecked()).toBe(true);
      await page.getByTestId('retrain-button').click();
      const job = page.getByTestId('retrain-job').getByTestId('job-inline');
      await job.waitFor();
      await expect.poll(() => job.getAttribute('data-status'), { timeout: 240_000, interval: 1000 }).toBe('done');
      await page.getByTestId('nav-models').click();
      await expect.poll(() => page.getByTestId('model-item').count()).toBe(3);
      const names = await page.getByTestId('model-item').allTextContents();
      expect(names.some((t) => t.includes('M_R:'))).toBe(true);
      expect(names.some((t) => t.includes('M_C:'))).toBe(true);
      await page.getByTestId('nav-score').click();
      // M's test run is reused; M_R and M_C each get one, all complete
      await expect.poll(async () => page.getByTestId('run-item').evaluateAll((rows) => rows.filter((r) => r.getAttribute('data-status') === 'done' && r.querySelector('td:nth-child(3)')?.textContent?.trim() === 'test').length)).toBe(3);
      await shot('6-retrained');
      lap('retrain');
    });

    await step('compares M, M_R and M_C', async () => {
      await page.getByTestId('nav-compare').click();
      await page.getByTestId('compare-split').selectOption('test');
      await page.getByTestId('compare-button').click();
      await page.getByTestId('compare-table').waitFor();
      for (const label of ['M', 'M_R', 'M_C']) {
        const row = page.getByTestId(`compare-row-${label}`);
        const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
        expect(cells[0]).toMatch(/^\d+\.\d%$/); // accuracy
        expect(cells[1]).toMatch(/^\d+\.\d% \[\d+\.\d%, \d+\.\d%\]$/); // robust ratio with its interval
        expect(cells.slice(2)).toHaveLength(10); // per class
        for (const c of cells.slice(2)) expect(c).toMatch(/^\d+\.\d%$/);
      }
      const curves = page.getByTestId('compare-curves');
      expect(await curves.getAttribute('data-series')).toBe('M,M_R,M_C');
      expect(Number(await curves.getAttribute('data-points'))).toBe(MAX_STEPS);
      for (const pair of ['M_vs_M_R', 'M_vs_M_C', 'M_R_vs_M_C']) {
        const p = Number((await text(`mcnemar-${pair}`)).match(/p = ([\d.e+-]+)/)![1]);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }
      const comp = await page.getByTestId('composition').locator('tbody tr').allTextContents();
      expect(comp).toHaveLength(3);
      // trained on: the saved set less its validation carve, which is shown beside it
      const mr = /^(\d+) \(\+ (\d+) validation\)$/.exec((await text('composition-count-M_R')).trim());
      expect(mr).not.toBeNull();
      expect(Number(mr![1]) + Number(mr![2])).toBe(savedTotal);
      expect(Number(mr![2])).toBeGreaterThan(0);
      await page.getByTestId('compare-table').scrollIntoViewIfNeeded();
      await shot('7-compare');
      lap('compare');
      expect(errors).toEqual([]);
      expect(errorToasts).toEqual([]);
    });
  });
});
