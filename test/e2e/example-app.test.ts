// The example app (examples/web) in Debian's Chromium, cross-origin: the built app on one loopback port,
// the gateway (CORS_ORIGINS = the app's origin, the app's persisted documents) on another, the simulator on
// a third with a clock the test moves. For both clients (Apollo Client, urql): every page of the account
// equals the simulator's list (count, order, no duplicates, one request per page), the state filter, a job
// going QUEUED → STARTED → COMPLETED updates its badge and its row, a gateway restart during a watch
// (shared CURSOR_SECRET) keeps "load more" and the badge working, and a disallowed origin shows the
// documented message. Any console error or request leaving loopback fails a test.

import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildExampleApp,
  EXAMPLE_APP_MANIFEST,
  EXAMPLE_APP_ROOT,
  exampleAppManifest,
  withExampleApp,
} from '../../src/example-app';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { CUSTOMER_A } from '../support/accounts';
import { launchBrowser, openWatchedPage, type WatchedPage } from '../support/browser';
import { reportFigure } from '../support/figures';
import { freePort, gatewayCommand, type RunningProcess, startProcess } from '../support/process';
import { type ServedGateway, serveGateway } from '../support/served-gateway';

const CLIENTS = ['apollo', 'urql'] as const;
const CURSOR_SECRET = 'example-app-e2e-cursor-secret-0123456789abcdef';

let browser: Browser;
let appServer: Server;
let appOrigin: string;
let upstream: RunningSimulator;
let simulator: Simulator;
/** The simulator's clock: frozen, moved by the tests (jobs progress, nothing arrives meanwhile). */
let now = Date.now();

async function startGateway(corsOrigins: string[]): Promise<ServedGateway> {
  return serveGateway({
    upstreamUrl: upstream.url,
    corsOrigins,
    persistedDocuments: exampleAppManifest(),
    cursorSecret: Buffer.from(CURSOR_SECRET),
    pollIntervalMs: 100,
  });
}

function appUrl(gatewayOrigin: string, client: (typeof CLIENTS)[number]): string {
  return `${appOrigin}/app/?gateway=${encodeURIComponent(gatewayOrigin)}#/${client}`;
}

const rowIds = (page: Page) =>
  page
    .locator('[data-testid=job-row]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-job-id')));

/** Scrolls to the end of the list, page after page (the sentinel loads the next one), until it is all there. */
async function scrollToEnd(page: Page): Promise<void> {
  const end = page.locator('[data-testid=end-of-list]');
  for (let guard = 0; guard < 100 && !(await end.isVisible()); guard++) {
    await page
      .locator('[data-testid=jobs-table] tbody tr')
      .last()
      .scrollIntoViewIfNeeded()
      .catch(() => undefined);
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=end-of-list]') !== null ||
        document.querySelector('[data-testid=load-more]') !== null,
    );
  }
  await end.waitFor();
}

/** The account's jobs in upstream order as v2 names them (the gateway's default API version). */
const simulatorList = (states?: readonly string[]) =>
  simulator
    .jobsOf(CUSTOMER_A)
    .filter((job) => !states || states.includes(jobState(job.id)))
    .map((job) => `job_${job.id}`);

/** A job's state as the gateway reports it now (read through the simulator's own v2 route). */
const states = new Map<string, string>();
function jobState(id: string): string {
  return states.get(id) ?? 'UNKNOWN';
}

async function loadStates(): Promise<void> {
  states.clear();
  let pageKey: string | undefined;
  do {
    const url = new URL('/v2/jobs', upstream.url);
    url.searchParams.set('limit', '100');
    if (pageKey) url.searchParams.set('page_key', pageKey);
    const body = (await (await fetch(url, { headers: { 'x-api-key': 'demo-api-key' } })).json()) as {
      jobs: { id: string; state: string }[];
      metadata?: { page_key?: string };
    };
    for (const job of body.jobs) states.set(job.id.replace(/^job_/, ''), job.state.toUpperCase());
    pageKey = body.metadata?.page_key || undefined;
  } while (pageKey);
}

function expectNoProblems(watched: WatchedPage): void {
  expect(watched.errors, watched.errors.join('\n')).toEqual([]);
  expect(watched.external, watched.external.join('\n')).toEqual([]);
}

