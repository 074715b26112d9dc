import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** Debian's Chromium: the browser tests drive it and never download one. */
export const CHROMIUM = process.env.SWITCHYARD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium through playwright-core. Playwright starts it with a fresh temporary profile
 * (user-data dir) each launch and removes it on close. Fails, never skips, when Chromium is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install -y chromium; .ci/run installs it when missing)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Nothing but loopback is reachable here: keep Chromium from phoning home.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** Page errors and console errors (a Content-Security-Policy violation is one), for asserting there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/** Waits until the element `selector` reads `expected` (exactly, or matching it); the timeout only means "hung". */
export async function waitForText(
  page: Page,
  selector: string,
  expected: string | RegExp,
  timeoutMs = 60_000,
): Promise<void> {
  const [source, flags, exact] =
    typeof expected === 'string' ? ['', '', expected] : [expected.source, expected.flags, null];
  await page
    .waitForFunction(
      ({ selector, source, flags, exact }) => {
        const element = document.querySelector(selector);
        const text = (
          element instanceof HTMLTextAreaElement || element instanceof HTMLInputElement
            ? element.value
            : element?.textContent
        )?.trim();
        if (text === undefined) return false;
        return exact !== null ? text === exact : new RegExp(source, flags).test(text);
      },
      { selector, source, flags, exact },
      { timeout: timeoutMs },
    )
    .catch(async (err: unknown) => {
      const seen = await page
        .locator(selector)
        .first()
        .evaluate(
          (e) => (e instanceof HTMLTextAreaElement || e instanceof HTMLInputElement ? e.value : e.textContent),
          undefined,
          { timeout: 100 },
        )
        .catch(() => '(absent)');
      throw new Error(
        `waiting for ${selector} to read ${String(expected)}: it reads ${JSON.stringify(seen)} (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
      );
    });
}
