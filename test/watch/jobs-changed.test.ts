// Subscription.jobsChanged (SPEC §5 "Live list") through the real server and the real simulator, on both
// API versions: over SSE with a graphql-sse client (yoga.fetch, no port) and over graphql-ws on loopback.
// Polls are driven by a manual scheduler and jobs move on the simulator's clock, so every event and every
// upstream call is accounted for.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHttpServer } from '../../src/http';
import { snapshotAt } from '../../src/simulator/dataset';
import type { ApiVersion } from '../../src/upstream/versions';
import { MAX_PENDING_EVENTS } from '../../src/watch/list-watcher';
import { attachWebSocket } from '../../src/ws';
import { CUSTOMER_A } from '../support/accounts';
import { reportFigure } from '../support/figures';
import { expectedJobs, type Harness, HEADERS_A, HEADERS_B, startHarness, VERSIONS } from '../support/gateway';
import { type ManualScheduler, manualScheduler, until } from '../support/scheduler';
import { inProcessSSEClient } from '../support/sse';

const LIST = `subscription($filter: JobFilter, $first: Int) {
  jobsChanged(filter: $filter, first: $first) { snapshot hasMore removedJobIds jobs { jobId state isTerminal completedAt } }
}`;

interface Change {
  snapshot: boolean;
  hasMore: boolean;
  removedJobIds: string[];
  jobs: { jobId: string; state: string; isTerminal: boolean; completedAt: string | null }[];
}

let harness: Harness;
let scheduler: ManualScheduler;
const clients: { dispose(): void }[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.dispose();
  await harness?.close();
});

function setup(apiVersion: ApiVersion, options: Parameters<typeof startHarness>[0] = {}) {
  scheduler = manualScheduler();
  harness = startHarness({ apiVersion, scheduler: scheduler.schedule, pollIntervalMs: 1000, ...options });
}

/** Lets one poll interval pass once every loop has scheduled its next poll. */
async function interval(loops = 1) {
  await until(() => scheduler.pending === loops);
  scheduler.tick();
}

function subscribe(
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = HEADERS_A,
): AsyncIterableIterator<any> {
  const client = inProcessSSEClient(harness, headers);
  clients.push(client);
  return client.iterate({ query: LIST, variables });
}

async function nextChange(events: AsyncIterableIterator<any>): Promise<Change> {
  const { value, done } = await events.next();
  expect(done).toBe(false);
  expect(value.errors).toBeUndefined();
  return value.data.jobsChanged as Change;
}

/** Applies an event to a list held as a client would (jobId → state); returns the event. */
function applyChange(held: Map<string, string>, change: Change): Change {
  if (change.snapshot) held.clear();
  for (const job of change.jobs) {
    if (!change.removedJobIds.includes(job.jobId)) held.set(job.jobId, job.state);
  }
  for (const jobId of change.removedJobIds) held.delete(jobId);
  return change;
}

/** The jobs the simulator's list holds now for customer A (the default filter: QUEUED and STARTED). */
function upstreamList(filter: { states?: string[] } = {}) {
  const nowSecs = Math.floor(harness.clock.now() / 1000);
  return expectedJobs(harness, CUSTOMER_A, filter).map((job) => ({
    jobId: harness.jobId(job),
    state: snapshotAt(job, nowSecs)!.state,
  }));
}

