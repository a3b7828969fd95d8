/// <reference lib="dom" />
// Test support: Debian's chromium driven by playwright-core (it cannot download a browser here), and
// the checks every page test makes: console errors, requests that leave 127.0.0.1, axe-core.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where the browser is: MESHD_CHROMIUM, else Debian's package. */
export const CHROMIUM = process.env.MESHD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Starts headless chromium (with `extraArgs`, e.g. `--host-resolver-rules`). Throws (the test fails, it never skips) when the browser is missing:
 * `scripts/bootstrap.mjs --all` and `.ci/run` install it with apt-get.
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium, or run node scripts/bootstrap.mjs --all as root); browser tests do not skip`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
}

/** What a page did that a test asserts on: console errors, uncaught errors, every request, navigations. */
export interface PageRecord {
  consoleErrors: string[];
  requests: string[];
  navigations: number;
}

/** Records console errors, page errors, requests and main-frame navigations of a page from now on. */
export function recordPage(page: Page): PageRecord {
  const record: PageRecord = { consoleErrors: [], requests: [], navigations: 0 };
  page.on('console', (m) => void (m.type() === 'error' && record.consoleErrors.push(m.text())));
  page.on('pageerror', (e) => record.consoleErrors.push(`uncaught: ${e.message}`));
  page.on('request', (r) => record.requests.push(r.url()));
  page.on('framenavigated', (f) => void (f === page.mainFrame() && record.navigations++));
  return record;
}

/** Requests that went anywhere but 127.0.0.1 (data: URLs stay in the page). */
export function requestsLeavingLoopback(record: PageRecord): string[] {
  return record.requests.filter((url) => !url.startsWith('data:') && new URL(url).hostname !== '127.0.0.1');
}

/** One axe-core violation, as much as a failure message needs. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Injects axe-core into the page (through the debugger, so the page's CSP does not apply) and runs it (WCAG 2 A/AA). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/** Violations axe rates serious or critical. */
export function seriousOnly(violations: readonly AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
