// The upstream client against the simulator: decoding, exact header pass-through, both error paths, each
// fault, timeouts, cancellation, retries and redaction. Every test counts the upstream calls it caused.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/handler';
import { listenSimulator } from '../../src/simulator/server';
import { createUpstreamClient, type FetchLike } from '../../src/upstream/client';
import { UpstreamError } from '../../src/upstream/errors';
import { createUndiciTransport } from '../../src/upstream/transport';
import { createV1Adapter } from '../../src/upstream/v1/adapter';
import { BEARER_A, KEY_A } from '../support/accounts';
import { FIXED_START, manualClock } from '../support/clock';
import { until } from '../support/scheduler';
import { ALL_STATES } from '../support/states';

function setup(options: { retries?: number; timeoutMs?: number; fetch?: FetchLike } = {}) {
  const clock = manualClock();
  const sim = createSimulator({ now: clock.now });
  const client = createUpstreamClient({
    adapter: createV1Adapter(),
    baseUrl: 'http://upstream.test/',
    fetch: options.fetch ?? sim.fetch,
    timeoutMs: options.timeoutMs ?? 2000,
    retries: options.retries ?? 0,
    random: () => 0,
  });
  return { sim, client, clock };
}

const query = { states: ['QUEUED', 'STARTED'] as const, pageSize: 5 };

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

