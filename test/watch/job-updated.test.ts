// Subscription.jobUpdated over SSE with a real graphql-sse client (distinct connections mode) through the
// real server's yoga.fetch; polls are driven by a manual scheduler and jobs move on the simulator's clock.
import { createClient } from 'graphql-sse';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiVersion } from '../../src/upstream/versions';
import { type Harness, HEADERS_A, startHarness, VERSIONS } from '../support/gateway';
import { type ManualScheduler, manualScheduler, until } from '../support/scheduler';
import { inProcessSSEClient } from '../support/sse';

const WATCH =
  'subscription($jobId: String!) { jobUpdated(jobId: $jobId) { jobId state isTerminal startedAt completedAt } }';

let harness: Harness;
let scheduler: ManualScheduler;
const clients: { dispose(): void }[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.dispose();
  await harness?.close();
});

function setup(apiVersion: ApiVersion) {
  scheduler = manualScheduler();
  harness = startHarness({ apiVersion, scheduler: scheduler.schedule, pollIntervalMs: 1000 });
}

/** Lets one poll interval pass once every loop has scheduled its next poll. */
async function interval(loops = 1) {
  await until(() => scheduler.pending === loops);
  scheduler.tick();
}

function subscribe(jobId: string, headers: Record<string, string> = HEADERS_A) {
  const client = inProcessSSEClient(harness, headers);
  clients.push(client);
  return client.iterate({ query: WATCH, variables: { jobId } });
}

