// Debian's Chromium driven by playwright-core for the browser suite (`npm run test:e2e`): launched
// offline (no background networking, which this machine's closed network would refuse at every start),
// and pages that record what would make a test dishonest: console errors, uncaught page errors and any
// request that leaves loopback.
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Requests to anything but loopback (data: and blob: URLs of loopback pages are fine). */
  external: string[];
}

const LOOPBACK =
  /^(https?:\/\/(127\.0\.0\.1|localhost)[:/]|wss?:\/\/(127\.0\.0\.1|localhost)[:/]|data:|blob:https?:\/\/(127\.0\.0\.1|localhost)[:/])/;

/** A new page whose console errors, page errors and non-loopback requests are collected. */
export async function openWatchedPage(
  browser: Browser,
  viewport = { width: 1400, height: 900 },
): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  const external: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
  page.on('request', (request) => {
    if (!LOOPBACK.test(request.url())) external.push(request.url());
  });
  return { page, errors, external };
}