describe('upstream client', () => {
  it('lists and decodes a page', async () => {
    const { sim, client } = setup();
    const page = await client.listJobs({ ...query, states: ['COMPLETED'] }, { credentials: KEY_A });
    expect(page.jobs).toHaveLength(5);
    expect(page.pageKey).not.toBe('');
    const job = page.jobs[0]!;
    expect(job.state).toBe('COMPLETED');
    expect(typeof job.createdAt).toBe('number');
    expect(job.completedAt).toBeGreaterThanOrEqual(job.startedAt!);
    expect(['CORPUS_REBUILD_VECTOR_INDEX', 'CORPUS_REPLACE_FILTER_ATTRS']).toContain(job.type);
    expect(sim.calls).toBe(1);
  });

  it('sends exactly the credentials, deadline headers and an explicit body', async () => {
    const { sim, client } = setup();
    await client.listJobs(
      { states: ['QUEUED'], pageSize: 3, corpusKeys: ['1', '2'], createdAfter: FIXED_START / 1000 - 86_400 },
      { credentials: BEARER_A, requestId: 'req-1' },
    );
    const call = sim.recorded[0]!;
    expect(Object.keys(call.headers).sort()).toEqual(
      [
        'accept',
        'authorization',
        'content-type',
        'customer-id',
        'grpc-timeout',
        'timeout',
        'x-request-id',
      ].sort(),
    );
    expect(call.headers.authorization).toBe('Bearer demo-token');
    expect(call.headers['customer-id']).toBe('1234567890');
    expect(call.headers['grpc-timeout']).toMatch(/^\d+m$/);
    expect(call.headers.timeout).toBe('2S');
    expect(call.body).toEqual({
      state: ['JOB_STATE__QUEUED'],
      numResults: 3,
      corpusId: [1, 2],
      epochSecs: String(FIXED_START / 1000 - 86_400),
    });
  });

  it('sends only the page key when continuing', async () => {
    const { sim, client } = setup();
    const first = await client.listJobs({ states: ['COMPLETED'], pageSize: 2 }, { credentials: KEY_A });
    await client.listJobs(
      { states: ['COMPLETED'], pageSize: 2, pageKey: first.pageKey },
      { credentials: KEY_A },
    );
    expect(sim.recorded[1]!.body).toEqual({ pageKey: first.pageKey });
  });

  it('maps the rpc path (non-2xx + google.rpc.Status) with the code name and detail', async () => {
    const { sim, client } = setup();
    const error = await failure(client.listJobs(query, { credentials: { apiKey: 'demo-api-key' } }));
    expect(error).toMatchObject({
      kind: 'status',
      httpStatus: 401,
      code: 'UNAUTHENTICATED',
      detail: 'Request does not contain customer-id-bin header.',
    });
    expect(sim.calls).toBe(1);
  });

  it('maps the 200 + status[] path', async () => {
    const { sim, client } = setup();
    sim.configure({ statusCode: 'INVALID_CORPUS_ID' });
    sim.failNext('status-error');
    const error = await failure(client.listJobs(query, { credentials: KEY_A }));
    expect(error).toMatchObject({ kind: 'status', httpStatus: 200, code: 'INVALID_CORPUS_ID' });
  });

  it.each([
    ['html-500', { kind: 'http', httpStatus: 500 }],
    ['bad-gateway', { kind: 'http', httpStatus: 502 }],
    ['not-json', { kind: 'payload', httpStatus: 200 }],
    ['unavailable', { kind: 'status', httpStatus: 503, code: 'UNAVAILABLE' }],
    ['status-unavailable', { kind: 'status', httpStatus: 200, code: 'UNAVAILABLE' }],
    ['internal', { kind: 'status', httpStatus: 500, code: 'INTERNAL' }],
    ['rate-limit', { kind: 'status', httpStatus: 429, code: 'RESOURCE_EXHAUSTED', retryAfterSeconds: 1 }],
    ['reset', { kind: 'network', code: 'ECONNRESET' }],
  ] as const)('maps the %s fault to a typed error', async (fault, expected) => {
    const { sim, client } = setup();
    sim.failNext(fault);
    const error = await failure(client.listJobs(query, { credentials: KEY_A }));
    expect(error).toMatchObject(expected);
    expect(error.message).not.toContain('demo-api-key');
    expect(sim.calls).toBe(1);
  });

  it('times out a hanging upstream at the deadline', async () => {
    const { sim, client } = setup({ timeoutMs: 50 });
    sim.failNext('hang');
    const error = await failure(client.listJobs(query, { credentials: KEY_A }));
    expect(error.kind).toBe('timeout');
    expect(error.code).toBe('DEADLINE_EXCEEDED');
  });

  it("stops at once when the caller's signal aborts", async () => {
    const { sim, client } = setup();
    sim.failNext('hang');
    const controller = new AbortController();
    const pending = client.listJobs(query, { credentials: KEY_A, signal: controller.signal });
    controller.abort();
    expect((await failure(pending)).kind).toBe('aborted');
  });

  it('retries transient failures and not permanent ones', async () => {
    const { sim, client } = setup({ retries: 2 });
    sim.failNext('unavailable');
    sim.failNext('reset');
    const page = await client.listJobs(query, { credentials: KEY_A });
    expect(page.jobs.length).toBeGreaterThan(0);
    expect(sim.calls).toBe(3);
    sim.reset();
    sim.failNext('html-500');
    await failure(client.listJobs(query, { credentials: KEY_A }));
    expect(sim.calls).toBe(1);
  });

  it('gives up after the configured retries', async () => {
    const { sim, client } = setup({ retries: 2 });
    sim.failNext('bad-gateway', 5);
    const error = await failure(client.listJobs(query, { credentials: KEY_A }));
    expect(error.attempts).toBe(3);
    expect(sim.calls).toBe(3);
  });

  it('fails fast when Retry-After is past the deadline', async () => {
    const { sim, client } = setup({ retries: 2, timeoutMs: 500 });
    sim.configure({ retryAfterSeconds: 30 });
    sim.failNext('rate-limit', 3);
    const error = await failure(client.listJobs(query, { credentials: KEY_A }));
    expect(error).toMatchObject({ httpStatus: 429, retryAfterSeconds: 30 });
    expect(sim.calls).toBe(1);
  });

  it('tolerates numbers for int64s, absent and null fields, and unknown enums', async () => {
    for (const quirks of [
      ['int64-numbers', 'unknown-enums'],
      ['omit-empty'],
      ['null-fields', 'status-ok'],
    ] as const) {
      const { sim, client } = setup();
      sim.configure({ quirks: [...quirks] });
      const page = await client.listJobs({ states: ALL_STATES, pageSize: 50 }, { credentials: KEY_A });
      expect(page.jobs).toHaveLength(50);
      for (const job of page.jobs) {
        expect(typeof job.createdAt).toBe('number');
        if (job.state === 'QUEUED') expect(job.startedAt).toBeNull();
      }
      if ((quirks as readonly string[]).includes('unknown-enums')) {
        expect(page.jobs[0]).toMatchObject({
          state: 'UNKNOWN',
          type: 'UNKNOWN',
          unknownEnums: ['JOB__CORPUS_COMPACT', 'JOB_STATE__PAUSED'],
        });
      }
    }
  });

  it('never puts a credential into an error, even when the upstream echoes it', async () => {
    const secret = 'sk-very-secret-key-123';
    const echo: FetchLike = async () =>
      new Response(JSON.stringify({ code: 16, message: `key ${secret} is invalid; Bearer ${secret}` }), {
        status: 401,
      });
    const { client } = setup({ fetch: echo });
    const error = await failure(client.listJobs(query, { credentials: { apiKey: secret, customerId: '1' } }));
    expect(JSON.stringify({ message: error.message, detail: error.detail })).not.toContain(secret);
    expect(error.detail).toContain('[redacted]');
  });

  it('bounds a real upstream body over HTTP: declared or chunked, the read stops at the bound', async () => {
    let written = 0;
    const server = createServer((req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 32);
      if (req.url === '/declared') {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(10 * 1024 * 1024),
        });
        res.end(chunk); // the rest never comes: refused from the header alone
        return;
      }
      if (req.url === '/small') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"job":[]}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
      const pump = () => {
        while (written < 100 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (written = Number.POSITIVE_INFINITY));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const transport = createUndiciTransport({ connections: 2, maxBodyBytes: 1024 * 1024 });
    try {
      const small = await transport.fetch(`${base}/small`);
      expect(Buffer.concat(small.body as unknown as Buffer[]).toString()).toBe('{"job":[]}');
      await expect(transport.fetch(`${base}/declared`)).rejects.toThrow(/larger than 1024 KiB/);
      await expect(transport.fetch(`${base}/chunked`)).rejects.toThrow(/larger than 1024 KiB/);
      // The server saw its connection dropped long before 100 MB.
      await until(() => written === Number.POSITIVE_INFINITY);
    } finally {
      await transport.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('works over real HTTP with the undici transport, including a real connection reset', async () => {
    const sim = createSimulator();
    const running = await listenSimulator(sim);
    const transport = createUndiciTransport({ connections: 4 });
    try {
      const client = createUpstreamClient({
        adapter: createV1Adapter(),
        baseUrl: running.url,
        fetch: transport.fetch,
        timeoutMs: 2000,
        retries: 1,
      });
      const page = await client.listJobs(query, { credentials: KEY_A });
      expect(page.jobs.length).toBeGreaterThan(0);
      sim.failNext('reset');
      const again = await client.listJobs(query, { credentials: KEY_A });
      expect(again.jobs).toEqual(page.jobs);
      sim.failNext('reset', 2);
      const error = await failure(client.listJobs(query, { credentials: KEY_A }));
      expect(error.kind).toBe('network');
      // The message names the host it could not reach (never a path or credentials).
      expect(error.message).toMatch(
        new RegExp(
          `^Could not reach the upstream at ${new URL(running.url).host} \\([A-Z_]+\\): check VECTARA_API_URL`,
        ),
      );
      sim.failNext('html-500');
      expect((await failure(client.listJobs(query, { credentials: KEY_A }))).httpStatus).toBe(500);
      expect(sim.calls).toBe(6);
    } finally {
      await transport.close();
      await running.close();
    }
  });
});
