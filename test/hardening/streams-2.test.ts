// /graphql/stream (graphql-sse's single connection mode), round 2: reservations count against the caller's
// credentials, so anonymous callers (or one credential) holding every stream they may cannot lock other
// tenants out; and every refusal of an operation (no credentials, syntax, validation, limits) reaches a real
// graphql-sse client as GraphQL errors with the codes /graphql gives, in both of graphql-sse's modes.
import { afterEach, describe, expect, it } from 'vitest';
import { STREAM_LIMITS } from '../../src/plugins/sse-stream';
import { reportFigure } from '../support/figures';
import { type Harness, HEADERS_A, HEADERS_B, startHarness } from '../support/gateway';
import { type ManualScheduler, manualScheduler, until } from '../support/scheduler';
import { inProcessStreamClient, resultsOf } from '../support/sse';

let harness: Harness;
let scheduler: ManualScheduler;
const held: AbortController[] = [];
afterEach(async () => {
  for (const controller of held.splice(0)) controller.abort();
  harness.gateway.watcher.close();
  await harness.close();
});

function setup(options: Parameters<typeof startHarness>[0] = {}) {
  scheduler = manualScheduler();
  harness = startHarness({ scheduler: scheduler.schedule, pollIntervalMs: 1000, ...options });
}

const WATCH = 'subscription($jobId: String!) { jobUpdated(jobId: $jobId) { jobId state } }';
const STREAM = 'http://gateway.test/graphql/stream';

const reserve = async (headers: Record<string, string>) =>
  await harness.gateway.yoga.fetch(STREAM, { method: 'PUT', headers });

/** Connects the event stream of a reservation and keeps it open (idle) until the test ends. */
async function connectIdle(token: string, headers: Record<string, string>) {
  const controller = new AbortController();
  held.push(controller);
  const response = await harness.gateway.yoga.fetch(STREAM, {
    headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token, ...headers },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
}

/** `attempts` reservations with these headers, each connected and left idle; the statuses and refusals. */
async function hoard(attempts: number, headers: (i: number) => Record<string, string>) {
  const statuses: number[] = [];
  let refusal: any;
  for (let i = 0; i < attempts; i++) {
    const response = await reserve(headers(i));
    statuses.push(response.status);
    if (response.status === 201) await connectIdle(await response.text(), headers(i));
    else refusal = ((await response.json()) as any).errors[0];
  }
  return { granted: statuses.filter((status) => status === 201).length, refusal };
}

/** The first event of a jobUpdated subscription through a graphql-sse client; the subscription stays open. */
function firstEvent(client: ReturnType<typeof inProcessStreamClient>, jobId: string): Promise<any> {
  return new Promise<any>((resolve, reject) => {
    client.subscribe(
      { query: WATCH, variables: { jobId } },
      { next: resolve, error: reject, complete: () => undefined },
    );
  });
}

describe('reservations count against the caller’s credentials', () => {
  it('1,000 anonymous reservations, then 1,000 of one credential (junk second headers too), do not lock another tenant out', async () => {
    setup();
    const anonymous = await hoard(1000, () => ({}));
    expect(anonymous.granted).toBe(STREAM_LIMITS.anonymous);
    expect(anonymous.refusal).toMatchObject({
      extensions: { code: 'RATE_LIMITED', reason: 'STREAM_LIMIT', limit: 'anonymous' },
    });
    // One working key, each time with another made-up authorization beside it: counted against the key.
    const oneCredential = await hoard(1000, (i) => ({ ...HEADERS_A, authorization: `Bearer junk-${i}` }));
    expect(oneCredential.granted).toBe(STREAM_LIMITS.perCredential);
    expect(oneCredential.refusal).toMatchObject({
      extensions: { code: 'RATE_LIMITED', reason: 'STREAM_LIMIT', limit: 'per-credential' },
    });

    // Another tenant reserves, streams a subscription and sees its job.
    const job = harness.sim.addJob({ queuedForSecs: 1000, runForSecs: 1000, customerId: '2222222222' });
    const client = inProcessStreamClient(harness, HEADERS_B, true);
    const first = await firstEvent(client, harness.jobId(job));
    expect(first).toEqual({ data: { jobUpdated: { jobId: harness.jobId(job), state: 'QUEUED' } } });
    client.dispose();
    reportFigure('stream reservations', {
      anonymousAttempts: 1000,
      anonymousGranted: anonymous.granted,
      oneCredentialAttempts: 1000,
      oneCredentialGranted: oneCredential.granted,
      otherTenantStreamed: 1,
    });
  });

  it('frees a credential’s reservations when its streams end', async () => {
    setup({ streams: { perCredential: 3 } });
    expect((await hoard(4, () => HEADERS_A)).granted).toBe(3);
    for (const controller of held.splice(0)) controller.abort();
    // Each stream's end is seen once its request's abort has propagated: reserve until 3 more are granted.
    let granted = 0;
    await until(() => {
      void reserve(HEADERS_A).then((response) => {
        if (response.status === 201) granted++;
      });
      return granted >= 3;
    });
    expect(granted).toBe(3);
  });

  it('does not free a reservation when a second event stream to it (refused with 409) goes', async () => {
    setup({ streams: { perCredential: 1 } });
    const token = await (await reserve(HEADERS_A)).text();
    await connectIdle(token, HEADERS_A);
    const second = new AbortController();
    const again = await harness.gateway.yoga.fetch(STREAM, {
      headers: { accept: 'text/event-stream', 'x-graphql-event-stream-token': token, ...HEADERS_A },
      signal: second.signal,
    });
    expect(again.status).toBe(409);
    second.abort();
    await again.body?.cancel().catch(() => undefined);
    expect((await reserve(HEADERS_A)).status).toBe(429);
  });

  it('past the total cap, takes the place of the oldest idle stream, even under made-up keys', async () => {
    setup({ streams: { maxReservations: 5 } });
    // Five streams held idle, each under its own made-up key (no per-credential cap applies).
    expect((await hoard(5, (i) => ({ 'x-api-key': `made-up-${i}` }))).granted).toBe(5);
    const job = harness.sim.addJob({ queuedForSecs: 1000, runForSecs: 1000, customerId: '2222222222' });
    const client = inProcessStreamClient(harness, HEADERS_B, true);
    expect(await firstEvent(client, harness.jobId(job))).toEqual({
      data: { jobUpdated: { jobId: harness.jobId(job), state: 'QUEUED' } },
    });
    client.dispose();
  });

  it('refuses a reservation past the total cap only when every stream runs an operation', async () => {
    setup({ streams: { maxReservations: 3 } });
    const job = harness.sim.addJob({ queuedForSecs: 1000, runForSecs: 1000 });
    const clients = Array.from({ length: 3 }, () => inProcessStreamClient(harness, HEADERS_A, true));
    for (const client of clients) {
      expect((await firstEvent(client, harness.jobId(job))).data.jobUpdated.state).toBe('QUEUED');
    }
    const refused = await reserve(HEADERS_B);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 'total',
    });
    for (const client of clients) client.dispose();
  });
});

