// A rolling restart on real processes (SPEC §9): two built replicas sharing CURSOR_SECRET behind a proxy that
// routes by /ready (test/support/ready-proxy.ts, as a Kubernetes Service would), one simulator upstream.
// Under a steady load of paginated walks, one replica gets SIGTERM (SHUTDOWN_DELAY_MS 1500) and a
// replacement starts. Nothing may fail: every request answered, every walk complete (its cursors work on
// whichever replica serves the next page), and `jobUpdated` subscribers over graphql-ws and graphql-sse,
// configured as docs/subscriptions.md shows, see their job's terminal state although their replica went away.
// The figures go to test-output/figures/rolling-restart.json (nothing is printed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_DATASETS } from '../../src/simulator/dataset';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { gatewayCommand, type RunningProcess, startProcess } from '../support/process';
import { type ReadyProxy, startReadyProxy } from '../support/ready-proxy';

const HEADERS = { 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' };
const LOAD_MS = 10_000;
const RESTART_AT_MS = 3000;
const WALKERS = 4;
const PAGE = `query Page($after: String) {
  jobs(first: 50, after: $after, filter: { states: [QUEUED, STARTED, COMPLETED, FAILED, ABORTED] }) {
    edges { node { jobId } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const WATCH = 'subscription Watch($jobId: String!) { jobUpdated(jobId: $jobId) { jobId state isTerminal } }';

let simulator: Simulator;
let upstream: RunningSimulator;
let proxy: ReadyProxy;
const replicas: RunningProcess[] = [];

function startReplica(): Promise<RunningProcess> {
  return startProcess(process.execPath, gatewayCommand(), {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      VECTARA_API_URL: upstream.url,
      CURSOR_SECRET: 'rolling-restart-test-secret-shared-by-every-replica',
      SHUTDOWN_DELAY_MS: '1500',
      JOB_POLL_INTERVAL_MS: '250',
      // Longer than the test: the proxy's pooled connections are never closed under it by an idle timeout.
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '60000',
    },
  }).then((replica) => {
    replicas.push(replica);
    return replica;
  });
}

/** The simulator's clock runs with real time, plus this: moving it on finishes the watched job at will. */
let clockOffsetMs = 0;

beforeAll(async () => {
  simulator = createSimulator({
    now: () => Date.now() + clockOffsetMs,
    // No arriving jobs: every walk of the account sees the same jobs, so a complete walk is a checkable count.
    datasets: DEMO_DATASETS.map(({ arrivalEverySecs: _, ...spec }) => spec),
  });
  upstream = await listenSimulator(simulator);
  // Out of rotation ~0.5 s after /ready turns 503: well inside SHUTDOWN_DELAY_MS, as it must be in production.
  proxy = await startReadyProxy({ probeMs: 250, failureThreshold: 2 });
});

afterAll(async () => {
  for (const replica of replicas) replica.kill();
  await proxy?.close();
  await upstream?.close();
});

interface Load {
  requests: number;
  failures: string[];
  walks: number;
  walksFailed: number;
}

/** Walks every page of the account, again and again until `stopAt`; a walk under way is always finished. */
async function walk(stopAt: number, expected: number, load: Load): Promise<void> {
  while (Date.now() < stopAt) {
    const seen = new Set<string>();
    let after: string | undefined;
    let failed = false;
    for (;;) {
      load.requests++;
      let body: { data?: any; errors?: { message: string }[] };
      try {
        const response = await fetch(`${proxy.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...HEADERS },
          body: JSON.stringify({ query: PAGE, variables: { after } }),
        });
        body = (await response.json()) as typeof body;
        if (response.status !== 200 || body.errors)
          throw new Error(`${response.status} ${body.errors?.[0]?.message}`);
      } catch (error) {
        load.failures.push(String(error));
        failed = true;
        break;
      }
      for (const edge of body.data.jobs.edges) seen.add(edge.node.jobId);
      if (!body.data.jobs.pageInfo.hasNextPage) break;
      after = body.data.jobs.pageInfo.endCursor;
    }
    if (failed || seen.size !== expected) load.walksFailed++;
    else load.walks++;
  }
}

/** The states a subscriber saw, and whether its subscription completed (after a terminal state). */
interface Watched {
  states: string[];
  completed: boolean;
  /** Connections the client opened: more than one means it rode through the restart. */
  connections: number;
  error?: unknown;
}

