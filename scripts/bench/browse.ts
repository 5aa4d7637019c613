/// <reference lib="dom" />
/**
 * `npm run bench -- browse`: browsing at scale in Chromium over `rpr serve` (Electron cannot
 * run here). Two seeded sets are generated as IDX files (never committed): 1,000,000 28×28
 * gray (idx3) and 200,000 32×32 RGB (idx4), imported with `rpr import`. For the 1M set, scores
 * of a scoring run are synthesized into the workspace through the store API (scoring a million
 * images would take hours here): the output says so. Figures: first grid paint, sort by steps,
 * filters, scrolling to the last row and back (frames dropped), whether the last row shows the
 * right image, and RSS of the `rpr serve` process (engine worker threads live in it) and of
 * Chromium's renderer (from /proc, plus CDP heap metrics).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ImageResult } from '../../src-main/core/scheduler';
import { runStats } from '../../src-main/core/stats/run';
import type { ScoreRow } from '../../src-main/store/runs';
import { openWorkspace } from '../../src-main/store/workspace';
import { asRgb, drawnImage } from '../../test/helpers/grid-pixels';
import { launchChromium, startServe } from '../../test/helpers/serve';
import { imageOf, labelOf, writeSyntheticIdx, type SyntheticSpec } from '../../test/helpers/synthetic-idx';

interface SetPlan {
  name: string;
  spec: SyntheticSpec;
  zoom: number;
  scores: boolean;
}

const MB = 1024 * 1024;

/** The first cell of the grid is drawn from its tile (not the gray placeholder); runs in the page. */
const FIRST_TILE_DRAWN = (): boolean => {
  const cv = document.querySelector<HTMLCanvasElement>('canvas.row-canvas');
  const ctx = cv?.getContext('2d');
  if (!cv || !ctx || cv.width < 4) return false;
  const d = ctx.getImageData(Math.floor(cv.height / 2), Math.floor(cv.height / 2), 1, 1).data;
  return d[3] > 0 && !(d[0] === 0x33 && d[1] === 0x33 && d[2] === 0x33);
};

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function of a CDP CPU profile, the largest first, as printable lines. */
function topSelfTime(p: CpuProfile, n: number): string {
  const byId = new Map(p.nodes.map((x) => [x.id, x.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const f = byId.get(id);
    const us = p.timeDeltas[i] ?? 0;
    total += us;
    const key = f ? `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}` : '?';
    self.set(key, (self.get(key) ?? 0) + us);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `    ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
function rss(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** Chromium renderer processes started by this process (never another engineer's). */
function rendererPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!pid) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes('--type=renderer')) continue;
    for (let p = pid, hops = 0; p > 1 && hops < 8; p = parentOf(p), hops++) {
      if (p === process.pid) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

function synthesizeScores(ws: string, spec: SyntheticSpec, maxSteps: number): string {
  const w = openWorkspace(ws);
  try {
    const ds = w.datasets.list()[0];
    const run = w.runs.create({ modelId: 'bench-synthetic', modelHash: 'synthetic', datasetId: ds.id, split: 'train', scheme: { name: 'paper', params: { k: 28 } }, maxSteps, seed: 0, backend: 'wasm', workers: 1, count: spec.count });
    const results: ImageResult[] = [];
    const CHUNK = 50_000;
    for (let from = 0; from < spec.count; from += CHUNK) {
      const rows: ScoreRow[] = [];
      for (let i = from; i < Math.min(spec.count, from + CHUNK); i++) {
        const label = labelOf(spec, i);
        const h = (Math.imul(i + 1, 0x9e3779b1) >>> 8) % 1000;
        const mis = h < 20;
        const robust = !mis && h > 700;
        const steps = mis ? 0 : robust ? maxSteps : 1 + (h % (maxSteps - 1));
        const row: ScoreRow = { index: i, label, steps, robust: robust ? 1 : 0, cleanPred: mis ? (label + 1) % 10 : label, cleanConf: 0.9, foolPred: robust || mis ? -1 : (label + 3) % 10, foolUpper: 0.5 };
        rows.push(row);
        results.push({ index: i, label, steps, robust, cleanPred: row.cleanPred } as unknown as ImageResult);
      }
      w.runs.commitScores(run.id, rows, Math.min(spec.count, from + CHUNK));
    }
    w.runs.finish(run.id, runStats(results, 10, maxSteps, { predictions: 0, elapsedMs: 0 }));
    return run.id;
  } finally {
    w.close();
  }
}

/** The query time the grid shows in its status ("… · 12.3 ms"), after `action`. */
async function queryMs(page: Page, action: () => Promise<unknown>): Promise<{ queryMs: number; roundTripMs: number; status: string }> {
  const before = await page.getByTestId('grid-status').textContent();
  const t0 = performance.now();
  await action();
  await page.waitForFunction((b) => document.querySelector('[data-testid="grid-status"]')?.textContent !== b, before);
  const roundTripMs = performance.now() - t0;
  const status = ((await page.getByTestId('grid-status').textContent()) ?? '').replace(/\s+/g, ' ').trim();
  return { queryMs: Number(/·\s*([\d.]+)\s*ms/.exec(status)?.[1] ?? NaN), roundTripMs, status };
}

/** Scroll to the bottom and back in `frames` animation frames each way; frames dropped at 60 Hz. */
async function scrollRoundTrip(page: Page, frames: number): Promise<{ frames: number; dropped: number; worstFrameMs: number; maxScrollTop: number; atBottom: number }> {
  // a string, not a function: tsx's keepNames would wrap the inner arrow in a helper the page lacks
  return page.evaluate(`(async (frames) => {
    const g = document.querySelector('[data-testid="grid"]');
    const max = g.scrollHeight - g.clientHeight;
    const deltas = [];
    let last = performance.now();
    const step = (top) => new Promise((ok) => requestAnimationFrame(() => {
      g.scrollTop = top;
      const t = performance.now();
      deltas.push(t - last);
      last = t;
      ok();
    }));
    for (let f = 1; f <= frames; f++) await step((max * f) / frames);
    await new Promise((ok) => setTimeout(ok, 500));
    const atBottom = g.scrollTop;
    last = performance.now();
    for (let f = frames - 1; f >= 0; f--) await step((max * f) / frames);
    const dropped = deltas.reduce((a, d) => a + Math.max(0, Math.round(d / (1000 / 60)) - 1), 0);
    return { frames: deltas.length, dropped, worstFrameMs: Math.max(...deltas), maxScrollTop: max, atBottom };
  })(${frames})`);
}

async function browseSet(root: string, out: string, plan: SetPlan): Promise<Record<string, unknown>> {
  const { spec } = plan;
  const gen = join(out, `gen-${plan.name}`);
  const marker = join(gen, 'done.json');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== JSON.stringify(spec)) {
    rmSync(gen, { recursive: true, force: true });
    const t = performance.now();
    writeSyntheticIdx(gen, spec);
    writeFileSync(marker, JSON.stringify(spec));
    console.log(`generated ${plan.name}: ${spec.count} × ${spec.height}×${spec.width}×${spec.channels} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const ws = join(out, `ws-browse-${plan.name}`);
  rmSync(ws, { recursive: true, force: true });
  const env = { ...process.env, RPR_DATA_DIR: join(out, 'data') };
  const t0 = performance.now();
  const imp = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(root, 'bin/rpr.mjs'), 'import', gen, '--workspace', ws, '--name', plan.name], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const importMs = performance.now() - t0;
  if (imp.status !== 0) throw new Error(`rpr import ${plan.name} failed: ${imp.stderr.slice(-2000)}`);
  const importPeakMiB = Number(imp.stderr.trim().split('\n').at(-1)) / 1024;
  console.log(`import ${plan.name} (rpr import, the importer as built on this branch): ${(importMs / 1000).toFixed(1)} s, peak RSS ${importPeakMiB.toFixed(0)} MiB`);
  const r: Record<string, unknown> = { set: plan.name, count: spec.count, shape: [spec.height, spec.width, spec.channels], importMs, importPeakMiB };
  let runId: string | null = null;
  if (plan.scores) {
    const t = performance.now();
    runId = synthesizeScores(ws, spec, 250);
    r.scoresSynthesized = true;
    console.log(`scores SYNTHESIZED for ${spec.count} images through the store API (not a real scoring run) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  const served = await startServe(ws, { RPR_DATA_DIR: join(out, 'data') });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(served.url);
    await page.getByTestId('nav-explore').waitFor();
    // first paint: from opening Explore to the first cell drawn from its tile
    const profiling = process.env.BENCH_BROWSE_PROFILE === '1';
    if (profiling) await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
    const tPaint = performance.now();
    await page.getByTestId('nav-explore').click();
    await page.waitForFunction(FIRST_TILE_DRAWN, null, { timeout: 120_000, polling: 'raf' });
    r.firstPaintMs = performance.now() - tPaint;
    if (profiling) {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      console.log(`  where the first paint's main-thread time went (self time, top 12):\n${topSelfTime(profile, 12)}`);
    }
    // where the time went: the columns call and the first thumbnail call, as the page saw them
    r.firstCalls = await page.evaluate(`(() => {
      const e = performance.getEntriesByType('resource');
      const one = (name) => { const x = e.find((r) => r.name.includes('/rpc/' + name)); return x ? { ms: x.duration, waitMs: x.responseStart - x.requestStart, bytes: x.encodedBodySize } : null; };
      return { columns: one('datasets.columns'), firstThumbs: one('datasets.thumbs') };
    })()`);
    // again after a reload: the label file now exists (the first open writes it from SQLite)
    await page.reload();
    await page.getByTestId('nav-explore').waitFor();
    const tWarm = performance.now();
    await page.getByTestId('nav-explore').click();
    await page.waitForFunction(FIRST_TILE_DRAWN, null, { timeout: 120_000, polling: 'raf' });
    r.firstPaintWarmMs = performance.now() - tWarm;
    await page.getByTestId('thumb-size').fill(String(spec.width * plan.zoom));
    r.filterLabel = await queryMs(page, () => page.getByTestId('filter-label').selectOption('3'));
    r.filterReset = await queryMs(page, () => page.getByTestId('filter-label').selectOption('all'));
    if (runId) {
      // attaching a run: its score columns arrive (one binary frame) and the grid shows them
      const tRun = performance.now();
      await page.getByTestId('explore-run').selectOption(runId);
      await page.getByTestId('score-filters').waitFor({ timeout: 120_000 });
      await page.waitForFunction(() => /· [\d.]+ ms/.test(document.querySelector('[data-testid="grid-status"]')?.textContent ?? '') && !/loading/.test(document.querySelector('[data-testid="grid-status"]')?.textContent ?? ''), null, { timeout: 120_000 });
      r.attachRunMs = performance.now() - tRun;
      r.sortSteps = await queryMs(page, () => page.getByTestId('sort-key').selectOption('steps'));
      r.sortStepsDesc = await queryMs(page, () => page.getByTestId('sort-dir').selectOption('desc'));
      r.filterRobust = await queryMs(page, () => page.getByTestId('filter-robust').selectOption('no'));
      r.filterRobustReset = await queryMs(page, () => page.getByTestId('filter-robust').selectOption('any'));
    }
    if (process.env.BENCH_BROWSE_PROFILE === '1') await cdp.send('Profiler.enable').then(() => cdp.send('Profiler.start'));
    r.scroll = await scrollRoundTrip(page, 120);
    if (process.env.BENCH_BROWSE_PROFILE === '1') {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
      writeFileSync(join(out, `scroll-${plan.name}.cpuprofile`), JSON.stringify(profile));
      console.log(`  where the scroll's main-thread time went (self time, top 12; profile in bench-results/scroll-${plan.name}.cpuprofile):\n${topSelfTime(profile, 12)}`);
    }
    // the last row shows the right image (in the current sort order)
    await page.getByTestId('grid').focus();
    await page.keyboard.press('End');
    const last = Number(await page.getByTestId('grid').getAttribute('data-count')) - 1;
    await page.locator(`[data-testid="cell"][data-pos="${last}"]`).waitFor({ timeout: 60_000 });
    const id = (await page.locator(`[data-testid="cell"][data-pos="${last}"]`).getAttribute('data-id')) ?? '';
    const index = Number(id.split('/')[1]);
    const want = JSON.stringify(asRgb(imageOf(spec, index), spec.channels));
    const tLast = performance.now();
    let ok = false;
    while (performance.now() - tLast < 30_000 && !ok) {
      ok = JSON.stringify(await drawnImage(page, last, spec, plan.zoom)) === want;
      if (!ok) await new Promise((res) => setTimeout(res, 100));
    }
    r.lastRow = { id, rightImage: ok, msToDraw: performance.now() - tLast };
    await page.keyboard.press('Home');
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const m = (n: string) => (metrics.find((x) => x.name === n)?.value ?? 0) / MB;
    const renderers = rendererPids().map((pid) => ({ pid, ...rss(pid) }));
    r.rss = {
      main: rss(served.proc.pid!),
      renderer: renderers.reduce((a, x) => ((x.peakMiB ?? 0) > (a?.peakMiB ?? -1) ? x : a), null as null | (typeof renderers)[number]),
      rendererJsHeapUsedMiB: m('JSHeapUsedSize'),
      rendererJsHeapTotalMiB: m('JSHeapTotalSize'),
      engineWorkers: 'none running while browsing; engine worker threads live in the rpr serve process (counted in main)',
    };
  } finally {
    await browser.close();
    await served.stop();
  }
  return r;
}

export async function browseBench(root: string, out: string): Promise<void> {
  const million = Number(process.env.BENCH_BROWSE_GRAY ?? 1_000_000);
  const rgb = Number(process.env.BENCH_BROWSE_RGB ?? 200_000);
  const plans: SetPlan[] = [
    { name: `gray-${million}`, spec: { split: 'train', count: million, height: 28, width: 28, channels: 1, seed: 1 }, zoom: 2, scores: true },
    { name: `rgb-${rgb}`, spec: { split: 'train', count: rgb, height: 32, width: 32, channels: 3, seed: 2 }, zoom: 2, scores: false },
  ];
  const results: Record<string, unknown>[] = [];
  for (const p of plans) {
    const r = await browseSet(root, out, p);
    results.push(r);
    const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(1) : String(x));
    const q = (k: string) => (r[k] ? `${f((r[k] as { queryMs: number }).queryMs)} ms (round trip ${f((r[k] as { roundTripMs: number }).roundTripMs)} ms)` : 'n/a');
    const rs = r.rss as { main: { rssMiB: number; peakMiB: number } | null; renderer: { rssMiB?: number; peakMiB?: number } | null; rendererJsHeapUsedMiB: number };
    const sc = r.scroll as { frames: number; dropped: number; worstFrameMs: number };
    const lr = r.lastRow as { id: string; rightImage: boolean };
    console.log(`${p.name}: first paint ${f(r.firstPaintMs)} ms (first open; after a reload ${f(r.firstPaintWarmMs)} ms); filter label ${q('filterLabel')}; sort by steps ${q('sortSteps')}${r.scoresSynthesized ? ' [scores synthesized]' : ''}; desc ${q('sortStepsDesc')}; filter robust=no ${q('filterRobust')}`);
    console.log(`  first calls as the page saw them: ${JSON.stringify(r.firstCalls)}`);
    if (r.attachRunMs !== undefined) console.log(`  selecting the scoring run until its scores show: ${f(r.attachRunMs)} ms`);
    console.log(`  scroll to the last row and back: ${sc.frames} frames, ${sc.dropped} dropped (worst ${f(sc.worstFrameMs)} ms); last row ${lr.id} shows the right image: ${lr.rightImage}`);
    console.log(`  RSS: rpr serve ${f(rs.main?.rssMiB)} MiB (peak ${f(rs.main?.peakMiB)}), Chromium renderer ${f(rs.renderer?.rssMiB)} MiB (peak ${f(rs.renderer?.peakMiB)}), renderer JS heap ${f(rs.rendererJsHeapUsedMiB)} MiB`);
  }
  writeFileSync(join(out, 'browse.json'), JSON.stringify(results, null, 2) + '\n');
}
