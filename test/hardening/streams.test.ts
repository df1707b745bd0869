// Hostile subscription traffic on every streaming entry point: Yoga's SSE at /graphql and graphql-sse's
// single connection mode at /graphql/stream. Subscription limits, the body limit on the stream endpoint,
// reservations that are never connected, clients that leave, and an open breaker.
import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/plugins/limits';
import { SUBSCRIPTION_LIMITS } from '../../src/watch/job-watcher';
import { reportFigure } from '../support/figures';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';
import { type ManualScheduler, manualScheduler, until } from '../support/scheduler';
import { readEvents } from '../support/sse';

const WATCH = 'subscription($jobId: String!) { jobUpdated(jobId: $jobId) { jobId state } }';
let harness: Harness;
let scheduler: ManualScheduler;
afterEach(async () => {
  harness.gateway.watcher.close();
  await harness?.close();
});

function setup(options: Parameters<typeof startHarness>[0] = {}) {
  scheduler = manualScheduler();
  harness = startHarness({ scheduler: scheduler.schedule, pollIntervalMs: 1000, ...options });
}

const fetchGateway = async (path: string, init: RequestInit) =>
  await harness.gateway.yoga.fetch(`http://gateway.test${path}`, init);

/** A jobUpdated subscription over Yoga's SSE (distinct connection), and its first event. */
async function watchOnce(
  jobId: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
  keepOpen = false,
) {
  const response = await fetchGateway('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query: WATCH, variables: { jobId } }),
    signal,
  });
  const [first] = await readEvents(response, 1, keepOpen);
  return first as { data?: any; errors?: any[] };
}

describe('hostile subscriptions', () => {
  it('6. caps subscriptions per credential even when a junk second header makes every credential set distinct', async () => {
    setup();
    const job = harness.sim.addJob({ queuedForSecs: 1000, runForSecs: 1000 });
    const attempts = 200;
    const controllers = Array.from({ length: attempts }, () => new AbortController());
    const firsts = await Promise.all(
      controllers.map((controller, i) =>
        watchOnce(harness.jobId(job), { ...HEADERS_A, authorization: `Bearer junk-${i}` }, controller.signal),
      ),
    );
    const served = firsts.filter((event) => event.data?.jobUpdated?.state === 'QUEUED').length;
    const refused = firsts.filter((event) => event.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(served).toBe(SUBSCRIPTION_LIMITS.perCredential);
    expect(refused).toHaveLength(attempts - SUBSCRIPTION_LIMITS.perCredential);
    expect(refused[0]?.errors?.[0]?.extensions).toMatchObject({
      reason: 'SUBSCRIPTION_LIMIT',
      limit: 'per-credential',
    });
    expect(harness.gateway.watcher.activeLoops).toBeLessThanOrEqual(SUBSCRIPTION_LIMITS.perCredential);
    // Another credential is not affected.
    const other = await watchOnce(harness.jobId(job), {
      'x-api-key': 'demo-api-key-2',
      'customer-id': '2222222222',
    });
    expect(other.errors?.[0]?.extensions?.code).not.toBe('RATE_LIMITED');
    for (const controller of controllers) controller.abort();
    await until(() => harness.gateway.watcher.activeSubscribers === 0);
    reportFigure('subscription limit', {
      attempts,
      served,
      refused: refused.length,
      loops: SUBSCRIPTION_LIMITS.perCredential,
    });
  });

  it('6. caps subscriptions in total', async () => {
    setup({ subscriptions: { total: 3 } });
    const job = harness.sim.addJob({ queuedForSecs: 1000, runForSecs: 1000 });
    const controller = new AbortController();
    const firsts = [];
    for (let i = 0; i < 4; i++) {
      firsts.push(
        await watchOnce(
          harness.jobId(job),
          { ...HEADERS_A, authorization: `Bearer junk-${i}` },
          controller.signal,
          true,
        ),
      );
    }
    expect(firsts.slice(0, 3).map((event) => event.data?.jobUpdated?.state)).toEqual([
      'QUEUED',
      'QUEUED',
      'QUEUED',
    ]);
    expect(firsts[3]?.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'total' });
    controller.abort();
    await until(() => harness.gateway.watcher.activeSubscribers === 0);
  });

  it('7. keeps streams through an open breaker and fails them only after the documented number of failed polls', async () => {
    setup({ breaker: { windowSize: 4, minimumCalls: 2, failureRatio: 0.5, openMs: 60_000 } });
    const job = harness.sim.addJob({ queuedForSecs: 1000, runForSecs: 1000 });
    const controller = new AbortController();
    const response = await fetchGateway('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
      body: JSON.stringify({ query: WATCH, variables: { jobId: harness.jobId(job) } }),
      signal: controller.signal,
    });
    const events = readEvents(response, 2);
    await until(() => scheduler.pending === 1);
    // The upstream goes down: the breaker opens after two failed polls, later polls are refused by it.
    harness.sim.configure({ random: { fault: 'unavailable', probability: 1 } });
    for (let poll = 1; poll <= 4; poll++) {
      scheduler.tick();
      await until(() => scheduler.pending === 1);
    }
    expect(harness.gateway.breaker.state()).toBe('open');
    expect(harness.gateway.watcher.activeSubscribers).toBe(1);
    // The fifth failed poll ends the stream with a typed error.
    scheduler.tick();
    const [first, second] = await events;
    expect(first).toMatchObject({ data: { jobUpdated: { state: 'QUEUED' } } });
    expect((second as any).errors[0].extensions.code).toBe('UPSTREAM_UNAVAILABLE');
    await until(() => harness.gateway.watcher.activeSubscribers === 0);
  });
});