describe.each(VERSIONS)('jobsChanged on %s', (version) => {
  it('starts with a snapshot equal to the upstream list, in upstream order, from one upstream call', async () => {
    setup(version);
    const events = subscribe();
    const snapshot = await nextChange(events);
    const expected = upstreamList();
    expect(expected.length).toBeGreaterThan(3);
    expect(snapshot).toMatchObject({ snapshot: true, hasMore: false, removedJobIds: [] });
    expect(snapshot.jobs.map(({ jobId, state }) => ({ jobId, state }))).toEqual(expected);
    expect(harness.sim.calls).toBe(1);

    // `first` smaller than the list: the first `first` of them, and hasMore.
    const few = await nextChange(subscribe({ first: 3 }));
    expect(few.hasMore).toBe(true);
    expect(few.jobs.map((job) => job.jobId)).toEqual(expected.slice(0, 3).map((job) => job.jobId));
    expect(harness.gateway.listWatcher.activeLoops).toBe(2);
  });

  it('sends a new job, then its state change once, then its departure with its final state; nothing in between', async () => {
    setup(version);
    const events = subscribe();
    const held = new Map<string, string>();
    const next = async () => applyChange(held, await nextChange(events));
    await next();

    // Added upstream: it appears at the next poll.
    const job = harness.sim.addJob({ queuedForSecs: 5, runForSecs: 5, finalState: 'FAILED' });
    const jobId = harness.jobId(job);
    await interval();
    expect(await next()).toEqual({
      snapshot: false,
      hasMore: false,
      removedJobIds: [],
      jobs: [{ jobId, state: 'QUEUED', isTerminal: false, completedAt: null }],
    });

    // Two polls without any change upstream: no event (the next event is the next change).
    for (let n = 0; n < 2; n++) {
      const calls = harness.sim.calls;
      await interval();
      await until(() => harness.sim.calls === calls + 1 && scheduler.pending === 1);
    }

    harness.clock.advance(6000);
    await interval();
    expect(await next()).toEqual({
      snapshot: false,
      hasMore: false,
      removedJobIds: [],
      jobs: [{ jobId, state: 'STARTED', isTerminal: false, completedAt: null }],
    });

    // It finishes: it leaves the list, and is sent once with its final state, fetched by id.
    const before = harness.sim.calls;
    harness.clock.advance(6000);
    await interval();
    const departure = await next();
    expect(departure).toMatchObject({ snapshot: false, removedJobIds: [jobId] });
    expect(departure.jobs).toHaveLength(1);
    expect(departure.jobs[0]).toMatchObject({ jobId, state: 'FAILED', isTerminal: true });
    expect(departure.jobs[0]?.completedAt).not.toBeNull();
    expect(harness.sim.calls).toBe(before + 2); // the list and one getJob
    // The list stays true: what a client holds after applying the events is the upstream's list.
    expect([...held].map(([jobId, state]) => ({ jobId, state }))).toEqual(upstreamList());

    // Still nothing while nothing changes; the next event is the next change.
    const calls = harness.sim.calls;
    await interval();
    await until(() => harness.sim.calls === calls + 1 && scheduler.pending === 1);
    const later = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    await interval();
    expect((await next()).jobs.map((item) => item.jobId)).toEqual([harness.jobId(later)]);
  });

  it('gives 50 subscribers with the same credentials and filter one poll loop: one upstream call per interval', async () => {
    setup(version);
    const streams = Array.from({ length: 50 }, () => subscribe());
    const snapshots = await Promise.all(streams.map(nextChange));
    for (const snapshot of snapshots) expect(snapshot).toEqual(snapshots[0]);
    expect(harness.gateway.listWatcher.activeLoops).toBe(1);
    expect(harness.gateway.listWatcher.activeSubscribers).toBe(50);
    expect(harness.sim.calls).toBe(1);
    const intervals = 5;
    for (let n = 1; n <= intervals; n++) {
      await interval();
      await until(() => harness.sim.calls === 1 + n && scheduler.pending === 1);
    }
    const job = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    await interval();
    for (const stream of streams) {
      expect((await nextChange(stream)).jobs.map((item) => item.jobId)).toEqual([harness.jobId(job)]);
    }
    expect(harness.sim.calls).toBe(2 + intervals);
    reportFigure('live list calls per interval', {
      version,
      subscribers: 50,
      calls: harness.sim.calls - 1,
      intervals: intervals + 1,
    });
    for (const stream of streams) await stream.return?.();
    await until(() => harness.gateway.listWatcher.activeLoops === 0);
    expect(scheduler.pending).toBe(0);
  });

  it('never shares a loop between different credentials, nor between filters', async () => {
    setup(version);
    const withKey = subscribe();
    const withToken = subscribe({}, { authorization: 'Bearer demo-token', 'customer-id': CUSTOMER_A });
    const otherAccount = subscribe({}, HEADERS_B);
    const [a, b, c] = await Promise.all([withKey, withToken, otherAccount].map(nextChange));
    expect(b).toEqual(a);
    expect(c?.jobs.map((job) => job.jobId)).not.toEqual(a?.jobs.map((job) => job.jobId));
    const completed = await nextChange(subscribe({ filter: { states: ['COMPLETED'] }, first: 5 }));
    expect(completed.jobs.every((job) => job.state === 'COMPLETED')).toBe(true);
    expect(harness.gateway.listWatcher.activeLoops).toBe(4);
    await interval(4);
    await until(() => harness.sim.recorded.length === 8);
    const credentials = harness.sim.recorded.map(
      (call) => call.headers['x-api-key'] ?? call.headers.authorization,
    );
    expect(credentials.sort()).toEqual([
      'Bearer demo-token',
      'Bearer demo-token',
      'demo-api-key',
      'demo-api-key',
      'demo-api-key',
      'demo-api-key',
      'demo-api-key-2',
      'demo-api-key-2',
    ]);
  });

  it('refuses a bad `first` or filter with BAD_USER_INPUT and no credentials with UNAUTHENTICATED, before any upstream call', async () => {
    setup(version);
    for (const variables of [{ first: 0 }, { first: 101 }, { filter: { states: [] } }]) {
      const { value } = await subscribe(variables).next();
      expect(value.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const { value } = await subscribe({}, {}).next();
    expect(value.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    if (version === 'v1') {
      // v1 needs the account's customer-id on every call.
      const { value: noCustomer } = await subscribe({}, { 'x-api-key': 'demo-api-key' }).next();
      expect(noCustomer.errors[0]).toMatchObject({
        message: expect.stringMatching(/customer-id/),
        extensions: { code: 'UNAUTHENTICATED' },
      });
    }
    expect(harness.sim.calls).toBe(0);
    expect(harness.gateway.listWatcher.activeLoops).toBe(0);
  });

  it('reports a transient upstream failure once and keeps the stream; refused credentials end it', async () => {
    setup(version);
    const events = subscribe();
    await nextChange(events);
    harness.sim.failNext('unavailable', 3);
    await interval();
    const { value } = await events.next();
    expect(value.errors[0].extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: { httpStatus: 503 },
    });
    // Two more failed polls (with backoff): no further error event; then the upstream answers again.
    for (let n = 0; n < 2; n++) await interval();
    await until(() => harness.sim.calls === 4 && scheduler.pending === 1);
    const job = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    await interval();
    expect((await nextChange(events)).jobs.map((item) => item.jobId)).toEqual([harness.jobId(job)]);

    const refused = subscribe({}, { 'x-api-key': 'not-a-key', 'customer-id': CUSTOMER_A });
    const first = await refused.next();
    expect(first.value.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await refused.next()).done).toBe(true);
    expect(harness.gateway.listWatcher.activeLoops).toBe(1);
  });

  it('counts against the subscription caps it shares with jobUpdated', async () => {
    setup(version, { subscriptions: { perCredential: 2 } });
    const job = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    const client = inProcessSSEClient(harness);
    clients.push(client);
    const watch = client.iterate({
      query: 'subscription($jobId: String!) { jobUpdated(jobId: $jobId) { state } }',
      variables: { jobId: harness.jobId(job) },
    });
    await watch.next();
    await nextChange(subscribe());
    const { value } = await subscribe({ first: 7 }).next();
    expect(value.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', reason: 'SUBSCRIPTION_LIMIT' });
    const metrics = await (await harness.gateway.yoga.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toMatch(/jobs_gateway_live_list_loops 1/);
    expect(metrics).toMatch(/jobs_gateway_live_list_subscribers 1/);
    expect(metrics).toMatch(/jobs_gateway_live_list_events_total\{kind="snapshot"\} 1/);
    expect(metrics).toMatch(/jobs_gateway_subscriptions_refused 1/);
  });

  it('ends the stream of a subscriber that leaves 100 events unread, and frees its slot', async () => {
    setup(version);
    // The watcher itself, read like a transport that took the snapshot and then stopped pulling (a client
    // whose connection applies backpressure).
    const events = harness.gateway.listWatcher.watch({
      filter: { states: ['QUEUED', 'STARTED'] },
      first: 50,
      credentials: { apiKey: 'demo-api-key', customerId: CUSTOMER_A },
      credentialPrint: 'slow-reader',
      quotaKeys: ['slow-reader'],
    });
    expect((await events.next()).value).toMatchObject({ change: { snapshot: true } });
    // Every interval a short job arrives and the previous one finishes: one event per poll.
    let polls = 0;
    while (harness.gateway.listWatcher.activeSubscribers > 0) {
      expect(polls++).toBeLessThan(MAX_PENDING_EVENTS + 5);
      harness.sim.addJob({ queuedForSecs: 1, runForSecs: 1 });
      await interval();
      await until(() => scheduler.pending === 1 || harness.gateway.listWatcher.activeLoops === 0);
      harness.clock.advance(3000);
    }
    expect(polls).toBeGreaterThanOrEqual(MAX_PENDING_EVENTS);
    expect(harness.gateway.listWatcher.activeLoops).toBe(0);
    // What was queued is still delivered, then the error that says why the stream ends.
    let delivered = 0;
    await expect(async () => {
      for (;;) {
        const { done } = await events.next();
        if (done) return;
        delivered++;
      }
    }).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED', reason: 'SLOW_SUBSCRIBER' } });
    // (The snapshot, taken last, counts as unread until the next event is asked for.)
    expect(delivered).toBe(MAX_PENDING_EVENTS - 1);
  });

  it('stops polling when the last subscriber leaves', async () => {
    setup(version);
    const a = subscribe();
    const b = subscribe();
    await nextChange(a);
    await nextChange(b);
    await a.return?.();
    await interval();
    await until(() => harness.sim.calls === 2);
    expect(harness.gateway.listWatcher.activeLoops).toBe(1);
    await b.return?.();
    await until(() => harness.gateway.listWatcher.activeLoops === 0);
    expect(scheduler.pending).toBe(0);
    expect(harness.gateway.listWatcher.activeSubscribers).toBe(0);
  });

  it('ends its streams on shutdown without completing them', async () => {
    setup(version);
    const response = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
      body: JSON.stringify({ query: LIST }),
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('"snapshot":true')) text += (await reader.read()).value ?? '';
    harness.gateway.drain();
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      text += value;
    }
    // SPEC §5: never a bare `complete` — the stream breaks off, or (Yoga's SSE turns the stream's error into
    // an event) its last event is the SHUTTING_DOWN error that tells the client to subscribe again.
    const events = text.split('\n\n').filter((block) => block.startsWith('event: next'));
    if (/event: complete/.test(text)) {
      expect(JSON.parse(events.at(-1)!.split('data: ')[1]!).errors[0].extensions.code).toBe('SHUTTING_DOWN');
    }
    expect(harness.gateway.listWatcher.activeLoops).toBe(0);
    expect(scheduler.pending).toBe(0);
  });
});

describe.each(VERSIONS)('jobsChanged over graphql-ws on %s', (version) => {
  it('streams the snapshot and the differences over a WebSocket', async () => {
    setup(version);
    const server = createHttpServer(harness.gateway.yoga);
    const endpoint = attachWebSocket(server, harness.gateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = createWsClient({
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
      connectionParams: HEADERS_A,
      retryAttempts: 0,
      webSocketImpl: WebSocket,
    });
    try {
      const events = client.iterate({ query: LIST, variables: { first: 100 } });
      const snapshot = await nextChange(events);
      expect(snapshot.jobs.map((job) => job.jobId)).toEqual(upstreamList().map((job) => job.jobId));
      const job = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
      await interval();
      expect((await nextChange(events)).jobs.map((item) => item.jobId)).toEqual([harness.jobId(job)]);
      await events.return?.();
      await until(() => harness.gateway.listWatcher.activeLoops === 0);
    } finally {
      await client.dispose();
      await endpoint.drain();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe.each(VERSIONS)('jobsChanged over loopback HTTP on %s', (version) => {
  it('works with graphql-sse in both modes (/graphql and /graphql/stream) and stops polling when the client leaves', async () => {
    setup(version);
    const server = createServer(harness.gateway.yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const singleConnection of [false, true]) {
        const client = createSseClient({
          url: `http://127.0.0.1:${port}/graphql${singleConnection ? '/stream' : ''}`,
          singleConnection,
          headers: HEADERS_A,
          retryAttempts: 0,
        });
        clients.push(client);
        const events = client.iterate({ query: LIST, variables: { first: 2 } });
        const snapshot = await nextChange(events);
        expect(snapshot).toMatchObject({ snapshot: true, hasMore: true });
        expect(snapshot.jobs.map((job) => job.jobId)).toEqual(
          upstreamList()
            .slice(0, 2)
            .map((job) => job.jobId),
        );
        await events.return?.();
        client.dispose();
        await until(() => harness.gateway.listWatcher.activeLoops === 0);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
