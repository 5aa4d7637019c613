/**
 * Accessibility and keyboard (issue "[5 of 5]" item 6): axe-core on every view (workspace
 * chooser, Datasets, Explore with a run and the detail panel, Models, Score, Curate, Compare)
 * in the light and the dark theme, with zero "serious" or "critical" violations (the rest are
 * printed); Tab through the nav and the main controls with a visible focus ring; arrow keys in
 * the image grid move the selection and Enter opens the detail.
 * The workspace is populated through the loopback API first (import, train 1 epoch, score with
 * 10 steps, save a curated set), so the views have content without driving every form.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNIST_SMALL, PROJECT_ROOT } from '../helpers/paths';
import { launchChromium, startServe, type Served } from '../helpers/serve';

const AXE = join(PROJECT_ROOT, 'node_modules/axe-core/axe.min.js');
const SHOTS = join(PROJECT_ROOT, 'test-results');

interface AxeNode { target: unknown[]; html: string; failureSummary?: string }
interface AxeViolation { id: string; impact: string | null; help: string; nodes: AxeNode[] }

describe('accessibility and keyboard in the browser', () => {
  let served: Served;
  let browser: Browser;
  const errors: string[] = [];
  const minor: string[] = [];
  let runTrain = '';
  let stopping = false;

  async function rpc<T>(name: string, input: unknown): Promise<T> {
    const r = await fetch(`${served.origin}/rpc/${name}`, { method: 'POST', headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const body = (await r.json()) as { ok: boolean; value: T; error?: { message: string } };
    if (!body.ok) throw new Error(`${name}: ${body.error?.message}`);
    return body.value;
  }
  async function waitJob(jobId: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      const jobs = await rpc<{ id: string; status: string; error?: string }[]>('jobs.list', {});
      const j = jobs.find((x) => x.id === jobId);
      if (j?.status === 'done') return;
      if (j && (j.status === 'failed' || j.status === 'cancelled')) throw new Error(`job ${jobId} ${j.status}: ${j.error}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    throw new Error(`job ${jobId} did not finish`);
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const ws = mkdtempSync(join(tmpdir(), 'rpr-e2e-a11y-'));
    served = await startServe(join(ws, 'workspace'));
    served.proc.on('exit', (code, signal) => {
      if (!stopping) console.error(`rpr serve exited early (code ${code}, signal ${signal}):\n${served.stderr.join('')}`);
    });
    await waitJob((await rpc<{ jobId: string }>('datasets.import', { path: MNIST_SMALL })).jobId);
    const [ds] = await rpc<{ id: string }[]>('datasets.list', {});
    await waitJob((await rpc<{ jobId: string }>('models.train', { datasetId: ds.id, arch: 'paper-cnn', epochs: 1, seed: 0, name: 'M' })).jobId);
    const [model] = await rpc<{ id: string }[]>('models.list', {});
    const score = async (split: string) => {
      const r = await rpc<{ jobId: string; runId: string }>('scoring.start', { modelId: model.id, datasetId: ds.id, split, maxSteps: 10, seed: 0 });
      await waitJob(r.jobId);
      return r.runId;
    };
    runTrain = await score('train');
    await score('test');
    await rpc('curation.save', { runId: runTrain, name: 'robust-30', rules: { minSteps: null, balance: { mode: 'per-class', n: 30 }, seed: 0 }, overrides: [] });
    browser = await launchChromium();
  });

  afterAll(async () => {
    stopping = true;
    if (minor.length) console.log(`axe: minor/moderate violations (not failing):\n${minor.join('\n')}`);
    await browser?.close();
    await served?.stop();
  });

  async function newPage(theme: 'light' | 'dark'): Promise<Page> {
    // bypassCSP: the page's strict CSP forbids the inline script axe is injected as (test tooling only)
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, colorScheme: theme, bypassCSP: true });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript((t) => localStorage.setItem('rpr.theme', t), theme);
    return page;
  }

  /** axe on the page as it is now: serious/critical violations are returned, the rest recorded */
  async function axe(page: Page, where: string): Promise<string[]> {
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const w = window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } };
      return (await w.axe.run(document, { resultTypes: ['violations'] })).violations;
    }) as AxeViolation[];
    const bad: string[] = [];
    for (const v of violations) {
      const line = `[${where}] ${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 4).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary?.split('\n').slice(1, 2).join(' ') ?? ''}`).join(' | ')}${v.nodes.length > 4 ? ` (+${v.nodes.length - 4})` : ''}`;
      if (v.impact === 'serious' || v.impact === 'critical') bad.push(line);
      else minor.push(line);
    }
    return bad;
  }

  for (const theme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe violations on any view (${theme} theme)`, async () => {
      const bad: string[] = [];

      // the workspace chooser: shown when no workspace is open (the served one is hidden from this page)
      const chooser = await newPage(theme);
      await chooser.route('**/rpc/workspace.current', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ok: true, value: null }) }));
      await chooser.goto(served.url);
      await chooser.getByTestId('workspace-input').waitFor();
      expect(await chooser.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      bad.push(...(await axe(chooser, `${theme} chooser`)));
      await chooser.screenshot({ path: join(SHOTS, `a11y-${theme}-chooser.png`) });
      await chooser.close();

      const page = await newPage(theme);
      await page.goto(served.url);
      await page.getByTestId('workspace-path').waitFor();

      await page.getByTestId('nav-datasets').click();
      await page.getByTestId('dataset-summary').waitFor();
      await page.getByTestId('histogram').waitFor();
      bad.push(...(await axe(page, `${theme} datasets`)));

      await page.getByTestId('nav-explore').click();
      await page.getByTestId('explore-run').selectOption(runTrain);
      await page.getByTestId('run-charts').waitFor();
      await page.getByTestId('filter-robust').selectOption('no');
      await page.getByTestId('filter-misclassified').selectOption('no');
      await page.getByTestId('cell').first().click();
      await page.getByTestId('detail-step').waitFor({ timeout: 30_000 });
      bad.push(...(await axe(page, `${theme} explore`)));
      await page.screenshot({ path: join(SHOTS, `a11y-${theme}-explore.png`) });

      await page.getByTestId('nav-models').click();
      await page.getByTestId('eval-button').click();
      await page.getByTestId('confusion').waitFor({ timeout: 60_000 });
      bad.push(...(await axe(page, `${theme} models`)));
      await page.screenshot({ path: join(SHOTS, `a11y-${theme}-models.png`) });

      await page.getByTestId('nav-score').click();
      await page.getByTestId('run-item').first().waitFor();
      bad.push(...(await axe(page, `${theme} score`)));

      await page.getByTestId('nav-curate').click();
      await page.getByTestId('curate-run').selectOption(runTrain);
      await page.getByTestId('curate-balance').selectOption('per-class');
      await page.getByTestId('curate-n').fill('60');
      await page.getByTestId('curate-short').waitFor();
      await page.getByTestId('set-item').first().waitFor();
      bad.push(...(await axe(page, `${theme} curate`)));
      await page.screenshot({ path: join(SHOTS, `a11y-${theme}-curate.png`), fullPage: true });

      await page.getByTestId('nav-compare').click();
      await page.getByTestId('compare-button').click();
      await page.getByTestId('compare-table').waitFor();
      bad.push(...(await axe(page, `${theme} compare`)));
      await page.screenshot({ path: join(SHOTS, `a11y-${theme}-compare.png`) });

      await page.getByTestId('nav-experiments').click();
      await page.getByTestId('exp-start').waitFor();
      bad.push(...(await axe(page, `${theme} experiments`)));
      await page.screenshot({ path: join(SHOTS, `a11y-${theme}-experiments.png`) });
      await page.close();

      expect(bad).toEqual([]);
      expect(errors).toEqual([]);
    });
  }

  it('is usable by keyboard: Tab through nav and controls with visible focus, arrows in the grid, Enter opens the detail', async () => {
    const page = await newPage('light');
    await page.goto(served.url);
    await page.getByTestId('workspace-path').waitFor();
    await page.getByTestId('dataset-item').first().waitFor();

    /** testid (or tag) of the focused element and whether its focus is visibly drawn */
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return null;
        const cs = getComputedStyle(el);
        const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
        const shadow = cs.boxShadow !== 'none' && cs.boxShadow !== '';
        return { id: el.dataset.testid ?? el.tagName.toLowerCase(), focusVisible: el.matches(':focus-visible'), visible: outline || shadow };
      });
    const tabUntil = async (testid: string, max = 60) => {
      const seen: string[] = [];
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        const f = await focused();
        if (!f) continue;
        seen.push(f.id);
        // every stop of the Tab order shows where the focus is
        expect(f.focusVisible, `focus on ${f.id} matches :focus-visible`).toBe(true);
        expect(f.visible, `focus ring on ${f.id}`).toBe(true);
        if (f.id === testid) return seen;
      }
      throw new Error(`Tab never reached ${testid}; stops: ${seen.join(', ')}`);
    };

    // the nav, in order, from the top of the page
    const stops = await tabUntil('theme-toggle');
    const nav = stops.filter((s) => s.startsWith('nav-'));
    expect(nav).toEqual(['nav-datasets', 'nav-explore', 'nav-models', 'nav-score', 'nav-curate', 'nav-compare', 'nav-experiments']);

    // activate a view from the keyboard, then reach its main controls
    await page.getByTestId('nav-curate').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('view-curate').waitFor();
    await tabUntil('curate-run');
    await page.getByTestId('curate-run').selectOption(runTrain); // a native select: arrows/typing work, as in every browser
    await tabUntil('curate-balance');
    await tabUntil('curate-seed');

    await page.getByTestId('nav-score').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('view-score').waitFor();
    const scoreStops = await tabUntil('score-button');
    for (const id of ['score-model', 'score-dataset', 'score-split', 'score-scheme', 'score-maxsteps', 'score-seed']) expect(scoreStops).toContain(id);

    // the grid: Tab reaches it, arrows move the selection, Enter opens the detail, Escape closes it
    await page.getByTestId('nav-explore').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('cell').first().waitFor();
    await tabUntil('grid');
    const selected = () => page.locator('[data-testid="cell"][aria-selected="true"]').getAttribute('data-id');
    await page.keyboard.press('ArrowRight');
    await expect.poll(selected).toBe('train/0');
    await page.keyboard.press('ArrowRight');
    await expect.poll(selected).toBe('train/1');
    const cols = Number(await page.getByTestId('grid').getAttribute('aria-colcount'));
    expect(cols).toBeGreaterThan(2);
    await page.keyboard.press('ArrowDown');
    await expect.poll(selected).toBe(`train/${1 + cols}`);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(selected).toBe(`train/${cols}`);
    expect(await page.getByTestId('grid').getAttribute('aria-activedescendant')).toBe(await page.locator('[data-testid="cell"][aria-selected="true"]').getAttribute('id'));
    await page.keyboard.press('Enter');
    await page.getByTestId('detail-panel').waitFor();
    await expect.poll(async () => page.getByTestId('detail-id').textContent()).toBe(`train/${cols}`);
    // arrows keep following with the panel open
    await page.keyboard.press('ArrowRight');
    await expect.poll(async () => page.getByTestId('detail-id').textContent()).toBe(`train/${cols + 1}`);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('detail-panel').count()).toBe(0);
    await page.close();
    expect(errors).toEqual([]);
  });
});
