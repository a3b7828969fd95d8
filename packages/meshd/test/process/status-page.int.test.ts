/// <reference lib="dom" />
// The status page in a real browser (Debian's chromium through playwright-core) against the real
// `meshd run` process on three real clusters: what a person sees, live updates without a reload, no
// console errors, no request leaving 127.0.0.1, axe-core in light and dark, a screenshot.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchChromium, recordPage, requestsLeavingLoopback, seriousOnly, type PageRecord } from '../../../../test/support/browser.js';
import { REPO, until } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';

const ARTIFACTS = join(REPO, 'test-artifacts');
// A name the browser resolves to 127.0.0.1, as an attacker's DNS would after rebinding (no DNS query leaves the machine).
const REBIND = 'rebind.meshd.test';
let browser: Browser | undefined;
let launchError: unknown;
// The browser first. Without chromium every test below FAILS with the reason (a failing hook would
// only mark them skipped).
beforeAll(async () => {
  browser = await launchChromium([`--host-resolver-rules=MAP ${REBIND} 127.0.0.1`]).catch((err: unknown) => void (launchError = err));
}, 60_000);

/** Throws why there is no browser; each test starts with it. */
function needBrowser(): void {
  if (browser === undefined) throw launchError instanceof Error ? launchError : new Error('chromium did not start');
}
const fx = useProcessFixture({ joined: 3 });
let context: BrowserContext;
let page: Page;
let record: PageRecord;

const log = (): string => fx.daemon.tail(15);

/** The state badge of each cluster card, as the page shows it. */
async function cardStates(): Promise<Record<string, string>> {
  const cards = await page.locator('#clusters li.card').all();
  const entries = await Promise.all(
    cards.map(async (card) => [await card.getAttribute('data-cluster'), (await card.locator('.state').textContent())?.trim()] as const),
  );
  return Object.fromEntries(entries.map(([name, state]) => [name ?? '?', state ?? '?']));
}

beforeAll(async () => {
  if (browser === undefined) return;
  await until(
    'every cluster converged',
    async () => {
      const status = await fx.daemon.status();
      return status.clusters.length === 3 && status.clusters.every((c) => c.state === 'converged') ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250, context: log },
  );
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  page = await context.newPage();
  record = recordPage(page);
  await page.goto(`${fx.daemon.url}/`);
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('the status page (GET /) in chromium', () => {
  it('shows one card per cluster with its state, and the endpoints in use', async () => {
    needBrowser();
    await page.waitForFunction(() => document.querySelectorAll('#clusters li.card').length === 3, undefined, { timeout: 20_000 });
    expect(await cardStates()).toEqual({ cp: 'converged', 'remote-1': 'converged', 'remote-2': 'converged' });
    const cp = page.locator('li.card[data-cluster="cp"]');
    expect(await cp.locator('dl').textContent()).toContain('control plane');
    expect(await cp.locator('dl').textContent()).toContain('v1.34');
    expect(await page.locator('li.card[data-cluster="remote-1"] dl').textContent()).toMatch(/release\s*in-sync/);
    // The minted Pilot credential of each remote (credentials.mode minted, the default) with its expiry.
    await page.waitForFunction(
      () => /credential expires\s*in /.test(document.querySelector('li.card[data-cluster="remote-1"] dl')?.textContent ?? ''),
      undefined,
      { timeout: 20_000 },
    );
    expect(await page.locator('[data-endpoint="pilot"] td').textContent()).toBe(await fx.env.controlPlane.podIp('pilot'));
    expect(await page.locator('#summary').textContent()).toContain('Ready: 3 of 3 clusters converged');
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('live');
  });

  it('shows a Pilot move within moments, without a reload', async () => {
    needBrowser();
    await page.evaluate(() => void ((window as unknown as { marker: number }).marker = 42));
    const navigations = record.navigations;
    const ip = await fx.env.controlPlane.movePilot();
    await page.waitForFunction((want) => document.querySelector('[data-endpoint="pilot"] td')?.textContent === want, ip, { timeout: 30_000 });
    await page.waitForFunction((want) => Array.from(document.querySelectorAll('#timeline li')).some((li) => li.textContent?.includes(`→ ${want}`)), ip, {
      timeout: 10_000,
    });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(record.navigations).toBe(navigations);
  });

  it('shows a remote going unreachable and coming back', async () => {
    needBrowser();
    const remote = fx.env.clusters[2]!;
    await remote.stopApiServer();
    try {
      await page.waitForFunction(() => document.querySelector('li.card[data-cluster="remote-2"]')?.getAttribute('data-state') === 'unreachable', undefined, {
        timeout: 60_000,
      });
      expect(await page.locator('li.card[data-cluster="remote-2"] .error').textContent()).toMatch(/MESHD_ERR_(UNREACHABLE|TIMEOUT)/);
    } finally {
      await remote.startApiServer();
    }
    await page.waitForFunction(() => document.querySelector('li.card[data-cluster="remote-2"]')?.getAttribute('data-state') === 'converged', undefined, {
      timeout: 90_000,
    });
  });

  it('can be used from the keyboard: the first Tab reaches the skip link', async () => {
    needBrowser();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the clusters');
    await page.keyboard.press('Enter');
    // The fragment navigation lands after the key press resolves: wait for it rather than read the URL at once.
    await page.waitForFunction(() => location.hash === '#clusters-heading', undefined, { timeout: 5_000 });
    expect(page.url()).toMatch(/#clusters-heading$/);
  });

  it('has no serious or critical accessibility violations, in light and dark', async () => {
    needBrowser();
    expect(seriousOnly(await axeViolations(page))).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(seriousOnly(await axeViolations(page))).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
  });

  it('fits a phone screen without sideways scrolling', async () => {
    needBrowser();
    const phone = await context.newPage();
    const phoneRecord = recordPage(phone);
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${fx.daemon.url}/`);
    await phone.waitForFunction(() => document.querySelectorAll('#clusters li.card').length === 3, undefined, { timeout: 20_000 });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await phone.screenshot({ path: join(ARTIFACTS, 'status-page-phone.png'), fullPage: true });
    expect(phoneRecord.consoleErrors).toEqual([]);
    await phone.close();
  });

  it('answers a page that reached it through another name (DNS rebinding) with 421 and nothing of the mesh', async () => {
    needBrowser();
    const rebound = await context.newPage();
    try {
      const res = await rebound.goto(`http://${REBIND}:${new URL(fx.daemon.url).port}/status`);
      expect(res?.status()).toBe(421);
      const body = (await rebound.locator('body').textContent()) ?? '';
      expect(body).toContain('misdirected request: the Host header does not name this server');
      expect(body).not.toContain('remote-1');
    } finally {
      await rebound.close();
    }
    const metrics = await (await fetch(`${fx.daemon.url}/metrics`)).text();
    expect(metrics).toMatch(/^meshd_http_refused_requests_total\{reason="host"\} [1-9]/m);
    expect(fx.daemon.tail(200)).toContain('refused a request whose Host header does not name this server');
  });

  it('logged no console error and sent no request beyond 127.0.0.1', () => {
    needBrowser();
    expect(record.consoleErrors).toEqual([]);
    expect(requestsLeavingLoopback(record)).toEqual([]);
    expect(record.requests.some((u) => u.endsWith('/events'))).toBe(true);
  });
});
