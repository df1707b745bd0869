// Apollo Client (the real library) against the real server: relayStylePagination merges a full fetchMore
// walk into the cache exactly as the simulator lists the jobs, Job normalises by id, and a subscription
// through an SSE link (graphql-sse) receives a job's updates until it completes.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { print } from 'graphql';
import { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { JobsPageDocument } from '../gql/graphql';
import { CUSTOMER_A } from '../support/accounts';
import { expectedJobs, type Harness, HEADERS_A, startHarness } from '../support/gateway';
import { manualScheduler } from '../support/scheduler';
import { inProcessSSEClient, watchWithApollo } from '../support/sse';

let harness: Harness;
afterEach(() => harness?.close());

const FILTER = { states: ['QUEUED', 'STARTED', 'COMPLETED', 'FAILED', 'ABORTED'] as const };

/** The cache configuration a frontend needs (also in the README). */
const apolloTypePolicies = {
  Query: { fields: { jobs: relayStylePagination(['filter']) } },
  Corpus: { fields: { jobs: relayStylePagination(['states', 'createdAfter']) } },
};

function apolloClient(link: ApolloLink) {
  return new ApolloClient({ link, cache: new InMemoryCache({ typePolicies: apolloTypePolicies }) });
}

const httpLink = () =>
  new HttpLink({
    uri: 'http://gateway.test/graphql',
    headers: HEADERS_A,
    fetch: async (input, init) => harness.gateway.yoga.fetch(new Request(input as string, init)),
  });

describe('Apollo Client', () => {
  it('walks every job with fetchMore and merges them into the cache, each once, in order', async () => {
    harness = startHarness();
    const client = apolloClient(httpLink());
    const variables = { first: 37, filter: { states: [...FILTER.states] } };
    const watched = client.watchQuery({ query: JobsPageDocument, variables });
    const subscription = watched.subscribe(() => {});
    let result = await client.query({ query: JobsPageDocument, variables });
    let pageInfo = result.data!.jobs.pageInfo;
    let pages = 1;
    while (pageInfo.hasNextPage) {
      const more = await watched.fetchMore({ variables: { after: pageInfo.endCursor } });
      pageInfo = more.data!.jobs.pageInfo;
      pages++;
    }
    subscription.unsubscribe();
    const merged = client.readQuery({ query: JobsPageDocument, variables })!;
    const expected = expectedJobs(harness, CUSTOMER_A, FILTER).map(harness.jobId);
    expect(expected.length).toBeGreaterThanOrEqual(250);
    expect(merged.jobs.edges.map((edge) => edge.node.jobId)).toEqual(expected);
    expect(merged.jobs.pageInfo.hasNextPage).toBe(false);
    // One upstream call per page (the first page was served from the same query, then fetchMore).
    expect(harness.sim.calls).toBe(pages);
    // Job is normalised by its global id.
    const first = merged.jobs.edges[0]!.node;
    const cache = client.cache.extract() as Record<string, unknown>;
    expect(cache[`Job:${first.id}`]).toMatchObject({ jobId: first.jobId, state: first.state });
    expect(Object.keys(cache).filter((key) => key.startsWith('Job:'))).toHaveLength(expected.length);
    result = await client.query({ query: JobsPageDocument, variables, fetchPolicy: 'cache-only' });
    expect(result.data!.jobs.edges).toHaveLength(expected.length);
  });

  it('receives jobUpdated events through an SSE link', async () => {
    const scheduler = manualScheduler();
    harness = startHarness({ scheduler: scheduler.schedule });
    const job = harness.sim.addJob({ queuedForSecs: 5, runForSecs: 5 });
    const sse = inProcessSSEClient(harness);
    const sseLink = new ApolloLink(
      (operation) =>
        new Observable((observer) =>
          sse.subscribe(
            {
              query: print(operation.query),
              variables: operation.variables,
              operationName: operation.operationName,
            },
            {
              next: (value) => observer.next(value as never),
              error: (error) => observer.error(error),
              complete: () => observer.complete(),
            },
          ),
        ),
    );
    const client = apolloClient(sseLink);
    const states = await watchWithApollo(client, harness.jobId(job), harness, scheduler);
    expect(states).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
    sse.dispose();
  });
});
