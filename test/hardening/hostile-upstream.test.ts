// Attacks from a hostile or broken upstream, and the cancellation race that crashed the process: each test
// reproduces one numbered defect of the hardening issue against the real gateway (yoga.fetch) or client.
// The hostile upstreams here speak v1's wire format (the v2 adapter shares the client that enforces it all).
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/server';
import { createUpstreamClient, type FetchLike, MAX_PAGE_KEY_BYTES } from '../../src/upstream/client';
import { createV1Adapter } from '../../src/upstream/v1/adapter';
import { reportFigure } from '../support/figures';
import { HEADERS_A } from '../support/gateway';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  unhandled.length = 0;
});

async function post(gateway: ReturnType<typeof createGateway>, query: string, init: RequestInit = {}) {
  return await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...HEADERS_A },
    body: JSON.stringify({ query }),
    ...init,
  });
}

/** A job answer whose body the test chooses, as the v1 upstream would send it. */
function answer(body: unknown, init: ResponseInit = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status: 200,
    headers: { 'content-type': 'application/json' },
    ...init,
  });
}

const ONE_JOB = {
  job: [{ id: 'j1', type: 'JOB__CORPUS_REBUILD_VECTOR_INDEX', state: 'JOB_STATE__QUEUED', corpusId: [1] }],
  pageKey: '',
  status: [],
};

