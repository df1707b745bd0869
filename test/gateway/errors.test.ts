// SPEC §6 errors: every upstream error path mapped to its extensions.code with extensions.upstream,
// UNAUTHENTICATED without an upstream call, and no credential in any response.
import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/simulator/faults';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const LIST = '{ jobs(first: 3) { edges { node { jobId } } } }';

describe('errors', () => {
  it('answers UNAUTHENTICATED without calling the upstream when no credentials are sent', async () => {
    harness = startHarness();
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
    harness = startHarness();
    const result = await harness.query('{ __typename __schema { queryType { name } } }', {}, {});
    expect(result.data).toEqual({ __typename: 'Query', __schema: { queryType: { name: 'Query' } } });
  });

  const faults: [Fault, string, Record<string, unknown>][] = [
    ['rate-limit', 'RATE_LIMITED', { httpStatus: 429, code: 'RESOURCE_EXHAUSTED' }],
    ['unavailable', 'UPSTREAM_UNAVAILABLE', { httpStatus: 503, code: 'UNAVAILABLE' }],
    ['status-unavailable', 'UPSTREAM_UNAVAILABLE', { httpStatus: 200, code: 'UNAVAILABLE' }],
    ['internal', 'UPSTREAM_ERROR', { httpStatus: 500, code: 'INTERNAL' }],
    ['html-500', 'UPSTREAM_ERROR', { httpStatus: 500, code: null }],
    ['bad-gateway', 'UPSTREAM_UNAVAILABLE', { httpStatus: 502, code: null }],
    ['not-json', 'UPSTREAM_ERROR', { httpStatus: 200, code: null }],
    ['reset', 'UPSTREAM_UNAVAILABLE', { httpStatus: null, code: 'ECONNRESET' }],
  ];

  it.each(faults)('maps the %s fault to %s with extensions.upstream', async (fault, code, upstream) => {
    harness = startHarness();
    harness.sim.failNext(fault);
    const result = await harness.query(LIST);
    expect(result.status).toBe(200);
    expect(result.data).toBeNull();
    const error = result.errors![0]!;
    expect(error.extensions?.code).toBe(code);
    expect(error.extensions?.upstream).toMatchObject(upstream);
    expect(typeof error.extensions?.upstream.detail).toBe('string');
    if (code === 'RATE_LIMITED') expect(error.extensions?.retryAfterSeconds).toBe(1);
    expect(harness.sim.calls).toBe(1);
  });

  it('maps a hang to UPSTREAM_TIMEOUT at the deadline', async () => {
    harness = startHarness({ timeoutMs: 60 });
    harness.sim.failNext('hang');
    const result = await harness.query(LIST);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      upstream: { httpStatus: null, code: 'DEADLINE_EXCEEDED' },
    });
  });

  it.each([
    ['INVALID_API_KEY', 'UNAUTHENTICATED'],
    ['PERMISSION_DENIED', 'FORBIDDEN'],
    ['INVALID_CORPUS_ID', 'BAD_USER_INPUT'],
    ['NOT_FOUND', 'NOT_FOUND'],
    ['TOO_MANY_REQUESTS', 'RATE_LIMITED'],
    ['DEADLINE_EXCEEDED', 'UPSTREAM_TIMEOUT'],
    ['QRY__TIMEOUT', 'UPSTREAM_ERROR'],
  ])('maps 200 + status %s to %s', async (statusCode, code) => {
    harness = startHarness();
    harness.sim.configure({ statusCode });
    harness.sim.failNext('status-error');
    const result = await harness.query(LIST);
    expect(result.errors?.[0]?.extensions).toEqual({
      code,
      upstream: { httpStatus: 200, code: statusCode, detail: `Simulated ${statusCode}.` },
    });
  });

  it('maps the rpc path: bad key → UNAUTHENTICATED, wrong customer → FORBIDDEN, no customer-id → UNAUTHENTICATED', async () => {
    harness = startHarness();
    const badKey = await harness.query(LIST, {}, { 'x-api-key': 'wrong-key', 'customer-id': '1234567890' });
    expect(badKey.errors?.[0]?.extensions).toEqual({
      code: 'UNAUTHENTICATED',
      upstream: { httpStatus: 401, code: 'UNAUTHENTICATED', detail: 'Invalid API key or token.' },
    });
    expect(JSON.stringify(badKey)).not.toContain('wrong-key');
    const wrongCustomer = await harness.query(LIST, {}, { ...HEADERS_A, 'customer-id': '2222222222' });
    expect(wrongCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const noCustomer = await harness.query(LIST, {}, { 'x-api-key': 'demo-api-key' });
    expect(noCustomer.errors?.[0]?.extensions?.upstream).toEqual({
      httpStatus: 401,
      code: 'UNAUTHENTICATED',
      detail: 'Request does not contain customer-id-bin header.',
    });
  });
});

describe('credential pass-through', () => {
  it('forwards exactly x-api-key, authorization and customer-id, and no other incoming header', async () => {
    harness = startHarness();
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
    expect(Object.keys(headers).sort()).toEqual(
      [
        'accept',
        'authorization',
        'content-type',
        'customer-id',
        'grpc-timeout',
        'timeout',
        'x-api-key',
        'x-request-id',
      ].sort(),
    );
    expect(headers['grpc-timeout']).not.toBe('1m');
  });

  it('uses a bearer token alone, and VECTARA_CUSTOMER_ID as the fallback customer-id', async () => {
    harness = startHarness({ fallbackCustomerId: '1234567890' });
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
    harness = startHarness();
    await harness.query(LIST, {}, { ...HEADERS_A, 'x-request-id': 'trace-123' });
    await harness.query(LIST);
    expect(harness.sim.recorded[0]!.headers['x-request-id']).toBe('trace-123');
    expect(harness.sim.recorded[1]!.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
