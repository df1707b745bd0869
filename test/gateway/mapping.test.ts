// SPEC §3 mapping rules and input validation through the real server (validation makes no upstream call).
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { createSimulator } from '../../src/simulator/handler';
import type { FetchLike } from '../../src/upstream/client';
import { CUSTOMER_A } from '../support/accounts';
import { FIXED_START } from '../support/clock';
import {
  ALL_STATE_NAMES,
  expectedJobs,
  type Harness,
  JOB_FIELDS,
  startHarness,
  VERSIONS,
} from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const DAY = 86_400;
const iso = (secs: number) => new Date(secs * 1000).toISOString().replace('.000Z', 'Z');

/** The demo account's corpus 1 as each version shows it. */
const CORPUS_1 = {
  v1: { corpusKeys: ['1'], corpusIds: [1], corpora: [{ key: '1', id: 1 }] },
  v2: { corpusKeys: ['product_docs'], corpusIds: [], corpora: [{ key: 'product_docs', id: null }] },
} as const;

describe.each(VERSIONS)('mapping (SPEC §3) on %s', (version) => {
  it('maps enums, timestamps to DateTime and unset values to null', async () => {
    harness = startHarness({ apiVersion: version });
    const job = harness.sim.addJob({ queuedForSecs: 30, runForSecs: 60, userHandle: '' });
    const result = await harness.query(
      `query($id: String!) { job(jobId: $id) { ${JOB_FIELDS} corpora { key id } } }`,
      {
        id: harness.jobId(job),
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.job).toEqual({
      id: Buffer.from(`Job:${harness.jobId(job)}`).toString('base64url'),
      jobId: harness.jobId(job),
      type: 'CORPUS_REBUILD_VECTOR_INDEX',
      state: 'QUEUED',
      isTerminal: false,
      ...CORPUS_1[version],
      createdAt: iso(job.createdAt),
      startedAt: null,
      completedAt: null,
      userHandle: null,
      comment: null,
    });
    expect(result.data.job.createdAt).toBe(new Date(FIXED_START).toISOString().replace('.000Z', 'Z'));
  });

  it('maps unknown upstream enum values to UNKNOWN, never an error', async () => {
    harness = startHarness({ apiVersion: version });
    harness.sim.configure({ quirks: ['unknown-enums', 'int64-numbers', 'omit-empty'] });
    const result = await harness.query(
      '{ jobs(first: 6) { edges { node { type state isTerminal createdAt } } } }',
    );
    expect(result.errors).toBeUndefined();
    const nodes = result.data.jobs.edges.map((edge: any) => edge.node);
    expect(nodes[0]).toMatchObject({ type: 'UNKNOWN', state: 'UNKNOWN', isTerminal: false });
    expect(nodes[1].state).not.toBe('UNKNOWN');
    expect(nodes.every((node: any) => typeof node.createdAt === 'string')).toBe(true);
  });

  it('finds a finished job by jobId (whatever its state) and returns null for an unknown one', async () => {
    harness = startHarness({ apiVersion: version });
    const done = expectedJobs(harness, CUSTOMER_A, { states: ['COMPLETED'] })[0]!;
    const found = await harness.query('query($id: String!) { job(jobId: $id) { jobId state isTerminal } }', {
      id: harness.jobId(done),
    });
    expect(found.data.job).toEqual({ jobId: harness.jobId(done), state: 'COMPLETED', isTerminal: true });
    const missing = await harness.query('{ job(jobId: "no-such-job") { jobId } }');
    expect(missing.errors).toBeUndefined();
    expect(missing.data.job).toBeNull();
    expect(harness.sim.calls).toBe(2);
  });

  it('logs unknown upstream enum values once per page', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    harness = startHarness({ apiVersion: version, logger: createLogger('warn', sink) });
    harness.sim.configure({ quirks: ['unknown-enums'] });
    await harness.query('{ jobs(first: 6) { edges { node { state } } } }');
    const logged = lines
      .map((line) => JSON.parse(line))
      .filter((entry) => /unknown upstream enum/.test(entry.msg));
    expect(logged).toHaveLength(1);
    expect(logged[0].values.sort()).toEqual(
      version === 'v1' ? ['JOB_STATE__PAUSED', 'JOB__CORPUS_COMPACT'] : ['compact_corpus', 'paused'],
    );
    expect(logged[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('resolves node and nodes by global id, null for unknown jobs', async () => {
    harness = startHarness({ apiVersion: version });
    const jobs = expectedJobs(harness, CUSTOMER_A, { states: ['FAILED'] }).slice(0, 2);
    const ids = jobs.map((job) => Buffer.from(`Job:${harness.jobId(job)}`).toString('base64url'));
    const ghost = Buffer.from('Job:ghost').toString('base64url');
    const result = await harness.query(
      'query($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on Job { jobId } } nodes(ids: $ids) { ... on Job { jobId state } } }',
      { id: ids[0], ids: [...ids, ghost] },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.node).toEqual({ id: ids[0], jobId: harness.jobId(jobs[0]!) });
    expect(result.data.nodes).toEqual([
      { jobId: harness.jobId(jobs[0]!), state: 'FAILED' },
      { jobId: harness.jobId(jobs[1]!), state: 'FAILED' },
      null,
    ]);
    expect(harness.sim.calls).toBe(3);
  });

  it('filters by corpusKeys and by the deprecated corpusIds', async () => {
    harness = startHarness({ apiVersion: version });
    // Corpus 5's v2 key is "5" (a migrated corpus): corpusIds [5] means the same corpus on both versions.
    const byId = await harness.query(
      '{ jobs(first: 100, filter: { corpusIds: [5], states: [COMPLETED] }) { edges { node { jobId corpusIds } } } }',
    );
    const expected = expectedJobs(harness, CUSTOMER_A, { corpusIds: [5], states: ['COMPLETED'] }).map(
      harness.jobId,
    );
    expect(byId.errors).toBeUndefined();
    expect(byId.data.jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(expected.slice(0, 100));
    expect(byId.data.jobs.edges.every((edge: any) => edge.node.corpusIds.includes(5))).toBe(true);
    const key = version === 'v1' ? '3' : 'product_docs_3';
    const byKey = await harness.query(
      `{ jobs(first: 100, filter: { corpusKeys: ["${key}"], states: [COMPLETED] }) { edges { node { jobId corpusKeys } } } }`,
    );
    const expectedByKey = expectedJobs(harness, CUSTOMER_A, { corpusIds: [3], states: ['COMPLETED'] }).map(
      harness.jobId,
    );
    expect(byKey.data.jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(expectedByKey.slice(0, 100));
    expect(byKey.data.jobs.edges.every((edge: any) => edge.node.corpusKeys.includes(key))).toBe(true);
  });
});

describe('mapping on v1 (wire details)', () => {
  it('always sends states explicitly, and createdAfter as epochSecs', async () => {
    harness = startHarness({ apiVersion: 'v1' });
    const since = Math.floor(FIXED_START / 1000) - 10 * DAY;
    await harness.query('{ jobs { edges { cursor } } }');
    await harness.query(
      'query($after: DateTime) { jobs(first: 5, filter: { states: [FAILED], corpusIds: [2, 1, 2], createdAfter: $after }) { edges { cursor } } }',
      { after: iso(since) },
    );
    expect(harness.sim.recorded.map((call) => call.body)).toEqual([
      { state: ['JOB_STATE__QUEUED', 'JOB_STATE__STARTED'], numResults: 20 },
      { state: ['JOB_STATE__FAILED'], numResults: 5, corpusId: [1, 2], epochSecs: String(since) },
    ]);
  });

  it('asks for one job with all seven states', async () => {
    harness = startHarness({ apiVersion: 'v1' });
    await harness.query('{ job(jobId: "abc") { jobId } }');
    expect(harness.sim.recorded[0]!.body).toEqual({
      state: ALL_STATE_NAMES.map((state) => `JOB_STATE__${state}`),
      numResults: 1,
      jobId: 'abc',
    });
  });

  it('returns null, not an error, when the upstream answers 404 NOT_FOUND for an unknown job id', async () => {
    const sim = createSimulator();
    const notFound: FetchLike = async (input, init) => {
      const body = JSON.parse(String(init?.body ?? '{}')) as { jobId?: string };
      if (body.jobId === 'gone') {
        return new Response(JSON.stringify({ code: 5, message: 'job gone not found', details: [] }), {
          status: 404,
        });
      }
      return sim.fetch(input, init);
    };
    harness = startHarness({ apiVersion: 'v1', fetch: notFound });
    const result = await harness.query('{ job(jobId: "gone") { jobId } }');
    expect(result.errors).toBeUndefined();
    expect(result.data.job).toBeNull();
  });

  it('accepts the 180-day boundary and offsets in DateTime', async () => {
    harness = startHarness({ apiVersion: 'v1' });
    const edge = Math.floor(FIXED_START / 1000) - 180 * DAY + 60;
    const result = await harness.query(
      'query($v: DateTime) { jobs(filter: { createdAfter: $v }) { edges { cursor } } }',
      {
        v: new Date(edge * 1000).toISOString().replace('Z', '+00:00'),
      },
    );
    expect(result.errors).toBeUndefined();
    expect((harness.sim.recorded[0]!.body as any).epochSecs).toBe(String(edge));
  });
});

describe.each(VERSIONS)('input validation on %s (no upstream call)', (version) => {
  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    [
      'first 0',
      'query($v: Int) { jobs(first: $v) { edges { cursor } } }',
      { v: 0 },
      /`first` must be between 1 and 100/,
    ],
    [
      'first 101',
      'query($v: Int) { jobs(first: $v) { edges { cursor } } }',
      { v: 101 },
      /`first` must be between 1 and 100/,
    ],
    ['first -5', 'query($v: Int) { jobs(first: $v) { edges { cursor } } }', { v: -5 }, /`first`/],
    [
      'first not a number',
      'query($v: Int) { jobs(first: $v) { edges { cursor } } }',
      { v: 'ten' },
      /Int cannot represent/,
    ],
    [
      'empty states',
      '{ jobs(filter: { states: [] }) { edges { cursor } } }',
      {},
      /`states` must not be empty/,
    ],
    [
      'unknown state',
      'query($v: [JobState!]) { jobs(filter: { states: $v }) { edges { cursor } } }',
      { v: ['DONE'] },
      /JobState/,
    ],
    ['corpus id 0', '{ jobs(filter: { corpusIds: [0] }) { edges { cursor } } }', {}, /positive corpus ids/],
    [
      'corpus id negative',
      '{ jobs(filter: { corpusIds: [3, -1] }) { edges { cursor } } }',
      {},
      /positive corpus ids/,
    ],
    [
      'corpusKeys and corpusIds together',
      '{ jobs(filter: { corpusKeys: ["a"], corpusIds: [1] }) { edges { cursor } } }',
      {},
      /either `corpusKeys` or `corpusIds`/,
    ],
    [
      'corpus key too long',
      `{ jobs(filter: { corpusKeys: ["${'k'.repeat(51)}"] }) { edges { cursor } } }`,
      {},
      /Invalid corpus key/,
    ],
    [
      'corpus key with a space',
      '{ jobs(filter: { corpusKeys: ["a b"] }) { edges { cursor } } }',
      {},
      /Invalid corpus key/,
    ],
    [
      '101 corpus keys',
      `{ jobs(filter: { corpusKeys: [${Array.from({ length: 101 }, (_, i) => `"k${i}"`).join(',')}] }) { edges { cursor } } }`,
      {},
      /at most 100 keys/,
    ],
    [
      'createdAfter in the future',
      'query($v: DateTime) { jobs(filter: { createdAfter: $v }) { edges { cursor } } }',
      { v: iso(Math.floor(FIXED_START / 1000) + 3600) },
      /in the future/,
    ],
    [
      'createdAfter not a date',
      'query($v: DateTime) { jobs(filter: { createdAfter: $v }) { edges { cursor } } }',
      { v: '2026-02-30T00:00:00Z' },
      /Invalid DateTime/,
    ],
    [
      'createdAfter without zone',
      'query($v: DateTime) { jobs(filter: { createdAfter: $v }) { edges { cursor } } }',
      { v: '2026-11-01T00:00:00' },
      /Invalid DateTime/,
    ],
    [
      'Corpus.jobs empty states',
      '{ _entities(representations: [{ __typename: "Corpus", id: 1 }]) { ... on Corpus { jobs(states: []) { edges { cursor } } } } }',
      {},
      /`states` must not be empty/,
    ],
    ['empty jobId', '{ job(jobId: "") { jobId } }', {}, /non-empty job id/],
    ['bad global id', '{ node(id: "!!") { id } }', {}, /Invalid global ID/],
    [
      'global id of another type',
      `{ node(id: "${Buffer.from('User:1').toString('base64url')}") { id } }`,
      {},
      /Invalid global ID/,
    ],
  ];

  it.each(cases)('%s → BAD_USER_INPUT', async (_name, query, variables, message) => {
    harness = startHarness({ apiVersion: version });
    const result = await harness.query(query, variables);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(result.status).toBeLessThan(500);
    expect(harness.sim.calls).toBe(0);
  });
});

describe('inputs only one version can honour', () => {
  const old = iso(Math.floor(FIXED_START / 1000) - 181 * DAY);
  const since = 'query($v: DateTime) { jobs(filter: { createdAfter: $v }) { edges { cursor } } }';

  it('v1: createdAfter more than 180 days ago → BAD_USER_INPUT; v2 has no such bound', async () => {
    harness = startHarness({ apiVersion: 'v1' });
    const refused = await harness.query(since, { v: old });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/more than 180 days ago, beyond what Vectara API v1 keeps/);
    expect(harness.sim.calls).toBe(0);
    await harness.close();
    harness = startHarness({ apiVersion: 'v2' });
    const served = await harness.query(since, { v: old });
    expect(served.errors).toBeUndefined();
    expect(harness.sim.recorded[0]!.url).toContain(
      `after=${encodeURIComponent(new Date(old).toISOString())}`,
    );
  });

  it('v1: a non-numeric corpus key → BAD_USER_INPUT naming corpusIds; a decimal key is an id', async () => {
    harness = startHarness({ apiVersion: 'v1' });
    const refused = await harness.query(
      '{ jobs(filter: { corpusKeys: ["product_docs"] }) { edges { cursor } } }',
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/numeric id only: use `corpusIds`/);
    expect(harness.sim.calls).toBe(0);
    const numeric = await harness.query('{ jobs(filter: { corpusKeys: ["2"] }) { edges { cursor } } }');
    expect(numeric.errors).toBeUndefined();
    expect((harness.sim.recorded[0]!.body as any).corpusId).toEqual([2]);
  });
});
