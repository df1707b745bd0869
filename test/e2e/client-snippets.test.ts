// The Apollo Client files of docs/clients.md, as a reader pastes them, bundled by esbuild and run in
// Debian's Chromium against a real gateway on another origin: every page of the account arrives, in order,
// each job once (a cache that did not merge pages would stop at the first), and a watched job's states
// arrive over graphql-ws until it finishes. Only the gateway's address is changed from the docs.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { CUSTOMER_A } from '../support/accounts';
import { launchBrowser, openWatchedPage } from '../support/browser';
import { snippetFiles } from '../support/docs';
import { reportFigure } from '../support/figures';
import { type ServedGateway, serveGateway } from '../support/served-gateway';

const DOC = 'docs/clients.md';
let browser: Browser;
let simulator: Simulator;
let upstream: RunningSimulator;
let gateway: ServedGateway;
let pageServer: Server;
let pageOrigin: string;
let now = Date.now();
const folder = join('test-output', `client-snippets-${process.pid}`);

beforeAll(async () => {
  simulator = createSimulator({ now: () => now });
  upstream = await listenSimulator(simulator);
  pageServer = createServer();
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  gateway = await serveGateway({ upstreamUrl: upstream.url, corsOrigins: [pageOrigin], pollIntervalMs: 100 });
  const gatewayHost = new URL(gateway.origin).host;

  // The docs' files as they are, but for the gateway's address; an entry that hands them to the test.
  mkdirSync(folder, { recursive: true });
  const files = snippetFiles(DOC, readFileSync(DOC, 'utf8'));
  for (const name of ['gateway.ts', 'apollo-client.ts', 'apollo-jobs.ts']) {
    const code = files.get(name);
    if (!code) throw new Error(`${DOC} has no \`ts file=${name}\` block`);
    writeFileSync(join(folder, name), code.replaceAll('localhost:4000', gatewayHost));
  }
  writeFileSync(
    join(folder, 'entry.ts'),
    "import { loadAllJobs, watchJob } from './apollo-jobs';\nObject.assign(window, { snippets: { loadAllJobs, watchJob } });\n",
  );
  const bundle = await build({
    entryPoints: [join(folder, 'entry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"', globalThis: 'window' },
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text;
  reportFigure('docs Apollo snippet bundle', { bytes: script.length });
  pageServer.on('request', (request, response) => {
    if (request.url === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><link rel="icon" href="data:,"><script type="module" src="/app.js"></script>');
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  pageServer?.closeAllConnections();
  await new Promise((resolve) => pageServer?.close(resolve));
  await upstream?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("docs/clients.md's Apollo Client files in Chromium", () => {
  it('load every page of the account, in order, each job once, one request per page', async () => {
    const watched = await openWatchedPage(browser);
    try {
      await watched.page.goto(pageOrigin);
      await watched.page.waitForFunction(() => 'snippets' in window);
      const before = gateway.counts.posts;
      const states = ['QUEUED', 'STARTED', 'COMPLETED', 'FAILED', 'ABORTED'];
      const jobs = (await watched.page.evaluate(
        (wanted) =>
          (
            window as unknown as {
              snippets: { loadAllJobs(s: string[], f: number): Promise<{ jobId: string }[]> };
            }
          ).snippets
            .loadAllJobs(wanted, 25)
            .then((list) => list.map((job) => job.jobId)),
        states,
      )) as string[];
      const expected = simulator.jobsOf(CUSTOMER_A).map((job) => `job_${job.id}`);
      expect(expected.length).toBeGreaterThan(300);
      expect(jobs).toEqual(expected);
      expect(gateway.counts.posts - before).toBe(Math.ceil(expected.length / 25));
      reportFigure('docs Apollo snippet walk', { rows: jobs.length, posts: gateway.counts.posts - before });
      expect(watched.errors, watched.errors.join('\n')).toEqual([]);
      expect(watched.external).toEqual([]);
    } finally {
      await watched.page.close();
    }
  });

  it('watch a job over graphql-ws until it finishes', async () => {
    const job = simulator.addJob({ queuedForSecs: 60, runForSecs: 60, finalState: 'COMPLETED' });
    const watched = await openWatchedPage(browser);
    try {
      await watched.page.goto(pageOrigin);
      await watched.page.waitForFunction(() => 'snippets' in window);
      await watched.page.evaluate((jobId) => {
        const seen: string[] = [];
        Object.assign(window, { seen });
        (
          window as unknown as { snippets: { watchJob(id: string, on: (s: string) => void): void } }
        ).snippets.watchJob(jobId, (state) => seen.push(state));
      }, `job_${job.id}`);
      const seen = () => watched.page.evaluate(() => (window as unknown as { seen: string[] }).seen);
      await expect.poll(seen).toEqual(['QUEUED']);
      now += 61_000;
      await expect.poll(seen, { timeout: 15_000 }).toEqual(['QUEUED', 'STARTED']);
      now += 61_000;
      await expect.poll(seen, { timeout: 15_000 }).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
      expect(watched.errors, watched.errors.join('\n')).toEqual([]);
    } finally {
      await watched.page.close();
    }
  });
});
