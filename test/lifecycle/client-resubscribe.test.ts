// Apollo Client and urql, each with a graphql-sse link configured as docs/subscriptions.md shows, ride through
// a replica's shutdown (SPEC §5): the replica serving them drains, their stream ends without `complete`,
// graphql-sse subscribes again (here: on the other replica, as a load balancer would send it), and the
// subscription goes on to the job's terminal state with no error reaching the application. In-process: two
// real gateways over one simulator, the "load balancer" is the fetch function choosing the ready one.
import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { Client, subscriptionExchange } from '@urql/core';
import { print } from 'graphql';
import { createClient } from 'graphql-sse';
import { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/server';
import { createSimulator } from '../../src/simulator/handler';
import { WatchJobDocument } from '../gql/graphql';
import { manualClock } from '../support/clock';
import { HEADERS_A } from '../support/gateway';

const gateways: Gateway[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
});

/** Two replicas sharing a cursor secret and an upstream; `fetch` goes to the first one that is not draining. */
function twoReplicas() {
  const clock = manualClock();
  const sim = createSimulator({ now: clock.now });
  const replica = () =>
    createGateway({
      upstreamUrl: 'http://upstream.test',
      fetch: sim.fetch,
      now: clock.now,
      retries: 0,
      pollIntervalMs: 20,
      cursorSecret: Buffer.from('client-resubscribe-test-shared-secret'),
    });
  const [first, second] = [replica(), replica()];
  gateways.push(first, second);
  let firstDrained = false;
  const fetchFn = async (input: string, init?: RequestInit): Promise<Response> =>
    (firstDrained ? second : first).yoga.fetch(new Request(input, init));
  return {
    sim,
    clock,
    fetchFn,
    drainFirst() {
      firstDrained = true;
      first.drain();
    },
  };
}

/** graphql-sse as docs/subscriptions.md configures it: an early end is retried (distinct connections mode). */
function sseClient(fetchFn: (input: string, init?: RequestInit) => Promise<Response>) {
  return createClient({ url: 'http://gateway.test/graphql', headers: HEADERS_A, retryAttempts: 30, fetchFn });
}

describe('a frontend subscription through a replica restart', () => {
  it('Apollo Client (SSE link) and urql (subscriptionExchange) see the terminal state, no error', async () => {
    const replicas = twoReplicas();
    const job = replicas.sim.addJob({ queuedForSecs: 0, runForSecs: 100 });
    const jobId = `job_${job.id}`;

    const apolloSse = sseClient(replicas.fetchFn);
    const apollo = new ApolloClient({
      link: new ApolloLink(
        (operation) =>
          new Observable((observer) =>
            apolloSse.subscribe(
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
      ),
      cache: new InMemoryCache(),
    });
    const urqlSse = sseClient(replicas.fetchFn);
    const urql = new Client({
      url: 'http://gateway.test/graphql',
      exchanges: [
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({
              unsubscribe: urqlSse.subscribe({ ...request, query: request.query ?? '' }, sink),
            }),
          }),
        }),
      ],
    });

    const seen = { apollo: [] as string[], urql: [] as string[] };
    const errors: unknown[] = [];
    const apolloDone = new Promise<void>((resolve) => {
      apollo.subscribe({ query: WatchJobDocument, variables: { jobId } }).subscribe({
        next: (result) => {
          if (result.error) errors.push(result.error);
          if (result.data) seen.apollo.push(result.data.jobUpdated.state);
        },
        error: (error) => {
          errors.push(error);
          resolve();
        },
        complete: resolve,
      });
    });
    const urqlDone = new Promise<void>((resolve) => {
      urql.subscription(WatchJobDocument, { jobId }).subscribe((result) => {
        if (result.error) errors.push(result.error);
        if (result.data) seen.urql.push(result.data.jobUpdated.state);
        if (result.data?.jobUpdated.isTerminal) resolve();
      });
    });
    const waitFor = async (condition: () => boolean) => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
    };

    await waitFor(() => seen.apollo.length === 1 && seen.urql.length === 1);
    replicas.drainFirst();
    // Each subscribed again on the other replica, which sends the job as it is now.
    await waitFor(() => seen.apollo.length === 2 && seen.urql.length === 2);
    replicas.clock.advance(200_000);
    await Promise.all([apolloDone, urqlDone]);

    expect(errors).toEqual([]);
    expect(seen.apollo).toEqual(['STARTED', 'STARTED', 'COMPLETED']);
    // (urql may hand the last result to its subscriber once more as the operation ends.)
    expect(seen.urql.slice(0, 3)).toEqual(['STARTED', 'STARTED', 'COMPLETED']);
    expect(new Set(seen.urql.slice(2))).toEqual(new Set(['COMPLETED']));
    apolloSse.dispose();
    urqlSse.dispose();
  }, 30_000);

  it('graphql-sse in single connection mode (/graphql/stream) connects again and sees the terminal state', async () => {
    const replicas = twoReplicas();
    const job = replicas.sim.addJob({ queuedForSecs: 0, runForSecs: 100 });
    const client = createClient({
      url: 'http://gateway.test/graphql/stream',
      singleConnection: true,
      headers: HEADERS_A,
      retryAttempts: 30,
      fetchFn: replicas.fetchFn,
    });
    const states: string[] = [];
    let connections = 0;
    const outcome = new Promise<string>((resolve) => {
      client.subscribe<{ jobUpdated: { state: string } }>(
        { query: print(WatchJobDocument), variables: { jobId: `job_${job.id}` } },
        {
          next: (result) => {
            if (result.data) states.push(result.data.jobUpdated.state);
            else resolve(`error event: ${JSON.stringify(result.errors)}`);
          },
          error: (error) => resolve(`error: ${String(error)}`),
          complete: () => resolve('complete'),
        },
      );
    });
    const waitFor = async (condition: () => boolean) => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await waitFor(() => states.length === 1);
    connections = states.length;
    replicas.drainFirst();
    await waitFor(() => states.length === 2);
    replicas.clock.advance(200_000);
    expect(await outcome).toBe('complete');
    expect({ connections, states }).toEqual({ connections: 1, states: ['STARTED', 'STARTED', 'COMPLETED'] });
    client.dispose();
  }, 30_000);
});