function watchWithGraphqlWs(jobId: string): { watched: Watched; done: Promise<void>; dispose(): void } {
  // As docs/subscriptions.md configures it: retry on every close (1012 on a restart) and keep trying.
  const client = createWsClient({
    url: `${proxy.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: HEADERS,
    shouldRetry: () => true,
    retryAttempts: 30,
    on: {
      connected: () => {
        watched.connections++;
      },
    },
  });
  const watched: Watched = { states: [], completed: false, connections: 0 };
  const done = new Promise<void>((resolve) => {
    client.subscribe<{ jobUpdated: { state: string } }>(
      { query: WATCH, variables: { jobId } },
      {
        next: (result) => {
          if (result.data) watched.states.push(result.data.jobUpdated.state);
        },
        error: (error) => {
          watched.error = error;
          resolve();
        },
        complete: () => {
          watched.completed = true;
          resolve();
        },
      },
    );
  });
  return { watched, done, dispose: () => void client.dispose() };
}

function watchWithGraphqlSse(jobId: string): { watched: Watched; done: Promise<void>; dispose(): void } {
  // As docs/subscriptions.md configures it: a stream that ends without `complete` is retried.
  const client = createSseClient({
    url: `${proxy.url}/graphql`,
    headers: HEADERS,
    retryAttempts: 30,
    on: {
      connected: () => {
        watched.connections++;
      },
    },
  });
  const watched: Watched = { states: [], completed: false, connections: 0 };
  const done = new Promise<void>((resolve) => {
    client.subscribe<{ jobUpdated: { state: string } }>(
      { query: WATCH, variables: { jobId } },
      {
        next: (result) => {
          if (result.data) watched.states.push(result.data.jobUpdated.state);
        },
        error: (error) => {
          watched.error = error;
          resolve();
        },
        complete: () => {
          watched.completed = true;
          resolve();
        },
      },
    );
  });
  return { watched, done, dispose: () => client.dispose() };
}

describe('rolling restart', () => {
  it('loses no request, no walk and no final state while one of two replicas is replaced', async () => {
    const first = await startReplica();
    proxy.add(first.url);
    await proxy.ready(first.url);

    // A running job; both subscribers start on the replica that goes. It finishes once they are back.
    const job = simulator.addJob({ queuedForSecs: 0, runForSecs: 3600 });
    const jobId = `job_${job.id}`;
    const overWs = watchWithGraphqlWs(jobId);
    const overSse = watchWithGraphqlSse(jobId);
    while (overWs.watched.states.length === 0 || overSse.watched.states.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const second = await startReplica();
    proxy.add(second.url);
    await proxy.ready(second.url);

    const reference: Load = { requests: 0, failures: [], walks: 0, walksFailed: 0 };
    let expected = 0;
    {
      let after: string | undefined;
      for (;;) {
        const response = await fetch(`${proxy.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...HEADERS },
          body: JSON.stringify({ query: PAGE, variables: { after } }),
        });
        const body = (await response.json()) as { data: any };
        expected += body.data.jobs.edges.length;
        if (!body.data.jobs.pageInfo.hasNextPage) break;
        after = body.data.jobs.pageInfo.endCursor;
      }
    }

    const load: Load = { requests: 0, failures: [], walks: 0, walksFailed: 0 };
    const started = Date.now();
    const walkers = Array.from({ length: WALKERS }, () => walk(started + LOAD_MS, expected, load));

    await new Promise((resolve) => setTimeout(resolve, RESTART_AT_MS));
    first.signal('SIGTERM');
    const replacement = startReplica().then((third) => {
      proxy.add(third.url);
      return proxy.ready(third.url);
    });
    await proxy.notReady(first.url);
    await replacement;
    const [{ code }] = await Promise.all([first.exited, ...walkers]);
    // Both subscribers were cut from the replica that went (no `complete`, no error) and are back on another.
    const back = (watched: Watched) => watched.connections > 1 && watched.states.length > 1;
    while (!back(overWs.watched) || !back(overSse.watched)) {
      if (overWs.watched.completed || overSse.watched.completed) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The job finishes now: the next poll of whichever replica serves them sees COMPLETED.
    clockOffsetMs = 3601_000;
    await Promise.all([overWs.done, overSse.done]);
    overWs.dispose();
    overSse.dispose();

    const figures = {
      requests: load.requests,
      failedRequests: load.failures.length,
      walksCompleted: load.walks,
      walksFailed: load.walksFailed,
      pagesPerWalk: Math.ceil(expected / 50),
      proxyFailures: proxy.failures,
      restartedReplicaExit: code,
      graphqlWs: overWs.watched,
      graphqlSse: overSse.watched,
      sawTerminalState: {
        graphqlWs: overWs.watched.states.at(-1) === 'COMPLETED',
        graphqlSse: overSse.watched.states.at(-1) === 'COMPLETED',
      },
    };
    mkdirSync('test-output/figures', { recursive: true });
    writeFileSync('test-output/figures/rolling-restart.json', `${JSON.stringify(figures, null, 2)}\n`);

    expect(reference.failures).toEqual([]);
    expect(load.failures).toEqual([]);
    expect(proxy.failures).toEqual({});
    expect(load.walksFailed).toBe(0);
    expect(load.walks).toBeGreaterThan(0);
    expect(code).toBe(0);
    for (const watched of [overWs.watched, overSse.watched]) {
      expect(watched.error).toBeUndefined();
      expect(watched.completed).toBe(true);
      expect(watched.connections).toBeGreaterThan(1);
      expect(watched.states.at(-1)).toBe('COMPLETED');
    }
  }, 60_000);
});