describe.each(VERSIONS)('jobUpdated on %s', (version) => {
  it('emits QUEUED → STARTED → COMPLETED, then completes; one poll per interval', async () => {
    setup(version);
    const job = harness.sim.addJob({ queuedForSecs: 10, runForSecs: 20 });
    const events = subscribe(harness.jobId(job));
    const first = await events.next();
    expect(first.value).toEqual({
      data: {
        jobUpdated: {
          jobId: harness.jobId(job),
          state: 'QUEUED',
          isTerminal: false,
          startedAt: null,
          completedAt: null,
        },
      },
    });
    expect(harness.sim.calls).toBe(1);

    // An interval with no change: a poll, no event.
    await interval();
    await until(() => harness.sim.calls === 2 && scheduler.pending === 1);

    harness.clock.advance(11_000);
    await interval();
    const second = await events.next();
    expect(second.value?.data?.jobUpdated).toMatchObject({ state: 'STARTED', isTerminal: false });
    expect(second.value?.data?.jobUpdated.startedAt).not.toBeNull();

    harness.clock.advance(20_000);
    await interval();
    const third = await events.next();
    expect(third.value?.data?.jobUpdated).toMatchObject({ state: 'COMPLETED', isTerminal: true });
    expect((await events.next()).done).toBe(true);
    expect(harness.sim.calls).toBe(4);
    expect(scheduler.pending).toBe(0);
    expect(harness.gateway.watcher.activeLoops).toBe(0);
  });

  it('shares one poll loop between subscribers with the same credentials', async () => {
    setup(version);
    const job = harness.sim.addJob({ queuedForSecs: 10, runForSecs: 20 });
    const streams = [
      subscribe(harness.jobId(job)),
      subscribe(harness.jobId(job)),
      subscribe(harness.jobId(job)),
    ];
    for (const stream of streams) expect((await stream.next()).value?.data?.jobUpdated.state).toBe('QUEUED');
    expect(harness.gateway.watcher.activeLoops).toBe(1);
    expect(harness.sim.calls).toBe(1);
    for (let n = 1; n <= 3; n++) {
      await interval();
      await until(() => harness.sim.calls === 1 + n && scheduler.pending === 1);
    }
    harness.clock.advance(11_000);
    await interval();
    for (const stream of streams) expect((await stream.next()).value?.data?.jobUpdated.state).toBe('STARTED');
    expect(harness.sim.calls).toBe(5);
  });

  it('never merges polls of different credentials', async () => {
    setup(version);
    const job = harness.sim.addJob({ queuedForSecs: 10, runForSecs: 20 });
    const withKey = subscribe(harness.jobId(job));
    const withToken = subscribe(harness.jobId(job), {
      authorization: 'Bearer demo-token',
      'customer-id': '1234567890',
    });
    await withKey.next();
    await withToken.next();
    expect(harness.gateway.watcher.activeLoops).toBe(2);
    await interval(2);
    await until(() => harness.sim.recorded.length === 4);
    const credentials = harness.sim.recorded.map(
      (call) => call.headers['x-api-key'] ?? call.headers.authorization,
    );
    expect(credentials.sort()).toEqual([
      'Bearer demo-token',
      'Bearer demo-token',
      'demo-api-key',
      'demo-api-key',
    ]);
  });

  it('stops polling when the last subscriber leaves', async () => {
    setup(version);
    const job = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    const a = subscribe(harness.jobId(job));
    const b = subscribe(harness.jobId(job));
    await a.next();
    await b.next();
    await a.return?.();
    await interval();
    await until(() => harness.sim.calls === 2);
    expect(harness.gateway.watcher.activeLoops).toBe(1);
    await b.return?.();
    await until(() => harness.gateway.watcher.activeLoops === 0);
    expect(scheduler.pending).toBe(0);
    for (let i = 0; i < 5; i++) scheduler.tick();
    expect(harness.sim.calls).toBe(2);
  });

  it('sends NOT_FOUND for an unknown job, then completes', async () => {
    setup(version);
    const events = subscribe('no-such-job');
    const first = await events.next();
    expect(first.value?.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect((await events.next()).done).toBe(true);
    expect(harness.gateway.watcher.activeLoops).toBe(0);
  });

  it('answers UNAUTHENTICATED without credentials and makes no upstream call', async () => {
    setup(version);
    const events = subscribe('any', {});
    const first = await events.next();
    expect(first.value?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(harness.sim.calls).toBe(0);
  });

  it('backs off on transient upstream errors and surfaces them only when it gives up', async () => {
    setup(version);
    const job = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    const events = subscribe(harness.jobId(job));
    await events.next();
    harness.sim.failNext('unavailable', 20);
    for (let failures = 1; failures <= 5; failures++) {
      await interval();
      await until(() => harness.sim.calls === 1 + failures);
    }
    const error = await events.next();
    expect(error.value?.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: { httpStatus: 503 },
    });
    expect((await events.next()).done).toBe(true);
  });

  it('on shutdown ends open streams without completing them (clients subscribe again), and stops polling', async () => {
    setup(version);
    const job = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    const events = subscribe(harness.jobId(job));
    await events.next();
    harness.gateway.drain();
    // No `complete`: graphql-sse reports the early end as a network error (the client here does not retry).
    await expect(events.next()).rejects.toThrow(/Connection closed while having active streams/);
    await until(() => harness.gateway.watcher.activeSubscribers === 0);
    expect(harness.gateway.watcher.activeLoops).toBe(0);
    expect(scheduler.pending).toBe(0);
  });

  it('after close, a watch left open and a new one end with SHUTTING_DOWN, not completion', async () => {
    setup(version);
    const job = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    const request = {
      jobId: harness.jobId(job),
      credentials: { apiKey: 'demo-api-key', customerId: HEADERS_A['customer-id'] },
      credentialPrint: 'tenant',
      quotaKeys: ['tenant'],
    };
    const open = harness.gateway.watcher.watch(request);
    expect((await open.next()).value).toMatchObject({ job: { state: 'QUEUED' } });
    harness.gateway.watcher.close();
    await expect(open.next()).rejects.toMatchObject({ extensions: { code: 'SHUTTING_DOWN' } });
    await expect(harness.gateway.watcher.watch(request).next()).rejects.toMatchObject({
      extensions: { code: 'SHUTTING_DOWN' },
    });
    expect(harness.gateway.watcher.activeSubscribers).toBe(0);
    expect(scheduler.pending).toBe(0);
  });
});

describe.each(VERSIONS)('jobUpdated over loopback HTTP on %s', (version) => {
  it('works with graphql-sse in both modes and stops polling when the client disconnects', async () => {
    const { createServer } = await import('node:http');
    setup(version);
    const server = createServer(harness.gateway.yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as import('node:net').AddressInfo;
    try {
      const job = harness.sim.addJob({ queuedForSecs: 10, runForSecs: 20 });
      for (const singleConnection of [false, true]) {
        const client = createClient({
          url: `http://127.0.0.1:${port}/graphql${singleConnection ? '/stream' : ''}`,
          singleConnection,
          headers: HEADERS_A,
          retryAttempts: 0,
        });
        clients.push(client);
        const events = client.iterate({ query: WATCH, variables: { jobId: harness.jobId(job) } });
        const first = await events.next();
        expect(first.value?.data?.jobUpdated).toMatchObject({ jobId: harness.jobId(job) });
        await events.return?.();
        client.dispose();
        await until(() => harness.gateway.watcher.activeLoops === 0);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
