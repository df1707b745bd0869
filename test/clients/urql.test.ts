// urql (the real library) with graphcache's relayPagination(): a full walk of ≥ 250 jobs merges into one
// list in upstream order, and a subscription through subscriptionExchange + graphql-sse gets the updates.
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { afterEach, describe, expect, it } from 'vitest';
import { JobsPageDocument, WatchJobDocument } from '../gql/graphql';
import { CUSTOMER_A } from '../support/accounts';
import { expectedJobs, type Harness, HEADERS_A, startHarness } from '../support/gateway';
import { manualScheduler } from '../support/scheduler';
import { advanceAndPoll, inProcessSSEClient } from '../support/sse';

let harness: Harness;
afterEach(() => harness?.close());

/** The graphcache configuration a frontend needs (also in the README). */
const graphcacheConfig = {
  keys: { JobConnection: () => null, JobEdge: () => null, PageInfo: () => null },
  resolvers: { Query: { jobs: relayPagination() }, Corpus: { jobs: relayPagination() } },
};

const fetchViaYoga = (input: RequestInfo | URL, init?: RequestInit) =>
  harness.gateway.yoga.fetch(new Request(input as string, init));

describe('urql', () => {
  it('walks every job and graphcache relayPagination merges them, each once, in order', async () => {
    harness = startHarness();
    const client = new Client({
      url: 'http://gateway.test/graphql',
      fetch: fetchViaYoga as typeof fetch,
      fetchOptions: { headers: HEADERS_A },
      exchanges: [cacheExchange(graphcacheConfig), fetchExchange],
    });
    const filter = {
      states: ['QUEUED', 'STARTED', 'COMPLETED', 'FAILED', 'ABORTED'] as (
        | 'QUEUED'
        | 'STARTED'
        | 'COMPLETED'
        | 'FAILED'
        | 'ABORTED'
      )[],
    };
    let after: string | null | undefined = null;
    let merged: string[] = [];
    let pages = 0;
    do {
      const result = await client.query(JobsPageDocument, { first: 50, after, filter }).toPromise();
      expect(result.error).toBeUndefined();
      pages++;
      // relayPagination returns the merged list of every page fetched so far.
      merged = result.data!.jobs.edges.map((edge) => edge.node.jobId);
      after = result.data!.jobs.pageInfo.hasNextPage ? result.data!.jobs.pageInfo.endCursor : undefined;
    } while (after);
    const expected = expectedJobs(harness, CUSTOMER_A, filter).map(harness.jobId);
    expect(expected.length).toBeGreaterThanOrEqual(250);
    expect(merged).toEqual(expected);
    expect(harness.sim.calls).toBe(pages);
  });

  it('receives jobUpdated through subscriptionExchange + graphql-sse', async () => {
    const scheduler = manualScheduler();
    harness = startHarness({ scheduler: scheduler.schedule });
    const job = harness.sim.addJob({ queuedForSecs: 5, runForSecs: 5 });
    const sse = inProcessSSEClient(harness);
    const client = new Client({
      url: 'http://gateway.test/graphql',
      fetch: fetchViaYoga as typeof fetch,
      fetchOptions: { headers: HEADERS_A },
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({
              unsubscribe: sse.subscribe({ ...request, query: request.query ?? '' }, sink),
            }),
          }),
        }),
      ],
    });
    const states: string[] = [];
    await new Promise<void>((resolve) => {
      client.subscription(WatchJobDocument, { jobId: harness.jobId(job) }).subscribe((result) => {
        states.push(result.data!.jobUpdated.state);
        if (result.data!.jobUpdated.isTerminal) resolve();
        void advanceAndPoll(harness, scheduler, 6000);
      });
    });
    expect(states).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
    sse.dispose();
  });
});
