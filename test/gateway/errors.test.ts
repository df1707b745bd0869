// SPEC §6 errors: every upstream error path mapped to its extensions.code with extensions.upstream,
// UNAUTHENTICATED without an upstream call, and no credential in any response.
import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/simulator/faults';
import type { FetchLike } from '../../src/upstream/client';
import { type Harness, HEADERS_A, startHarness, VERSIONS } from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const LIST = '{ jobs(first: 3) { edges { node { jobId } } } }';

describe.each(VERSIONS)('errors on %s', (version) => {
  it('answers UNAUTHENTICATED without calling the upstream when no credentials are sent', async () => {
    harness = startHarness({ apiVersion: version });
    for (const headers of [
      {},
      { 'customer-id': '1234567890' },
      { 'x-api-key': '', authorization: '  ' },
    ] as Record<string, string>[]) {
      const result = await harness.query(LIST, {}, headers);
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(result.errors?.[0]?.message).toMatch(/x-api-key .* Authorization: Bearer/);
    }
    expect(harness.sim.calls).toBe(0);
  });

  it('masks a bug as INTERNAL_SERVER_ERROR "Unexpected error." without its message', async () => {
    harness = startHarness({
      apiVersion: version,
      now: () => {
        throw new Error('internal detail demo-api-key');
      },
    });
    const result = await harness.query(LIST);
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: 'Unexpected error.',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
    ]);
    expect(JSON.stringify(result)).not.toContain('internal detail');
    expect(harness.sim.calls).toBe(0);
  });

  it('still serves introspection and __typename without credentials', async () => {
    harness = startHarness({ apiVersion: version });
    const result = await harness.query('{ __typename __schema { queryType { name } } }', {}, {});
    expect(result.data).toEqual({ __typename: 'Query', __schema: { queryType: { name: 'Query' } } });
  });

  // v1 names the gRPC code; v2 has none (SPEC §10: code null) but a request id.
  const v1 = version === 'v1';
  const faults: [Fault, string, Record<string, unknown>][] = [
    ['rate-limit', 'RATE_LIMITED', { httpStatus: 429, code: v1 ? 'RESOURCE_EXHAUSTED' : null }],
    ['unavailable', 'UPSTREAM_UNAVAILABLE', { httpStatus: 503, code: v1 ? 'UNAVAILABLE' : null }],
    [
      'status-unavailable',
      'UPSTREAM_UNAVAILABLE',
      { httpStatus: v1 ? 200 : 503, code: v1 ? 'UNAVAILABLE' : null },
    ],
    ['internal', 'UPSTREAM_ERROR', { httpStatus: 500, code: v1 ? 'INTERNAL' : null }],
    ['html-500', 'UPSTREAM_ERROR', { httpStatus: 500, code: null }],
    ['bad-gateway', 'UPSTREAM_UNAVAILABLE', { httpStatus: 502, code: null }],
    ['not-json', 'UPSTREAM_ERROR', { httpStatus: 200, code: null }],
    ['reset', 'UPSTREAM_UNAVAILABLE', { httpStatus: null, code: 'ECONNRESET' }],
  ];

  it.each(faults)('maps the %s fault to %s with extensions.upstream', async (fault, code, upstream) => {
    harness = startHarness({ apiVersion: version });
    harness.sim.failNext(fault);
    const result = await harness.query(LIST);
    expect(result.status).toBe(200);
    expect(result.data).toBeNull();
    const error = result.errors![0]!;
    expect(error.extensions?.code).toBe(code);
    expect(error.extensions?.upstream).toMatchObject(upstream);
    expect(typeof error.extensions?.upstream.detail).toBe('string');
    if (code === 'RATE_LIMITED') expect(error.extensions?.retryAfterSeconds).toBe(1);
    const answered = !['html-500', 'bad-gateway', 'not-json', 'reset'].includes(fault);
    if (!v1 && answered) expect(error.extensions?.upstream.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(harness.sim.calls).toBe(1);
  });

  it('maps a hang to UPSTREAM_TIMEOUT at the deadline', async () => {
    harness = startHarness({ apiVersion: version, timeoutMs: 60 });
    harness.sim.failNext('hang');
    const result = await harness.query(LIST);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      upstream: { httpStatus: null, code: 'DEADLINE_EXCEEDED' },
    });
  });
});

