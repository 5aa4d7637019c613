/**
 * The served UI opened without its token (issue 12 item 10): the page says to open the URL
 * printed by `rpr serve` (it carries a token), shows no toast and no workspace chooser, and
 * makes no call to the server; a token of an earlier run gets the same page; the printed URL
 * opens the app.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startServe, type Served } from '../helpers/serve';

describe('the served UI without its token', () => {
  let served: Served;
  let browser: Browser;

  beforeAll(async () => {
    served = await startServe(join(mkdtempSync(join(tmpdir(), 'rpr-e2e-token-')), 'workspace'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  /** Open a page in a fresh context, recording every call to the server and every failed response. */
  async function open(url: string): Promise<{ page: Page; rpc: string[]; failed: string[]; console: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const rpc: string[] = [];
    const failed: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/rpc/') || u.pathname === '/events') rpc.push(u.pathname);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(url);
    return { page, rpc, failed, console: consoleErrors };
  }

  it('says to open the URL printed by rpr serve, and makes no failing call', async () => {
    const { page, rpc, failed, console } = await open(`${served.origin}/`);
    const note = page.getByTestId('needs-token');
    await note.waitFor({ timeout: 30_000 });
    expect(await note.getAttribute('data-reason')).toBe('missing');
    expect((await note.innerText()).replace(/\s+/g, ' ')).toContain('Open the URL printed by rpr serve (it carries a token)');
    await page.waitForTimeout(1500); // anything the page would do on its own, it has done by now
    expect(await page.getByTestId('toast').count()).toBe(0);
    expect(await page.getByTestId('workspace-create').count()).toBe(0);
    expect(rpc).toEqual([]);
    expect(failed).toEqual([]);
    expect(console).toEqual([]);
    await page.context().close();
  });

  it('a token the server refuses (an earlier run) gets the same advice and no toast', async () => {
    const { page, failed } = await open(`${served.origin}/?token=${'0'.repeat(48)}`);
    const note = page.getByTestId('needs-token');
    await note.waitFor({ timeout: 30_000 });
    expect(await note.getAttribute('data-reason')).toBe('refused');
    expect((await note.innerText()).replace(/\s+/g, ' ')).toContain('Open the URL printed by rpr serve (it carries a token)');
    await page.waitForTimeout(1500);
    expect(await page.getByTestId('toast').count()).toBe(0);
    expect(failed).toEqual(['401 /rpc/workspace.current']); // the one probe that found out
    await page.context().close();
  });

  it('the printed URL opens the app, with no error', async () => {
    const { page, failed } = await open(served.url);
    await page.getByTestId('workspace-path').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('needs-token').count()).toBe(0);
    await page.waitForTimeout(1000);
    expect(await page.locator('[data-testid="toast"][data-kind="error"]').count()).toBe(0);
    expect(failed).toEqual([]);
    await page.context().close();
  });
});
