// Client input that used to reach an internal error or a surprising upstream call: mutations (graphql-jit's
// "No root type" 500), federation representations without their key, job ids that change the upstream
// path, `first` out of range answered with a cost error, and upstream page keys longer than 4 KiB.
// The real gateway (yoga.fetch) in front of the real simulator handler, or a fake upstream where the test
// needs answers the simulator does not give.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { MAX_CURSOR_LENGTH } from '../../src/pagination/cursor';
import { encodeGlobalId } from '../../src/schema/global-id';
import { createGateway } from '../../src/server';
import { type FetchLike, MAX_PAGE_KEY_BYTES } from '../../src/upstream/client';
import { type Harness, HEADERS_A, startHarness, VERSIONS } from '../support/gateway';
import { readEvents } from '../support/sse';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A harness whose log lines are kept, and the upstream paths it was asked for. */
function setup(options: Parameters<typeof startHarness>[0] = {}) {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => lines.push(line) });
  const started = startHarness({ logger, ...options });
  const paths: string[] = [];
  const handle = started.sim.handle.bind(started.sim);
  started.sim.handle = async (request: Request) => {
    paths.push(new URL(request.url).pathname);
    return handle(request);
  };
  harness = started;
  return { harness: started, lines, paths };
}

const errorLines = (lines: string[]) => lines.filter((line) => JSON.parse(line).level >= 50);

describe('mutations (this API has none)', () => {
  for (const mode of [
    { name: 'compiled (jit), introspection on', options: {} },
    { name: 'standard executor, production', options: { jit: false, introspection: false } },
    { name: 'compiled (jit), production', options: { introspection: false } },
  ]) {
    it(`answers every mutation with the ordinary validation error, never a 500 (${mode.name})`, async () => {
      const { harness, lines } = setup(mode.options);
      for (const query of [
        'mutation { __typename }',
        'mutation { x }',
        'mutation M { job(jobId: "1") { id } }',
      ]) {
        for (const headers of [HEADERS_A, {}]) {
          for (const accept of ['application/json', 'application/graphql-response+json']) {
            const response = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json', accept, ...headers },
              body: JSON.stringify({ query }),
            });
            expect(response.status).toBe(accept === 'application/json' ? 200 : 400);
            const body = (await response.json()) as any;
            expect(body.data).toBeUndefined();
            expect(body.errors[0]).toMatchObject({
              message:
                'The mutation operation is not supported by the schema: this API has queries and subscriptions only.',
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            });
          }
        }
      }
      // GET too: the same error (Yoga refuses a mutation over GET only once it is known to be valid).
      const get = await harness.gateway.yoga.fetch(
        `http://gateway.test/graphql?query=${encodeURIComponent('mutation { __typename }')}`,
        { headers: { accept: 'application/graphql-response+json', ...HEADERS_A } },
      );
      expect(get.status).toBeLessThan(500);
      expect(((await get.json()) as any).errors[0].extensions.code).toMatch(
        /^(GRAPHQL_VALIDATION_FAILED|BAD_REQUEST)$/,
      );
      expect(errorLines(lines)).toEqual([]);
      expect(harness.sim.calls).toBe(0);
    });
  }
});

describe('federation representations of Job', () => {
  it.each([
    ['without jobId', { __typename: 'Job' }],
    ['with a numeric jobId', { __typename: 'Job', jobId: 5 }],
    ['with a null jobId', { __typename: 'Job', jobId: null }],
    ['with jobId ".."', { __typename: 'Job', jobId: '..' }],
  ])('%s: BAD_USER_INPUT, no upstream call, no error log', async (_name, representation) => {
    const { harness, lines } = setup();
    const result = await harness.query(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { jobId } } }',
      { r: [representation] },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'representations[].jobId',
    });
    expect(harness.sim.calls).toBe(0);
    expect(errorLines(lines)).toEqual([]);
  });
});

describe.each(VERSIONS)('job ids that would change the upstream path (%s)', (version) => {
  const BAD_IDS = ['..', '.', '', '   '];

  it('refuses "", ".", ".." on job, node, _entities and jobUpdated without any upstream call', async () => {
    const { harness } = setup({ apiVersion: version });
    for (const id of BAD_IDS) {
      const byJob = await harness.query('query($id: String!) { job(jobId: $id) { jobId } }', { id });
      expect(byJob.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'jobId' });
      const byNode = await harness.query('query($id: ID!) { node(id: $id) { id } }', {
        id: encodeGlobalId('Job', id),
      });
      expect(byNode.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const byEntity = await harness.query(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { jobId } } }',
        { r: [{ __typename: 'Job', jobId: id }] },
      );
      expect(byEntity.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const watch = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
        body: JSON.stringify({
          query: 'subscription($id: String!) { jobUpdated(jobId: $id) { state } }',
          variables: { id },
        }),
      });
      const [first] = (await readEvents(watch, 1)) as any[];
      expect(first.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'jobId' });
    }
    expect(harness.sim.calls).toBe(0);
    expect(harness.gateway.watcher.activeLoops).toBe(0);
  });

  it('keeps `/`, `?`, `#`, `%` and dots inside one path segment (v2) or the body (v1)', async () => {
    const { harness, paths } = setup({ apiVersion: version });
    const ids = ['a/../b', 'x?y=1', 'h#frag', '%2e%2e', '...', 'a.b'];
    for (const id of ids) {
      const result = await harness.query('query($id: String!) { job(jobId: $id) { jobId } }', { id });
      expect(result.errors).toBeUndefined();
      expect(result.data.job).toBeNull();
    }
    if (version === 'v2') {
      expect(paths).toEqual(ids.map((id) => `/v2/jobs/${encodeURIComponent(id)}`));
      expect(paths).toContain('/v2/jobs/a%2F..%2Fb');
      expect(paths).toContain('/v2/jobs/%252e%252e');
    } else {
      expect(paths.every((path) => path === '/v1/list-jobs')).toBe(true);
    }
  });
});

