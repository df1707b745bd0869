// SPEC §4's six pagination properties, through the real server, with upstream call counts.
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/handler';
import type { FetchLike } from '../../src/upstream/client';
import { CUSTOMER_A } from '../support/accounts';
import { expectedJobs, type Harness, HEADERS_B, startHarness, VERSIONS } from '../support/gateway';

const PAGE = `query Page($first: Int, $after: String, $filter: JobFilter) {
  jobs(first: $first, after: $after, filter: $filter) {
    edges { cursor node { jobId state } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

let harness: Harness;
afterEach(() => harness?.close());

interface Page {
  edges: { cursor: string; node: { jobId: string; state: string } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

async function page(first: number, after: string | null, filter: Record<string, unknown>): Promise<Page> {
  const result = await harness.query<{ jobs: Page }>(PAGE, { first, after, filter });
  expect(result.errors).toBeUndefined();
  return result.data!.jobs;
}

/** Follows endCursor until hasNextPage is false; returns the ids and how many GraphQL pages it took. */
async function walk(first: number, filter: Record<string, unknown>) {
  const ids: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const result = await page(first, after, filter);
    pages++;
    ids.push(...result.edges.map((edge) => edge.node.jobId));
    if (!result.pageInfo.hasNextPage) return { ids, pages, last: result };
    after = result.pageInfo.endCursor;
    expect(pages).toBeLessThan(500);
  }
}

const FINISHED = { states: ['COMPLETED', 'FAILED', 'ABORTED'] };

describe.each(VERSIONS)('pagination (SPEC §4) on %s', (version) => {
  it.each([1, 7, 20, 100])(
    '1. walk with first=%i returns every job once, in order, one upstream call per page',
    async (first) => {
      harness = startHarness({ apiVersion: version });
      const expected = expectedJobs(harness, CUSTOMER_A, FINISHED).map(harness.jobId);
      expect(expected.length).toBeGreaterThan(200);
      const { ids, pages } = await walk(first, FINISHED);
      expect(ids).toEqual(expected);
      expect(harness.sim.calls).toBe(pages);
      expect(pages).toBe(Math.ceil(expected.length / first));
    },
  );

  it('2. resumes after any edge with the jobs right after it', async () => {
    harness = startHarness({ apiVersion: version });
    const expected = expectedJobs(harness, CUSTOMER_A, FINISHED).map(harness.jobId);
    const first = await page(10, null, FINISHED);
    const second = await page(10, first.pageInfo.endCursor, FINISHED);
    const edges = [...first.edges, ...second.edges];
    for (const index of [0, 3, 9, 10, 15, 19]) {
      const resumed = await page(5, edges[index]!.cursor, FINISHED);
      expect(resumed.edges.map((edge) => edge.node.jobId)).toEqual(expected.slice(index + 1, index + 6));
      expect(resumed.pageInfo.hasNextPage).toBe(true);
    }
    // A different page size after a mid-page cursor still lines up, following the upstream key as needed.
    const long = await page(30, edges[4]!.cursor, FINISHED);
    expect(long.edges.map((edge) => edge.node.jobId)).toEqual(expected.slice(5, 35));
  });

  it('3. fills short upstream pages by following keys, within the documented bound', async () => {
    harness = startHarness({ apiVersion: version });
    harness.sim.configure({ quirks: ['short-pages'] });
    const expected = expectedJobs(harness, CUSTOMER_A, FINISHED).map(harness.jobId);
    const first = await page(20, null, FINISHED);
    expect(first.edges.map((edge) => edge.node.jobId)).toEqual(expected.slice(0, 20));
    expect(harness.sim.calls).toBe(2);
    const { ids } = await walk(20, FINISHED);
    expect(ids).toEqual(expected);
  });

  it('3b. pages exactly over an upstream that returns more jobs than asked for', async () => {
    const sim = createSimulator();
    // This upstream ignores the page size asked for and always serves pages of 45.
    const generous: FetchLike = (input, init) => {
      if (version === 'v2') return sim.fetch(String(input).replace(/limit=\d+/, 'limit=45'), init);
      const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
      if (body.numResults !== undefined) body.numResults = 45;
      return sim.fetch(input, { ...init, body: JSON.stringify(body) });
    };
    harness = startHarness({ apiVersion: version, fetch: generous });
    const expected = expectedJobs(harness, CUSTOMER_A, FINISHED).map(harness.jobId);
    const { ids, pages } = await walk(20, FINISHED);
    expect(ids).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 20));
  });

  it('4. ends on an empty key, and a trailing empty page ends the walk with empty edges and no error', async () => {
    harness = startHarness({ apiVersion: version });
    const expected = expectedJobs(harness, CUSTOMER_A, { states: ['QUEUED', 'STARTED'] });
    expect(expected.length).toBeGreaterThan(3);
    const all = await page(100, null, {});
    expect(all.edges).toHaveLength(expected.length);
    expect(all.pageInfo.hasNextPage).toBe(false);
    expect(harness.sim.calls).toBe(1);
    // After the end: no upstream call, nothing more.
    const beyond = await page(10, all.pageInfo.endCursor, {});
    expect(beyond).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
    expect(harness.sim.calls).toBe(1);

    harness.sim.configure({ quirks: ['trailing-empty-page'] });
    const full = await page(expected.length, null, {});
    expect(full.pageInfo.hasNextPage).toBe(true);
    const trailing = await page(expected.length, full.pageInfo.endCursor, {});
    expect(trailing.edges).toEqual([]);
    expect(trailing.pageInfo.hasNextPage).toBe(false);
    // A short page followed by an empty one: the fill stops there too.
    const short = await page(expected.length + 5, null, {});
    expect(short.edges).toHaveLength(expected.length);
    expect(short.pageInfo.hasNextPage).toBe(false);
  });

  it('5. binds a cursor to its filter and credentials; garbage never reaches the upstream', async () => {
    harness = startHarness({ apiVersion: version });
    const first = await page(5, null, FINISHED);
    const cursor = first.pageInfo.endCursor!;
    const calls = harness.sim.calls;

    const other = await harness.query(PAGE, { first: 5, after: cursor, filter: { states: ['COMPLETED'] } });
    expect(other.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(other.errors?.[0]?.message).toMatch(/cursor belongs to a different filter/);

    const tampered = [
      cursor.slice(0, -3),
      `${cursor}x`,
      cursor.replace(/\.(\d+)\./, '.99.'),
      cursor.replace(/\.(\d+)\./, '.0$1.'),
      // A skip edited to another valid number (the position is checked, not only the page).
      cursor.replace(/\.(\d+)\./, (_all, skip: string) => `.${Number(skip) + 1}.`),
      cursor.replace(/\.([bk])5\./, '.$1100.'),
      cursor.replace(/\.[A-Za-z0-9_-]{22}\./, '.AAAAAAAAAAAAAAAAAAAAAA.'),
      'v1.x.s1.0.AAAAAAAAAAAAAAAA.',
      '',
      'null',
      'a'.repeat(5000),
    ];
    for (const after of tampered) {
      const result = await harness.query(PAGE, { first: 5, after, filter: FINISHED });
      expect(
        result.errors?.[0]?.extensions?.code,
        `${after.slice(0, 40)} ${JSON.stringify(result.errors)}`,
      ).toBe('BAD_USER_INPUT');
    }
    const foreign = await harness.query(PAGE, { first: 5, after: cursor, filter: FINISHED }, HEADERS_B);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(harness.sim.calls).toBe(calls);
  });

  it('5b. with a shared CURSOR_SECRET, a cursor works on another replica; with another secret it does not', async () => {
    const secret = Buffer.from('x'.repeat(32));
    harness = startHarness({ apiVersion: version, cursorSecret: secret });
    const cursor = (await page(5, null, FINISHED)).pageInfo.endCursor;
    const replica = startHarness({ apiVersion: version, cursorSecret: secret });
    const stranger = startHarness({ apiVersion: version });
    try {
      const onReplica = await replica.query(PAGE, { first: 5, after: cursor, filter: FINISHED });
      expect(onReplica.errors).toBeUndefined();
      expect(onReplica.data.jobs.edges).toHaveLength(5);
      const elsewhere = await stranger.query(PAGE, { first: 5, after: cursor, filter: FINISHED });
      expect(elsewhere.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(stranger.sim.calls).toBe(0);
    } finally {
      await replica.close();
      await stranger.close();
    }
  });

  it('6. cursors are opaque, URL-safe and bounded', async () => {
    harness = startHarness({ apiVersion: version });
    const { edges } = await page(100, null, FINISHED);
    for (const edge of edges) {
      expect(edge.cursor).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(edge.cursor.length).toBeLessThan(512);
      expect(edge.cursor).not.toContain(edge.node.jobId);
    }
    expect(new Set(edges.map((edge) => edge.cursor)).size).toBe(edges.length);
  });

  it('is forward only: hasPreviousPage is false and last/before do not exist', async () => {
    harness = startHarness({ apiVersion: version });
    const result = await harness.query('{ jobs(last: 5) { edges { cursor } } }');
    expect(result.errors?.[0]?.message).toContain('Unknown argument "last"');
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(harness.sim.calls).toBe(0);
  });

  it('walks Corpus.jobs the same way through _entities', async () => {
    harness = startHarness({ apiVersion: version });
    const expected = expectedJobs(harness, CUSTOMER_A, { ...FINISHED, corpusIds: [3] }).map(harness.jobId);
    // Corpus 3 of the demo account: its v1 id, or its v2 key.
    const reference = version === 'v1' ? 'id: 3' : 'key: "product_docs_3"';
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result: any = await harness.query(
        `query($after: String) { _entities(representations: [{ __typename: "Corpus", ${reference} }]) {
          ... on Corpus { key id jobs(first: 25, after: $after, states: [COMPLETED, FAILED, ABORTED]) {
            edges { node { jobId corpusIds } } pageInfo { hasNextPage endCursor } } } } }`,
        { after },
      );
      expect(result.errors).toBeUndefined();
      const jobs: any = result.data._entities[0].jobs;
      ids.push(...jobs.edges.map((edge: any) => edge.node.jobId));
      if (!jobs.pageInfo.hasNextPage) break;
      after = jobs.pageInfo.endCursor;
    }
    expect(ids).toEqual(expected);
  });
});