beforeAll(async () => {
  await buildExampleApp();
  simulator = createSimulator({ now: () => now });
  upstream = await listenSimulator(simulator);
  await loadStates();
  appServer = createServer(
    withExampleApp((_request, response) => {
      response.writeHead(404).end();
    }),
  );
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  const assets = join(EXAMPLE_APP_ROOT, 'dist/assets');
  const sizes = Object.fromEntries(
    readdirSync(assets)
      .filter((name) => /\.(js|css)$/.test(name))
      .map((name) => {
        const bytes = readFileSync(join(assets, name));
        return [name, { bytes: bytes.length, gzip: gzipSync(bytes).length }];
      }),
  );
  reportFigure('example app bundle', sizes);
});

afterAll(async () => {
  await browser?.close();
  appServer?.closeAllConnections();
  await new Promise((resolve) => appServer?.close(resolve));
  await upstream?.close();
});

describe.each(CLIENTS)('the example app, %s page, cross-origin', (client) => {
  it('walks every page of the account: the simulator’s list, in order, once each, one request per page', async () => {
    const gateway = await startGateway([appOrigin]);
    const watched = await openWatchedPage(browser);
    try {
      const started = performance.now();
      await watched.page.goto(appUrl(gateway.origin, client));
      await watched.page.locator('[data-testid=job-row]').first().waitFor();
      const firstRowsMs = Math.round(performance.now() - started);
      await scrollToEnd(watched.page);
      const before = { ...gateway.counts };
      await watched.page.selectOption('[data-testid=state-filter]', 'all');
      await scrollToEnd(watched.page);
      const ids = await rowIds(watched.page);
      const expected = simulatorList();
      // The demo account's 316 jobs, plus those the live tests added.
      expect(expected.length).toBeGreaterThanOrEqual(316);
      expect(ids).toEqual(expected);
      expect(new Set(ids).size).toBe(ids.length);
      const pages = Math.ceil(expected.length / 25);
      // Each page of "all" is one POST (by id; the manifest knows every operation of the app).
      expect(gateway.counts.posts - before.posts).toBe(pages);
      expect(gateway.counts.preflights).toBeLessThanOrEqual(2);
      reportFigure(`example app walk (${client})`, {
        rows: ids.length,
        pages,
        posts: gateway.counts.posts,
        preflights: gateway.counts.preflights,
        firstRowsMs,
      });
      await watched.page.screenshot({ path: `test-output/example-app-${client}.png` });
      expectNoProblems(watched);
    } finally {
      await watched.page.close();
      await gateway.close();
    }
  });

  it('filters by state', async () => {
    const gateway = await startGateway([appOrigin]);
    const watched = await openWatchedPage(browser);
    try {
      await watched.page.goto(appUrl(gateway.origin, client));
      await watched.page.locator('[data-testid=row-count]').waitFor();
      await watched.page.selectOption('[data-testid=state-filter]', 'failed');
      await watched.page.locator('[data-testid=job-row]').first().waitFor();
      await scrollToEnd(watched.page);
      const rows = watched.page.locator('[data-testid=job-row]');
      const shownStates = new Set(
        await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-state'))),
      );
      expect([...shownStates].every((state) => state === 'FAILED' || state === 'ABORTED')).toBe(true);
      expect(await rowIds(watched.page)).toEqual(simulatorList(['FAILED', 'ABORTED']));
      expectNoProblems(watched);
    } finally {
      await watched.page.close();
      await gateway.close();
    }
  });

  it('follows a job from QUEUED to COMPLETED: its badge, its row and the Active jobs panel', async () => {
    const gateway = await startGateway([appOrigin]);
    const watched = await openWatchedPage(browser);
    const job = simulator.addJob({ queuedForSecs: 60, runForSecs: 60, finalState: 'COMPLETED' });
    const jobId = `job_${job.id}`;
    try {
      await watched.page.goto(appUrl(gateway.origin, client));
      await watched.page.locator('[data-testid=job-row]').first().waitFor();
      await scrollToEnd(watched.page);
      const row = watched.page.locator(`[data-testid=job-row][data-job-id="${jobId}"]`);
      await expect.poll(() => row.getAttribute('data-state')).toBe('QUEUED');
      await row.locator('[data-testid=watch]').click();
      const badge = row.locator('[data-testid=live-badge]');
      await expect.poll(() => badge.getAttribute('data-state')).toBe('QUEUED');
      const active = watched.page.locator(`[data-testid=active-job][data-job-id="${jobId}"]`);
      await expect.poll(() => active.getAttribute('data-state')).toBe('QUEUED');
      now += 61_000;
      await expect.poll(() => badge.getAttribute('data-state'), { timeout: 15_000 }).toBe('STARTED');
      await expect.poll(() => row.getAttribute('data-state')).toBe('STARTED');
      await expect.poll(() => active.getAttribute('data-state'), { timeout: 15_000 }).toBe('STARTED');
      now += 61_000;
      await expect.poll(() => badge.getAttribute('data-state'), { timeout: 15_000 }).toBe('COMPLETED');
      await expect.poll(() => row.getAttribute('data-state')).toBe('COMPLETED');
      await expect.poll(() => active.count(), { timeout: 15_000 }).toBe(0);
      await watched.page.screenshot({ path: `test-output/example-app-${client}-live.png` });
      expectNoProblems(watched);
    } finally {
      await watched.page.close();
      await gateway.close();
      await loadStates();
    }
  });

  it('says what is wrong when the gateway does not allow its origin', async () => {
    const gateway = await startGateway(['https://elsewhere.example']);
    const watched = await openWatchedPage(browser);
    try {
      await watched.page.goto(appUrl(gateway.origin, client));
      const problem = watched.page.locator('[data-testid=problem]').first();
      await expect
        .poll(() => problem.textContent(), { timeout: 15_000 })
        .toContain('does CORS_ORIGINS list this page');
      // Chromium reports the refused requests itself; nothing else may fail.
      const unexpected = watched.errors.filter(
        (error) => !/CORS policy|net::ERR_FAILED|Failed to fetch|WebSocket connection to/.test(error),
      );
      expect(unexpected).toEqual([]);
      expect(watched.external).toEqual([]);
      await watched.page.screenshot({ path: `test-output/example-app-${client}-cors.png` });
    } finally {
      await watched.page.close();
      await gateway.close();
    }
  });
});

