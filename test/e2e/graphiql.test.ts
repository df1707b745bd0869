// GraphiQL in a real browser: Debian's Chromium driven by playwright-core opens /graphql (served from the
// local bundle, no CDN), runs the default query with the pre-filled demo headers, and reads the result
// pane; a screenshot goes to test-output/graphiql.png.
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/server';
import { createSimulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { launchBrowser, openWatchedPage } from '../support/browser';

let browser: Browser;
let server: Server;
let upstream: RunningSimulator;
let gateway: ReturnType<typeof createGateway>;
let url: string;
const simulator = createSimulator();

beforeAll(async () => {
  upstream = await listenSimulator(simulator);
  gateway = createGateway({
    upstreamUrl: upstream.url,
    graphiqlHeaders: { 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' },
  });
  server = createServer(gateway.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await gateway?.close();
  await upstream?.close();
});

describe('GraphiQL in Chromium', () => {
  it('runs the default query with the demo headers and shows jobs', async () => {
    const { page, external, errors } = await openWatchedPage(browser);
    await page.goto(url);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    const before = simulator.calls;
    await page.locator('.graphiql-execute-button').click();
    const resultPane = page.locator('.graphiql-response');
    await expect.poll(async () => resultPane.textContent(), { timeout: 30_000 }).toContain('"jobId"');
    const text = (await resultPane.textContent()) ?? '';
    expect(text).toContain('"edges"');
    expect(text).toContain('"data"');
    expect(text).not.toContain('"errors"');
    expect(simulator.calls).toBeGreaterThan(before);
    expect(external, external.join(' ')).toEqual([]);
    expect(errors, errors.join('\n')).toEqual([]);
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/graphiql.png' });
  });
});