describe('graphql-sse single connection mode (/graphql/stream)', () => {
  const reserve = async (headers: Record<string, string> = HEADERS_A) =>
    fetchGateway('/graphql/stream', { method: 'PUT', headers });
  const post = (token: string, id: string, jobId: string, headers: Record<string, string> = HEADERS_A) =>
    fetchGateway('/graphql/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token, ...headers },
      body: JSON.stringify({ query: WATCH, variables: { jobId }, extensions: { operationId: id } }),
    });

  it('5. applies the 1 MiB body limit, with or without a content-length', async () => {
    setup();
    const token = await (await reserve()).text();
    const big = JSON.stringify({
      query: `{ __typename }`,
      variables: { pad: 'x'.repeat(LIMITS.maxBodyBytes) },
    });
    const declared = await post(token, 'a', 'x');
    expect(declared.status).toBe(202);
    const withLength = await fetchGateway('/graphql/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token, ...HEADERS_A },
      body: big,
    });
    expect(withLength.status).toBe(413);
    const bytes = new TextEncoder().encode(big);
    const chunked = await fetchGateway('/graphql/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token, ...HEADERS_A },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 65_536)
            controller.enqueue(bytes.subarray(at, at + 65_536));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // The same on distinct connections (/graphql, SSE).
    const sse = await fetchGateway('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
      body: big,
    });
    expect(sse.status).toBe(413);
  });

  it('6. ends every operation of a stream when its client leaves', async () => {
    setup();
    const token = await (await reserve()).text();
    const controller = new AbortController();
    const stream = await fetchGateway('/graphql/stream', {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token, ...HEADERS_A },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const jobs = Array.from({ length: 20 }, () =>
      harness.sim.addJob({ queuedForSecs: 1000, runForSecs: 1000 }),
    );
    for (const [i, job] of jobs.entries())
      expect((await post(token, `op${i}`, harness.jobId(job))).status).toBe(202);
    await until(() => harness.gateway.watcher.activeLoops === 20);
    controller.abort();
    await stream.body?.cancel().catch(() => undefined);
    await until(() => harness.gateway.watcher.activeLoops === 0);
    expect(harness.gateway.watcher.activeSubscribers).toBe(0);
  });

  it('6. disposes a reservation that is never connected, with the operations posted to it', async () => {
    setup({ streams: { reservationTtlMs: 50 } });
    const token = await (await reserve()).text();
    const job = harness.sim.addJob({ queuedForSecs: 1000, runForSecs: 1000 });
    expect((await post(token, 'op', harness.jobId(job))).status).toBe(202);
    await until(() => harness.gateway.watcher.activeLoops === 1);
    await until(
      () => harness.gateway.watcher.activeLoops === 0 && harness.gateway.watcher.activeSubscribers === 0,
    );
    expect((await post(token, 'late', harness.jobId(job))).status).toBe(404);
  });
});