describe('hostile clients and upstreams: the upstream side', () => {
  it('1. survives clients that disconnect while upstream calls are queued or starting (no unhandled rejection, no late call)', async () => {
    let started = 0;
    // An upstream that answers only when told to go away (like one with 200 ms latency and impatient clients).
    const fetch: FetchLike = (_input, init) => {
      started++;
      return new Promise((_resolve, reject) => {
        const signal = init?.signal;
        if (signal?.aborted) queueMicrotask(() => reject(signal.reason));
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    };
    const gateway = createGateway({
      apiVersion: 'v1',
      upstreamUrl: 'http://upstream.test',
      fetch,
      retries: 0,
    });
    const aliases = Array.from({ length: 20 }, (_, i) => `j${i}: job(jobId: "job-${i}") { state }`).join(' ');
    const requests = 200;
    const outcomes = await Promise.all(
      Array.from({ length: requests }, async (_, i) => {
        const controller = new AbortController();
        const pending = post(gateway, `{ ${aliases} }`, { signal: controller.signal });
        // Cancel at different points: before the batch starts, while the first 8 run, while the rest queue.
        await new Promise((resolve) => setTimeout(resolve, i % 4));
        controller.abort();
        return pending.then(
          () => 'answered',
          () => 'cancelled',
        );
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
    expect(outcomes.length).toBe(requests);
    // Calls queued behind the concurrency bound never start once their client is gone.
    const callsPerRequest = started / requests;
    reportFigure('cancel-race', { requests, upstreamCalls: started, callsPerRequest });
    expect(callsPerRequest).toBeLessThanOrEqual(8);
    await gateway.close();
  });

  it('8. refuses an upstream body larger than the bound without buffering it (UPSTREAM_ERROR)', async () => {
    let bytesPulled = 0;
    const chunk = new Uint8Array(1024 * 1024).fill(32);
    // 200 MB of JSON-looking whitespace, streamed; the client must stop pulling at the bound.
    const fetch: FetchLike = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            if (bytesPulled >= 200 * chunk.length) return controller.close();
            bytesPulled += chunk.length;
            controller.enqueue(chunk);
          },
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    const client = createUpstreamClient({
      adapter: createV1Adapter(),
      baseUrl: 'http://upstream.test',
      fetch,
      timeoutMs: 10_000,
      retries: 0,
    });
    const error = await client
      .listJobs({ states: ['QUEUED'], pageSize: 1 }, { credentials: { apiKey: 'k' } })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'payload' });
    expect(bytesPulled).toBeLessThanOrEqual(17 * 1024 * 1024 + 2 * chunk.length);
    // A declared length over the bound is refused before reading anything.
    let declaredRead = false;
    const declared: FetchLike = async () =>
      new Response(
        new ReadableStream(
          {
            pull(controller) {
              declaredRead = true;
              controller.close();
            },
          },
          { highWaterMark: 0 },
        ),
        { status: 200, headers: { 'content-length': String(200 * 1024 * 1024) } },
      );
    const client2 = createUpstreamClient({
      adapter: createV1Adapter(),
      baseUrl: 'http://u.test',
      fetch: declared,
      timeoutMs: 1000,
      retries: 0,
    });
    await expect(
      client2.listJobs({ states: ['QUEUED'], pageSize: 1 }, { credentials: { apiKey: 'k' } }),
    ).rejects.toMatchObject({
      kind: 'payload',
    });
    expect(declaredRead).toBe(false);
    // Through the gateway it is a typed upstream error, not a crash or a 500.
    const gateway = createGateway({
      apiVersion: 'v1',
      upstreamUrl: 'http://upstream.test',
      fetch,
      retries: 0,
      maxUpstreamBodyBytes: 1024,
    });
    const body = (await (await post(gateway, '{ job(jobId: "x") { state } }')).json()) as any;
    expect(body.errors[0].extensions.code).toBe('UPSTREAM_ERROR');
    await gateway.close();
  });

  it('9. never repeats the caller key from an upstream status, message or content type, however it is spelled', async () => {
    const key = 'Sk-Secret-Key-0123456789';
    const echoes = [
      answer({ code: 3, message: `bad key ${key}` }, { status: 400 }),
      answer({ code: 3, message: `bad key ${key.toUpperCase()}` }, { status: 400 }),
      answer({ code: 3, message: `bad key ${[...key].join(' ')}` }, { status: 400 }),
      answer({ job: [], status: [{ code: `INVALID_${key}`, statusDetail: `key=${key.toLowerCase()}` }] }),
      answer('<html>nope</html>', { status: 500, headers: { 'content-type': `text/${key}` } }),
      answer('<html>nope</html>', { status: 500, headers: { 'content-type': `${key}; charset=utf-8` } }),
    ];
    let next = 0;
    const fetch: FetchLike = async () => echoes[next++]!;
    const gateway = createGateway({
      apiVersion: 'v1',
      upstreamUrl: 'http://upstream.test',
      fetch,
      retries: 0,
    });
    const normalised = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
    for (let i = 0; i < echoes.length; i++) {
      const response = await post(gateway, '{ job(jobId: "x") { state } }', {
        headers: { 'content-type': 'application/json', 'x-api-key': key, 'customer-id': '1' },
      });
      const text = await response.text();
      expect(response.status).toBe(200);
      expect(JSON.parse(text).errors[0].extensions.code).toMatch(/^(BAD_USER_INPUT|UPSTREAM_ERROR)$/);
      expect(normalised(text)).not.toContain(normalised(key));
    }
    await gateway.close();
  });

  it('9. logs an unknown upstream enum value of 1 MB as a short, bounded line', async () => {
    const lines: string[] = [];
    const { createLogger } = await import('../../src/logger');
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    const huge = 'X'.repeat(1024 * 1024);
    const fetch: FetchLike = async () =>
      answer({ job: [{ ...ONE_JOB.job[0], state: huge, type: huge }], pageKey: '', status: [] });
    const gateway = createGateway({
      apiVersion: 'v1',
      upstreamUrl: 'http://upstream.test',
      fetch,
      retries: 0,
      logger,
    });
    const body = (await (await post(gateway, '{ job(jobId: "j1") { state type } }')).json()) as any;
    expect(body.data.job).toEqual({ state: 'UNKNOWN', type: 'UNKNOWN' });
    const longest = Math.max(...lines.map((line) => line.length));
    expect(lines.some((line) => line.includes('unknown upstream enum values'))).toBe(true);
    expect(longest).toBeLessThan(2048);
    await gateway.close();
  });

  it('10. turns the longest accepted upstream page key into cursors that work, and refuses a longer key', async () => {
    for (const [length, works] of [
      [MAX_PAGE_KEY_BYTES, true],
      [MAX_PAGE_KEY_BYTES + 1, false],
    ] as const) {
      // A key that is not base64 and has multi-byte characters: its cursor form is the longest possible.
      const key = 'é'.repeat(Math.floor(length / 2)) + (length % 2 ? 'k' : '');
      expect(Buffer.byteLength(key)).toBe(length);
      const sent: unknown[] = [];
      const fetch: FetchLike = async (_input, init) => {
        const request = JSON.parse(String(init?.body));
        sent.push(request);
        return answer(
          request.pageKey
            ? { job: [{ ...ONE_JOB.job[0], id: 'j2' }], pageKey: '', status: [] }
            : { ...ONE_JOB, pageKey: key },
        );
      };
      const gateway = createGateway({
        apiVersion: 'v1',
        upstreamUrl: 'http://upstream.test',
        fetch,
        retries: 0,
      });
      const page = '{ jobs(first: 1, after: $after) { edges { node { jobId } } pageInfo { endCursor } } }';
      const query = `query($after: String) ${page}`;
      const first = (await (
        await gateway.yoga.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...HEADERS_A },
          body: JSON.stringify({ query }),
        })
      ).json()) as any;
      if (!works) {
        expect(first.errors[0].extensions.code).toBe('UPSTREAM_ERROR');
        await gateway.close();
        continue;
      }
      const second = (await (
        await gateway.yoga.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...HEADERS_A },
          body: JSON.stringify({ query, variables: { after: first.data.jobs.pageInfo.endCursor } }),
        })
      ).json()) as any;
      expect(second.errors).toBeUndefined();
      expect(second.data.jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(['j2']);
      expect(sent).toHaveLength(2);
      expect((sent[1] as { pageKey: string }).pageKey).toBe(key);
      await gateway.close();
    }
  });
});