describe('errors on v1 (both error paths)', () => {
  it.each([
    ['INVALID_API_KEY', 'UNAUTHENTICATED'],
    ['PERMISSION_DENIED', 'FORBIDDEN'],
    ['INVALID_CORPUS_ID', 'BAD_USER_INPUT'],
    ['NOT_FOUND', 'NOT_FOUND'],
    ['TOO_MANY_REQUESTS', 'RATE_LIMITED'],
    ['DEADLINE_EXCEEDED', 'UPSTREAM_TIMEOUT'],
    ['QRY__TIMEOUT', 'UPSTREAM_ERROR'],
  ])('maps 200 + status %s to %s', async (statusCode, code) => {
    harness = startHarness({ apiVersion: 'v1' });
    harness.sim.configure({ statusCode });
    harness.sim.failNext('status-error');
    const result = await harness.query(LIST);
    expect(result.errors?.[0]?.extensions).toEqual({
      code,
      upstream: { httpStatus: 200, code: statusCode, detail: `Simulated ${statusCode}.` },
    });
  });

  it('maps the rpc path: bad key → UNAUTHENTICATED, wrong customer → FORBIDDEN; no customer-id → UNAUTHENTICATED with no call', async () => {
    harness = startHarness({ apiVersion: 'v1' });
    const badKey = await harness.query(LIST, {}, { 'x-api-key': 'wrong-key', 'customer-id': '1234567890' });
    expect(badKey.errors?.[0]?.extensions).toEqual({
      code: 'UNAUTHENTICATED',
      upstream: { httpStatus: 401, code: 'UNAUTHENTICATED', detail: 'Invalid API key or token.' },
    });
    expect(JSON.stringify(badKey)).not.toContain('wrong-key');
    const wrongCustomer = await harness.query(LIST, {}, { ...HEADERS_A, 'customer-id': '2222222222' });
    expect(wrongCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // v1 needs customer-id: said plainly, before any upstream call.
    const calls = harness.sim.calls;
    const noCustomer = await harness.query(LIST, {}, { 'x-api-key': 'demo-api-key' });
    expect(noCustomer.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(noCustomer.errors?.[0]?.message).toMatch(/Missing customer-id: Vectara API v1 needs/);
    expect(harness.sim.calls).toBe(calls);
  });
});

describe('errors on v2', () => {
  it('maps 400 to BAD_USER_INPUT with the field errors and the request id', async () => {
    harness = startHarness({ apiVersion: 'v2' });
    harness.sim.failNext('status-error');
    const result = await harness.query(LIST);
    expect(result.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      upstream: {
        httpStatus: 400,
        code: null,
        detail: 'Invalid parameter state.',
        requestId: expect.stringMatching(/^[0-9a-f]{32}$/),
        fieldErrors: { state: 'Simulated INVALID_ARGUMENT.' },
      },
    });
  });

  it('maps 401 to UNAUTHENTICATED and 403 to FORBIDDEN; customer-id is never required', async () => {
    harness = startHarness({ apiVersion: 'v2' });
    const badKey = await harness.query(LIST, {}, { 'x-api-key': 'wrong-key' });
    expect(badKey.errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      upstream: { httpStatus: 401, code: null, detail: 'Invalid API key or token.' },
    });
    expect(JSON.stringify(badKey)).not.toContain('wrong-key');
    const noCustomer = await harness.query(LIST, {}, { 'x-api-key': 'demo-api-key' });
    expect(noCustomer.errors).toBeUndefined();
    await harness.close();
    const forbidden: FetchLike = async () =>
      Response.json(
        { messages: ['Permissions do not allow listing jobs'], request_id: 'ab12' },
        { status: 403 },
      );
    harness = startHarness({ apiVersion: 'v2', fetch: forbidden });
    const refused = await harness.query(LIST);
    expect(refused.errors?.[0]?.extensions).toEqual({
      code: 'FORBIDDEN',
      upstream: {
        httpStatus: 403,
        code: null,
        detail: 'Permissions do not allow listing jobs',
        requestId: 'ab12',
      },
    });
  });
});

describe.each(VERSIONS)('credential pass-through on %s', (version) => {
  it('forwards exactly x-api-key, authorization and customer-id, and no other incoming header', async () => {
    harness = startHarness({ apiVersion: version });
    const result = await harness.query(
      LIST,
      {},
      {
        'x-api-key': 'demo-api-key',
        authorization: 'Bearer demo-token',
        'customer-id': '1234567890',
        cookie: 'session=abc',
        'x-forwarded-for': '10.1.1.1',
        'x-simulator-fault': 'unavailable',
        'grpc-timeout': '1m',
        'user-agent': 'test-agent',
      },
    );
    expect(result.errors).toBeUndefined();
    const headers = harness.sim.recorded[0]!.headers;
    expect(headers).toMatchObject({
      'x-api-key': 'demo-api-key',
      authorization: 'Bearer demo-token',
      'customer-id': '1234567890',
    });
    // Each version's deadline headers: v1 grpc-timeout + timeout (and a JSON body), v2 Request-Timeout-Millis.
    const own = version === 'v1' ? ['content-type', 'grpc-timeout', 'timeout'] : ['request-timeout-millis'];
    expect(Object.keys(headers).sort()).toEqual(
      ['accept', 'authorization', 'customer-id', 'x-api-key', 'x-request-id', ...own].sort(),
    );
    expect(headers['grpc-timeout']).not.toBe('1m');
    if (version === 'v2') expect(Number(headers['request-timeout-millis'])).toBeGreaterThan(0);
  });

  it('uses a bearer token alone, and VECTARA_CUSTOMER_ID as the fallback customer-id', async () => {
    harness = startHarness({ apiVersion: version, fallbackCustomerId: '1234567890' });
    const result = await harness.query(LIST, {}, { authorization: 'Bearer demo-token' });
    expect(result.errors).toBeUndefined();
    expect(harness.sim.recorded[0]!.headers['customer-id']).toBe('1234567890');
    expect(harness.sim.recorded[0]!.headers['x-api-key']).toBeUndefined();
    const explicit = await harness.query(
      LIST,
      {},
      { 'x-api-key': 'demo-api-key-2', 'customer-id': '2222222222' },
    );
    expect(explicit.errors).toBeUndefined();
    expect(harness.sim.recorded[1]!.headers['customer-id']).toBe('2222222222');
  });

  it('propagates a request id to the upstream', async () => {
    harness = startHarness({ apiVersion: version });
    await harness.query(LIST, {}, { ...HEADERS_A, 'x-request-id': 'trace-123' });
    await harness.query(LIST);
    expect(harness.sim.recorded[0]!.headers['x-request-id']).toBe('trace-123');
    expect(harness.sim.recorded[1]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
