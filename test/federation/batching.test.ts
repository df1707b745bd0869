// DataLoader batching and federation entities (SPEC §8), with upstream call counts.
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_DATASETS } from '../../src/simulator/dataset';
import { CUSTOMER_A } from '../support/accounts';
import { expectedJobs, type Harness, startHarness, VERSIONS } from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const FINISHED = ['COMPLETED', 'FAILED', 'ABORTED'];

describe.each(VERSIONS)('loaders on %s', (version) => {
  it('listing 20 jobs and selecting 3 of them by jobId makes exactly 1 upstream call', async () => {
    harness = startHarness({ apiVersion: version });
    const ids = expectedJobs(harness, CUSTOMER_A, { states: FINISHED }).slice(0, 20).map(harness.jobId);
    const result = await harness.query(
      `query($a: String!, $b: String!, $c: String!) {
        x: job(jobId: $a) { jobId state }
        jobs(first: 20, filter: { states: [COMPLETED, FAILED, ABORTED] }) { edges { node { jobId } } }
        y: job(jobId: $b) { jobId state }
        z: job(jobId: $c) { jobId }
      }`,
      { a: ids[2], b: ids[7], c: ids[19] },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(ids);
    expect([result.data.x.jobId, result.data.y.jobId, result.data.z.jobId]).toEqual([
      ids[2],
      ids[7],
      ids[19],
    ]);
    expect(harness.sim.calls).toBe(1);
  });

  it('shares one upstream call between identical selections and deduplicates ids', async () => {
    harness = startHarness({ apiVersion: version });
    const [one, two] = expectedJobs(harness, CUSTOMER_A, { states: ['FAILED'] });
    const result = await harness.query(
      `query($one: String!, $two: String!) {
        a: jobs(first: 5) { edges { node { jobId } } }
        b: jobs(first: 5, filter: { states: [STARTED, QUEUED] }) { edges { node { state } } }
        c: job(jobId: $one) { jobId } d: job(jobId: $one) { state } e: job(jobId: $two) { jobId }
      }`,
      { one: one!.id, two: two!.id },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.a.edges).toHaveLength(5);
    // one shared listing + one call per distinct id
    expect(harness.sim.calls).toBe(3);
  });

  it('resolves Job entities through the same loader, primed by listings', async () => {
    harness = startHarness({ apiVersion: version });
    const jobs = expectedJobs(harness, CUSTOMER_A, { states: FINISHED }).slice(0, 3);
    const result = await harness.query(
      `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Job { jobId state corpusIds } } }`,
      {
        reps: [
          ...jobs.map((job) => ({ __typename: 'Job', jobId: harness.jobId(job) })),
          { __typename: 'Job', jobId: 'ghost' },
        ],
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data._entities.slice(0, 3).map((job: any) => job.jobId)).toEqual(jobs.map(harness.jobId));
    expect(result.data._entities[3]).toBeNull();
    expect(harness.sim.calls).toBe(4);
  });

  it('keeps loaders per request and per credentials', async () => {
    harness = startHarness({ apiVersion: version });
    const query = '{ jobs(first: 3) { edges { node { jobId } } } }';
    await harness.query(query);
    await harness.query(query);
    expect(harness.sim.calls).toBe(2);
    const other = await harness.query(
      query,
      {},
      { 'x-api-key': 'demo-api-key-2', 'customer-id': '2222222222' },
    );
    const mine = await harness.query(query);
    expect(other.data.jobs.edges[0].node.jobId).not.toBe(mine.data.jobs.edges[0].node.jobId);
  });
});

describe.each(VERSIONS)('Corpus.jobs batching across corpora on %s', (version) => {
  const ENTITIES = `query($reps: [_Any!]!, $states: [JobState!]) {
    _entities(representations: $reps) { ... on Corpus { key id jobs(first: 3, states: $states) {
      edges { cursor node { jobId corpusKeys state } } pageInfo { hasNextPage endCursor } } } } }`;
  const ids = [1, 2, 3, 4, 5];
  // The demo account's corpora as a router refers to them: by v1 id, or by v2 key.
  const keys = DEMO_DATASETS[0]!.corpusKeys!;
  const reference = (id: number) =>
    version === 'v1' ? { __typename: 'Corpus', id } : { __typename: 'Corpus', key: keys[id] };
  const reps = ids.map(reference);

  async function perCorpus(states: string[]) {
    const results = [];
    for (const rep of reps) {
      const single = await harness.query(ENTITIES, { reps: [rep], states });
      results.push(single.data._entities[0]);
    }
    return results;
  }

  it('makes exactly 1 upstream call for 5 corpora when the combined page is complete', async () => {
    harness = startHarness({ apiVersion: version });
    const states = ['QUEUED', 'STARTED'];
    const batched = await harness.query(ENTITIES, { reps, states });
    expect(batched.errors).toBeUndefined();
    expect(harness.sim.calls).toBe(1);
    if (version === 'v1') {
      expect(harness.sim.recorded[0]!.body).toMatchObject({ corpusId: [1, 2, 3, 4, 5], numResults: 100 });
    } else {
      const params = new URL(harness.sim.recorded[0]!.url, 'http://x').searchParams;
      expect(params.getAll('corpus_key').sort()).toEqual(ids.map((id) => keys[id]).sort());
      expect(params.get('limit')).toBe('100');
    }
    const single = await perCorpus(states);
    expect(harness.sim.calls).toBe(6);
    // Same jobs, pageInfo and cursors; only a last edge with more jobs after it carries a cursor of another
    // (equivalent) form, since the batched call has no per-corpus page key to put in it.
    const comparable = (corpora: any[]) =>
      corpora.map((corpus) => {
        const { edges, pageInfo } = corpus.jobs;
        const open = pageInfo.hasNextPage;
        return {
          key: corpus.key,
          edges: edges.map((edge: any, index: number) =>
            open && index === edges.length - 1 ? edge.node : edge,
          ),
          hasNextPage: open,
          endCursor: open ? 'more' : pageInfo.endCursor,
        };
      });
    expect(comparable(batched.data._entities)).toEqual(comparable(single));
    const total = batched.data._entities.reduce(
      (sum: number, corpus: any) => sum + corpus.jobs.edges.length,
      0,
    );
    expect(total).toBeGreaterThan(3);
  });

  it('serves every corpus from an incomplete combined page that holds more than `first` of its jobs: 1 call, the same jobs', async () => {
    harness = startHarness({ apiVersion: version });
    const batched = await harness.query(ENTITIES, { reps, states: FINISHED });
    expect(batched.errors).toBeUndefined();
    expect(harness.sim.calls).toBe(1);
    const single = await perCorpus(FINISHED);
    const strip = (corpora: any[]) =>
      corpora.map((corpus) => ({
        key: corpus.key,
        nodes: corpus.jobs.edges.map((edge: any) => edge.node),
        hasNextPage: corpus.jobs.pageInfo.hasNextPage,
      }));
    expect(strip(batched.data._entities)).toEqual(strip(single));
    for (const [index, corpus] of batched.data._entities.entries()) {
      const expected = expectedJobs(harness, CUSTOMER_A, {
        states: FINISHED,
        corpusIds: [ids[index]!],
      }).slice(0, 3);
      expect(corpus.jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(expected.map(harness.jobId));
    }
  });

  it('falls back to its own call only for a corpus the combined page does not settle', async () => {
    harness = startHarness({ apiVersion: version });
    const first = 18;
    const query = ENTITIES.replace('first: 3', `first: ${first}`);
    const batched = await harness.query(query, { reps, states: FINISHED });
    expect(batched.errors).toBeUndefined();
    // The combined page: the first 100 jobs of the 5 corpora. A corpus with more than `first` of them is
    // settled by it; each other one costs one call of its own.
    const combined = expectedJobs(harness, CUSTOMER_A, { states: FINISHED, corpusIds: ids }).slice(0, 100);
    const unsettled = ids.filter(
      (id) => combined.filter((job) => job.corpusIds.includes(id)).length <= first,
    );
    expect(unsettled.length).toBeGreaterThan(0);
    expect(unsettled.length).toBeLessThan(ids.length);
    expect(harness.sim.calls).toBe(1 + unsettled.length);
    for (const [index, corpus] of batched.data._entities.entries()) {
      const expected = expectedJobs(harness, CUSTOMER_A, { states: FINISHED, corpusIds: [ids[index]!] });
      expect(corpus.jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(
        expected.slice(0, first).map(harness.jobId),
      );
      expect(corpus.jobs.pageInfo.hasNextPage).toBe(expected.length > first);
    }
  });

  it('continues from a batched page cursor to the right jobs', async () => {
    harness = startHarness({ apiVersion: version });
    for (let i = 0; i < 5; i++) harness.sim.addJob({ corpusIds: [4], queuedForSecs: 100 });
    const states = ['QUEUED', 'STARTED'];
    const batched = await harness.query(ENTITIES, { reps, states });
    const corpus4 = batched.data._entities[3];
    const expected = expectedJobs(harness, CUSTOMER_A, { states, corpusIds: [4] }).map(harness.jobId);
    expect(expected.length).toBeGreaterThan(3);
    expect(corpus4.jobs.pageInfo.hasNextPage).toBe(true);
    const next = await harness.query(
      `query($reps: [_Any!]!, $after: String) { _entities(representations: $reps) { ... on Corpus {
        jobs(first: 10, after: $after) { edges { node { jobId } } pageInfo { hasNextPage } } } } }`,
      { reps: [reference(4)], after: corpus4.jobs.pageInfo.endCursor },
    );
    expect(next.errors).toBeUndefined();
    expect(next.data._entities[0].jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(
      expected.slice(3, 13),
    );
  });
});
