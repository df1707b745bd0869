// What only v2 has, through the real server in front of the simulator's v2 routes: percent-encoded ids,
// filters re-sent with every page key, the new job types, `comment`, corpus keys that are and are not
// numbers, null or omitted fields, and the `jobUpdated` poll on GET /v2/jobs/{id}.
import { afterEach, describe, expect, it } from 'vitest';
import { CUSTOMER_A } from '../support/accounts';
import { expectedJobs, type Harness, startHarness } from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const ALL = ['QUEUED', 'STARTED', 'COMPLETED', 'FAILED', 'TRANSIENT_FAILURE_RETRY_IMMINENT', 'ABORTED'];

describe('v2 only', () => {
  it('fetches a job whose id holds / + = by its percent-encoded path, and finds it again by global id', async () => {
    harness = startHarness({ apiVersion: 'v2' });
    const job = expectedJobs(harness, CUSTOMER_A, { states: ['COMPLETED'] }).find((candidate) =>
      /[/+]/.test(candidate.id),
    )!;
    const id = harness.jobId(job);
    const result = await harness.query('query($id: String!) { job(jobId: $id) { id jobId state } }', { id });
    expect(result.data.job).toMatchObject({ jobId: id, state: 'COMPLETED' });
    expect(harness.sim.recorded[0]!.url).toBe(`/v2/jobs/${encodeURIComponent(id)}`);
    expect(harness.sim.recorded[0]!.url).toMatch(/%2F|%2B/);
    const node = await harness.query('query($id: ID!) { node(id: $id) { ... on Job { jobId } } }', {
      id: result.data.job.id,
    });
    expect(node.data.node).toEqual({ jobId: id });
  });

  it('sends every filter again beside the page key (the upstream refuses a key with other filters)', async () => {
    harness = startHarness({ apiVersion: 'v2' });
    const filter = {
      corpusKeys: ['product_docs_3', 'employee_handbook_10'],
      states: ['COMPLETED', 'FAILED'],
    };
    const query =
      'query($after: String, $filter: JobFilter) { jobs(first: 5, after: $after, filter: $filter) { edges { node { jobId } } pageInfo { endCursor } } }';
    const first = await harness.query(query, { filter });
    const second = await harness.query(query, { filter, after: first.data.jobs.pageInfo.endCursor });
    expect(second.errors).toBeUndefined();
    const expected = expectedJobs(harness, CUSTOMER_A, { corpusIds: [3, 4], states: filter.states }).map(
      harness.jobId,
    );
    expect([...first.data.jobs.edges, ...second.data.jobs.edges].map((edge: any) => edge.node.jobId)).toEqual(
      expected.slice(0, 10),
    );
    const params = new URL(harness.sim.recorded[1]!.url, 'http://x').searchParams;
    expect(params.get('page_key')).toBeTruthy();
    expect(params.getAll('state').sort()).toEqual(['completed', 'failed']);
    expect(params.getAll('corpus_key').sort()).toEqual(['employee_handbook_10', 'product_docs_3']);
    expect(params.get('limit')).toBe('5');
    expect(harness.sim.calls).toBe(2);
  });

  it('shows the job types only v2 has, and explains failed jobs in `comment` (null on v1)', async () => {
    const query = `{ jobs(first: 100, filter: { states: [${ALL.join(', ')}] }) { edges { node { type state comment } } pageInfo { hasNextPage endCursor } } }`;
    const seen = async (version: 'v1' | 'v2') => {
      harness = startHarness({ apiVersion: version });
      const nodes: { type: string; state: string; comment: string | null }[] = [];
      let after: string | null = null;
      for (;;) {
        const result: any = await harness.query(
          query.replace('first: 100', `first: 100${after ? `, after: "${after}"` : ''}`),
        );
        expect(result.errors).toBeUndefined();
        nodes.push(...result.data.jobs.edges.map((edge: any) => edge.node));
        if (!result.data.jobs.pageInfo.hasNextPage) break;
        after = result.data.jobs.pageInfo.endCursor;
      }
      await harness.close();
      return nodes;
    };
    const v2 = await seen('v2');
    expect(new Set(v2.map((node) => node.type))).toEqual(
      new Set([
        'CORPUS_REBUILD_VECTOR_INDEX',
        'CORPUS_REPLACE_FILTER_ATTRS',
        'BULK_DELETE_DOCUMENTS',
        'BULK_UPDATE_DOCUMENT_METADATA',
      ]),
    );
    const failed = v2.filter((node) => node.state === 'FAILED');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((node) => typeof node.comment === 'string' && node.comment.length > 0)).toBe(true);
    expect(v2.filter((node) => node.state === 'COMPLETED').every((node) => node.comment === null)).toBe(true);
    const v1 = await seen('v1');
    expect(v1.some((node) => node.type.startsWith('BULK_'))).toBe(false);
    expect(v1.every((node) => node.comment === null)).toBe(true);
  });

  it('maps corpus keys that are numbers and keys that are not to corpusKeys, corpusIds and corpora', async () => {
    harness = startHarness({ apiVersion: 'v2' });
    const result = await harness.query(
      '{ a: jobs(first: 1, filter: { corpusKeys: ["5"], states: [COMPLETED] }) { edges { node { corpusKeys corpusIds corpora { key id } } } } b: jobs(first: 1, filter: { corpusKeys: ["employee_handbook_10"], states: [COMPLETED] }) { edges { node { corpusKeys corpusIds corpora { key id } } } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.a.edges[0].node).toMatchObject({
      corpusIds: [5],
      corpora: expect.arrayContaining([{ key: '5', id: 5 }]),
    });
    expect(result.data.a.edges[0].node.corpusKeys).toContain('5');
    expect(result.data.b.edges[0].node.corpusKeys).toContain('employee_handbook_10');
    expect(result.data.b.edges[0].node.corpora).toContainEqual({ key: 'employee_handbook_10', id: null });
    expect(result.data.b.edges[0].node.corpusIds).not.toContain(10);
  });

  it('reads null and omitted timestamps, users and page keys as unset', async () => {
    for (const quirk of ['null-fields', 'omit-empty'] as const) {
      harness = startHarness({ apiVersion: 'v2' });
      harness.sim.configure({ quirks: [quirk] });
      const job = harness.sim.addJob({ queuedForSecs: 50, userHandle: '' });
      const result = await harness.query(
        'query($id: String!) { job(jobId: $id) { state startedAt completedAt userHandle comment } jobs(first: 100) { pageInfo { hasNextPage } } }',
        { id: harness.jobId(job) },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data.job).toEqual({
        state: 'QUEUED',
        startedAt: null,
        completedAt: null,
        userHandle: null,
        comment: null,
      });
      expect(result.data.jobs.pageInfo.hasNextPage).toBe(false);
      await harness.close();
    }
  });
});