describe('range errors come before the cost estimate', () => {
  it.each([100_000, 5000, 101, 0, -1])('first: %d says the range 1..100, not the cost', async (first) => {
    const { harness } = setup();
    for (const [query, variables] of [
      [`{ jobs(first: ${first}) { edges { node { jobId state corpusKeys } } } }`, {}],
      ['query($n: Int) { jobs(first: $n) { edges { node { jobId state } } } }', { n: first }],
      [
        `{ corpus: _entities(representations: [{ __typename: "Corpus", key: "c" }]) { ... on Corpus { jobs(first: ${first}) { edges { cursor } } } } }`,
        {},
      ],
    ] as const) {
      const result = await harness.query(query, variables);
      expect(result.errors?.[0]?.message).toBe(`\`first\` must be between 1 and 100; got ${first}.`);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    }
    expect(harness.sim.calls).toBe(0);
  });

  it('still answers the cost limit for in-range arguments that multiply', async () => {
    const { harness } = setup();
    const corpora = Array.from({ length: 100 }, (_, i) => ({ __typename: 'Corpus', key: `c${i}` }));
    const result = await harness.query(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Corpus { jobs(first: 100) { edges { node { jobId state } } } } } }',
      { r: corpora },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'cost' });
  });
});

describe('upstream page keys up to 16 KiB (v2)', () => {
  /** A v2 upstream of `pages` pages of 2 jobs whose page keys are `keyBytes` long (the last page has none). */
  function longKeyUpstream(pages: number, keyBytes: number) {
    // Not base64 and with multi-byte characters: the cursor form of such a key is the longest possible.
    const keyOf = (page: number) => {
      const head = `${page}:`;
      const rest = keyBytes - head.length;
      return head + 'é'.repeat(Math.floor(rest / 2)) + 'k'.repeat(rest % 2);
    };
    const keys = Array.from({ length: pages - 1 }, (_, page) => keyOf(page));
    const seen: (string | null)[] = [];
    const fetch: FetchLike = async (input) => {
      const pageKey = new URL(String(input)).searchParams.get('page_key');
      seen.push(pageKey);
      const index = pageKey === null ? 0 : keys.indexOf(pageKey) + 1;
      if (index < 0 || (pageKey !== null && index === 0)) return new Response('{}', { status: 400 });
      const jobs = [0, 1].map((n) => ({
        id: `job_${index}_${n}`,
        type: 'rebuild_vector_index',
        state: 'completed',
        corpus_keys: ['c'],
        created_at: '2026-01-01T00:00:00Z',
      }));
      return Response.json({ jobs, metadata: { page_key: keys[index] ?? null } });
    };
    return { fetch, keys, seen };
  }

  const PAGE =
    'query($after: String) { jobs(first: 2, after: $after, filter: { states: [COMPLETED] }) { edges { node { jobId } } pageInfo { hasNextPage endCursor } } }';

  async function walk(gateway: ReturnType<typeof createGateway>) {
    const ids: string[] = [];
    const errors: any[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...HEADERS_A },
        body: JSON.stringify({ query: PAGE, variables: { after } }),
      });
      const body = (await response.json()) as any;
      if (body.errors) {
        errors.push(...body.errors);
        break;
      }
      ids.push(...body.data.jobs.edges.map((edge: any) => edge.node.jobId));
      if (!body.data.jobs.pageInfo.hasNextPage) break;
      after = body.data.jobs.pageInfo.endCursor;
    }
    return { ids, errors };
  }

  it('walks every page when each page key is 16 KiB (and ~4,400 characters)', async () => {
    for (const keyBytes of [4400, MAX_PAGE_KEY_BYTES]) {
      const upstream = longKeyUpstream(4, keyBytes);
      expect(upstream.keys.every((key) => Buffer.byteLength(key) === keyBytes)).toBe(true);
      const gateway = createGateway({
        upstreamUrl: 'http://upstream.test',
        fetch: upstream.fetch,
        retries: 0,
      });
      const { ids, errors } = await walk(gateway);
      expect(errors).toEqual([]);
      expect(ids).toEqual([0, 1, 2, 3].flatMap((page) => [`job_${page}_0`, `job_${page}_1`]));
      expect(upstream.seen).toEqual([null, ...upstream.keys]);
      await gateway.close();
    }
    expect(MAX_PAGE_KEY_BYTES).toBe(16 * 1024);
  });

  it('answers a longer upstream key with a clear UPSTREAM_ERROR', async () => {
    const upstream = longKeyUpstream(2, MAX_PAGE_KEY_BYTES + 1024);
    const gateway = createGateway({ upstreamUrl: 'http://upstream.test', fetch: upstream.fetch, retries: 0 });
    const { errors } = await walk(gateway);
    expect(errors[0].extensions.code).toBe('UPSTREAM_ERROR');
    expect(errors[0].message).toMatch(/page key is longer than 16384 bytes/);
    await gateway.close();
  });

  it('refuses an `after` longer than the longest cursor as BAD_USER_INPUT, without an upstream call', async () => {
    const upstream = longKeyUpstream(2, 10);
    const gateway = createGateway({ upstreamUrl: 'http://upstream.test', fetch: upstream.fetch, retries: 0 });
    const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...HEADERS_A },
      body: JSON.stringify({ query: PAGE, variables: { after: `v1.${'x'.repeat(MAX_CURSOR_LENGTH)}` } }),
    });
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(upstream.seen).toEqual([]);
    expect(MAX_CURSOR_LENGTH).toBe(21_976);
    await gateway.close();
  });
});