describe.each(CLIENTS)('the example app, %s page, across a gateway restart', (client) => {
  let gateway: RunningProcess | undefined;
  afterAll(() => gateway?.kill());

  async function startReplica(port: number): Promise<RunningProcess> {
    return startProcess('node', gatewayCommand(), {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        VECTARA_API_URL: upstream.url,
        CORS_ORIGINS: appOrigin,
        CURSOR_SECRET,
        PERSISTED_DOCUMENTS: EXAMPLE_APP_MANIFEST,
        JOB_POLL_INTERVAL_MS: '100',
        SHUTDOWN_DELAY_MS: '0',
        LOG_LEVEL: 'warn',
      },
    });
  }

  it('keeps loading pages and the badge keeps following the job', async () => {
    const port = await freePort();
    gateway = await startReplica(port);
    // One tab watches a new job (it is in the short list of active jobs); another has loaded the first
    // page of every job, so that its next page asks with a cursor the first process made.
    const watching = await openWatchedPage(browser);
    const paging = await openWatchedPage(browser);
    const job = simulator.addJob({ queuedForSecs: 60, runForSecs: 60, finalState: 'FAILED' });
    const jobId = `job_${job.id}`;
    try {
      await watching.page.goto(appUrl(gateway.url, client));
      const row = watching.page.locator(`[data-testid=job-row][data-job-id="${jobId}"]`);
      await row.locator('[data-testid=watch]').click();
      const badge = row.locator('[data-testid=live-badge]');
      await expect.poll(() => badge.getAttribute('data-state')).toBe('QUEUED');
      await paging.page.goto(appUrl(gateway.url, client));
      await paging.page.locator('[data-testid=job-row]').first().waitFor();
      await paging.page.selectOption('[data-testid=state-filter]', 'completed');
      await expect.poll(() => rowIds(paging.page).then((ids) => ids.length)).toBeGreaterThanOrEqual(25);

      gateway.signal('SIGTERM');
      expect((await gateway.exited).code).toBe(0);
      gateway = await startReplica(port);

      await scrollToEnd(paging.page);
      expect(await rowIds(paging.page), (await paging.page.locator('main').textContent()) ?? '').toEqual(
        simulatorList(['COMPLETED']),
      );
      now += 61_000;
      await expect.poll(() => badge.getAttribute('data-state'), { timeout: 30_000 }).toBe('STARTED');
      now += 61_000;
      await expect.poll(() => badge.getAttribute('data-state'), { timeout: 30_000 }).toBe('FAILED');
      // A restart is not an error the user has to see: Chromium logs the dropped connections at most.
      for (const { errors, external } of [watching, paging]) {
        const unexpected = errors.filter(
          (error) => !/WebSocket connection to|ERR_CONNECTION_REFUSED|Failed to load resource/.test(error),
        );
        expect(unexpected).toEqual([]);
        expect(external).toEqual([]);
      }
    } finally {
      await watching.page.close();
      await paging.page.close();
      gateway?.kill();
      await loadStates();
    }
  });
});
