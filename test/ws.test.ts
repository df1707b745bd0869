// GraphQL over WebSocket (graphql-ws) on the gateway's own port and path, with the real graphql-ws client
// and Apollo Client's GraphQLWsLink: credentials from connectionParams or the upgrade's headers, typed
// refusal without them, the same shared polls, budget and subscription limits as SSE, 1012 "service restart" on shutdown.
import { ApolloClient, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { type Client, createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_UNAUTHENTICATED, type WebSocketEndpoint } from '../src/ws';
import type { Harness } from './support/gateway';
import { type ManualScheduler, until } from './support/scheduler';
import { advanceAndPoll, watchWithApollo } from './support/sse';
import { startWebSocketGateway, type WebSocketGateway } from './support/websocket';

const WATCH = 'subscription($jobId: String!) { jobUpdated(jobId: $jobId) { jobId state } }';
let harness: Harness;
let scheduler: ManualScheduler;
let endpoint: WebSocketEndpoint;
let url: string;
let started: WebSocketGateway | undefined;
const clients: Client[] = [];

async function setup(options: Parameters<typeof startWebSocketGateway>[0] = {}) {
  started = await startWebSocketGateway(options);
  ({ harness, scheduler, endpoint, url } = started);
}

afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
  await started?.close();
  started = undefined;
});

function client(
  connectionParams: Record<string, string> = { 'X-Api-Key': 'demo-api-key' },
  headers?: Record<string, string>,
) {
  const created = createClient({
    url,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
      : WebSocket,
  });
  clients.push(created);
  return created;
}

describe('graphql-ws', () => {
  it('streams jobUpdated QUEUED → STARTED → COMPLETED, then completes; credentials from connectionParams in any case', async () => {
    await setup();
    const job = harness.sim.addJob({ queuedForSecs: 5, runForSecs: 5 });
    const states: string[] = [];
    const events = client().iterate({ query: WATCH, variables: { jobId: harness.jobId(job) } });
    for await (const event of events) {
      states.push((event.data as any).jobUpdated.state);
      void advanceAndPoll(harness, scheduler, 6000);
    }
    expect(states).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
    expect(harness.sim.recorded.every((call) => call.headers['x-api-key'] === 'demo-api-key')).toBe(true);
    await until(() => harness.gateway.watcher.activeLoops === 0);
  });

  it('takes credentials from the upgrade request headers when connectionParams has none', async () => {
    await setup();
    const result = await client({}, { 'x-api-key': 'demo-api-key' })
      .iterate({ query: '{ jobs(first: 2, filter: { states: [COMPLETED] }) { edges { node { jobId } } } }' })
      .next();
    expect((result.value as any).data.jobs.edges).toHaveLength(2);
  });

  it('refuses a connection without credentials at connection_init with 4401 UNAUTHENTICATED, and makes no call', async () => {
    await setup();
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      const socket = new WebSocket(url, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    expect(closed.code).toBe(CLOSE_UNAUTHENTICATED);
    expect(closed.reason).toMatch(/^UNAUTHENTICATED: /);
    expect(harness.sim.calls).toBe(0);
  });

  it('applies the request budget and typed errors to queries over the socket', async () => {
    await setup();
    const nested =
      'query($n: Int) { jobs(first: $n) { edges { node { corpora { jobs(first: $n) { edges { node { corpora { jobs(first: $n) { edges { node { jobId } } } } } } } } } } } }';
    const result = await client()
      .iterate({ query: nested, variables: { n: 100 } })
      .next();
    expect(result.value?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'cost' });
    const invalid = await client().iterate({ query: '{ jobs(first: 0) { edges { cursor } } }' }).next();
    expect(invalid.value?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(harness.sim.calls).toBe(0);
  });

  it('shares the poll loops with SSE subscribers and honours the per-credential subscription limit', async () => {
    await setup({ subscriptions: { perCredential: 2 } });
    const job = harness.sim.addJob({ queuedForSecs: 500, runForSecs: 500 });
    const socket = client();
    const a = socket.iterate({ query: WATCH, variables: { jobId: harness.jobId(job) } });
    const b = socket.iterate({ query: WATCH, variables: { jobId: harness.jobId(job) } });
    await a.next();
    await b.next();
    expect(harness.gateway.watcher.activeLoops).toBe(1);
    const third = await socket.iterate({ query: WATCH, variables: { jobId: harness.jobId(job) } }).next();
    expect(third.value?.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'SUBSCRIPTION_LIMIT',
    });
    expect(harness.sim.calls).toBe(1);
    await a.return?.();
    await b.return?.();
    await until(() => harness.gateway.watcher.activeLoops === 0);
  });

  it('closes a message over the size limit (1009) and every socket with 1012 (service restart) on drain', async () => {
    await setup();
    const big = await new Promise<number>((resolve) => {
      const socket = new WebSocket(url, 'graphql-transport-ws');
      socket.on('open', () => socket.send('x'.repeat(2 * 1024 * 1024)));
      socket.on('close', (code) => resolve(code));
    });
    expect(big).toBe(1009);
    const closed = new Promise<number>((resolve) => {
      const socket = new WebSocket(url, 'graphql-transport-ws', { headers: { 'x-api-key': 'demo-api-key' } });
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('message', () => void endpoint.drain());
      socket.on('close', (code) => resolve(code));
    });
    expect(await closed).toBe(1012);
  });

  it('works with Apollo Client’s GraphQLWsLink', async () => {
    await setup();
    const job = harness.sim.addJob({ queuedForSecs: 5, runForSecs: 5 });
    const apollo = new ApolloClient({
      link: new GraphQLWsLink(client({ authorization: 'Bearer demo-token' })),
      cache: new InMemoryCache(),
    });
    const states = await watchWithApollo(apollo, harness.jobId(job), harness, scheduler);
    expect(states).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
  });
});
