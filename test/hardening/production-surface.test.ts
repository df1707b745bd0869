// Production's introspection switch and suggestion hiding on every HTTP transport: POST, GET, Yoga's SSE
// (/graphql, distinct connections) and graphql-sse at /graphql/stream in both of its modes (a real
// graphql-sse client). `__schema`/`__type` are refused, and no error says "Did you mean" — for fields,
// arguments, types, enum values in literals and enum values in variables. With introspection on (the
// default), the same documents answer and suggest, so each check can fail.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';
import { inProcessStreamClient, readEvents, resultsOf } from '../support/sse';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

type Result = { data?: any; errors?: { message: string; extensions?: any }[] };
type Transport = (query: string, variables?: Record<string, unknown>) => Promise<Result>;

const URL_BASE = 'http://gateway.test';

/** One operation over each transport; the first result it gives. */
function transports(h: Harness): Record<string, Transport> {
  const post: Transport = async (query, variables = {}) => {
    const response = await h.gateway.yoga.fetch(`${URL_BASE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...HEADERS_A },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Result;
  };
  const get: Transport = async (query, variables = {}) => {
    const search = new URLSearchParams({ query, variables: JSON.stringify(variables) });
    const response = await h.gateway.yoga.fetch(`${URL_BASE}/graphql?${search}`, { headers: HEADERS_A });
    return (await response.json()) as Result;
  };
  const sse: Transport = async (query, variables = {}) => {
    const response = await h.gateway.yoga.fetch(`${URL_BASE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
      body: JSON.stringify({ query, variables }),
    });
    const [first] = await readEvents(response, 1);
    return first as Result;
  };
  const stream =
    (singleConnection: boolean): Transport =>
    async (query, variables = {}) => {
      const client = inProcessStreamClient(h, HEADERS_A, singleConnection);
      try {
        const [first] = await resultsOf(client, query, variables);
        return first as Result;
      } finally {
        client.dispose();
      }
    };
  return {
    'POST /graphql': post,
    'GET /graphql': get,
    'SSE /graphql': sse,
    '/graphql/stream (single connection)': stream(true),
    '/graphql/stream (distinct connections)': stream(false),
  };
}

const INTROSPECTION = [
  '{ __schema { queryType { name } } }',
  '{ __type(name: "Job") { name fields { name } } }',
  'query { jobs(first: 1) { edges { node { jobId } } } __schema { types { name } } }',
];

/** Typos that graphql-js answers with "Did you mean …?". */
const SUGGESTING: [string, string, Record<string, unknown>?][] = [
  ['field', '{ jobz(first: 1) { edges { cursor } } }'],
  ['argument', '{ jobs(frist: 1) { edges { cursor } } }'],
  ['type', 'query($f: JobFiltr) { jobs(filter: $f) { edges { cursor } } }'],
  ['enum value in a literal', '{ jobs(filter: { states: [QUEUEDX] }) { edges { cursor } } }'],
  [
    'enum value in a variable',
    'query($s: [JobState!]) { jobs(filter: { states: $s }) { edges { cursor } } }',
    { s: ['QUEUEDX'] },
  ],
];

const NAMES = Object.keys(transports(startHarness()));
// The compiled executor words variable errors tersely; the standard one suggests enum values.
const EXECUTORS = [
  ['compiled', {}],
  ['standard', { jit: false }],
] as const;

describe('production (INTROSPECTION=false): nothing of the schema beyond what is asked', () => {
  for (const [name, [executor, options]] of NAMES.flatMap((name) =>
    EXECUTORS.map((e) => [name, e] as const),
  )) {
    it(`${name}, ${executor} executor: refuses __schema and __type, hides every suggestion`, async () => {
      harness = startHarness({ introspection: false, ...options });
      const send = transports(harness)[name]!;
      for (const query of INTROSPECTION) {
        const result = await send(query);
        expect(result.data ?? null).toBeNull();
        expect(result.errors?.[0]?.message).toMatch(/introspection has been disabled/);
        expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      }
      for (const [kind, query, variables] of SUGGESTING) {
        const result = await send(query, variables);
        expect(result.errors?.length, kind).toBeGreaterThan(0);
        for (const error of result.errors ?? []) expect(error.message, kind).not.toMatch(/Did you mean/);
      }
      // What is not introspection still works, __typename included, and resolver errors keep their code
      // (the compiled executor's errors are read-only: hiding suggestions must copy, never edit them).
      const typename = await send('{ __typename }');
      expect(typename).toEqual({ data: { __typename: 'Query' } });
      const badId = await send('{ job(jobId: "..") { id } }');
      expect(badId.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(harness.sim.calls).toBe(0);
      const page = await send('{ jobs(first: 1) { edges { node { jobId } } } }');
      expect(page.errors).toBeUndefined();
      expect(page.data.jobs.edges).toHaveLength(1);
    });
  }
});

describe('development (introspection on): the same documents answer and suggest', () => {
  for (const name of NAMES) {
    it(`${name}: answers __schema and suggests`, async () => {
      harness = startHarness({ jit: false });
      const send = transports(harness)[name]!;
      const schema = await send(INTROSPECTION[0]!);
      expect(schema.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      for (const [kind, query, variables] of SUGGESTING) {
        const result = await send(query, variables);
        expect(result.errors?.[0]?.message, kind).toMatch(/Did you mean/);
      }
    });
  }
});