describe('refused operations reach a graphql-sse client as GraphQL errors', () => {
  /** The same document on /graphql: its status-independent error code. */
  const codeOnGraphQL = async (query: string, headers: Record<string, string>) => {
    const response = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query, variables: { jobId: 'job_1' } }),
    });
    return ((await response.json()) as any).errors?.[0]?.extensions?.code;
  };

  const CASES: [string, string, Record<string, string>, string][] = [
    ['a subscription without credentials', WATCH, {}, 'UNAUTHENTICATED'],
    ['a query without credentials', '{ job(jobId: "job_1") { state } }', {}, 'UNAUTHENTICATED'],
    ['a syntax error', '{ jobs(', HEADERS_A, 'GRAPHQL_PARSE_FAILED'],
    ['a validation error', '{ nope }', HEADERS_A, 'GRAPHQL_VALIDATION_FAILED'],
    ['a mutation', 'mutation { __typename }', HEADERS_A, 'GRAPHQL_VALIDATION_FAILED'],
    ['an argument out of range', '{ jobs(first: 100000) { edges { cursor } } }', HEADERS_A, 'BAD_USER_INPUT'],
    ['a bad job id', 'subscription { jobUpdated(jobId: "..") { state } }', HEADERS_A, 'BAD_USER_INPUT'],
  ];

  for (const singleConnection of [true, false]) {
    const mode = singleConnection ? 'single connection' : 'distinct connections';
    it.each(CASES)(`${mode}: %s`, async (_name, query, headers, code) => {
      setup();
      expect(await codeOnGraphQL(query, headers)).toBe(code);
      const client = inProcessStreamClient(harness, headers, singleConnection);
      const results = await resultsOf(client, query, query.includes('$jobId') ? { jobId: 'job_1' } : {});
      client.dispose();
      expect(results).toHaveLength(1);
      expect(results[0]?.errors?.[0]?.extensions?.code).toBe(code);
      expect(results[0]?.errors?.[0]?.extensions?.http).toBeUndefined();
      expect(harness.sim.calls).toBe(0);
    });
  }
});
