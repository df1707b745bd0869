// Persisted documents through the real server: by GraphQL-over-HTTP documentId (POST and GET), Apollo's
// automatic persisted queries (miss → PersistedQueryNotFound → register → hit), hash mismatches, the
// bounded registration store, and trusted mode refusing any other document on POST, GET, SSE,
// /graphql/stream and graphql-ws. Real Apollo Client and urql clients make the round trip too.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { Client, fetchExchange, gql } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { print } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/persisted/manifest';
import { CUSTOMER_A } from '../support/accounts';
import { expectedJobs, type Harness, HEADERS_A, startHarness } from '../support/gateway';
import { openSocket, operate, startWebSocketGateway, type WebSocketGateway } from '../support/websocket';

const JOBS = 'query Jobs($first: Int) { jobs(first: $first) { edges { node { jobId state } } } }';
const JOB_IDS = 'query JobIds { jobs(first: 2) { edges { node { jobId } } } }';
const WATCH = 'subscription Watch($jobId: String!) { jobUpdated(jobId: $jobId) { jobId state } }';
const MANIFEST = { [sha256Hex(JOBS)]: JOBS, [sha256Hex(WATCH)]: WATCH };

let harness: Harness | undefined;
let socketGateway: WebSocketGateway | undefined;
afterEach(async () => {
  await harness?.close();
  await socketGateway?.close();
  harness = undefined;
  socketGateway = undefined;
});

async function post(h: Harness, body: object, headers: Record<string, string> = {}) {
  const response = await h.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...HEADERS_A, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

async function get(h: Harness, params: Record<string, string>) {
  const url = new URL('http://gateway.test/graphql');
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await h.gateway.yoga.fetch(url, {
    headers: { accept: 'application/json', ...HEADERS_A },
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const firstThree = () => expectedJobs(harness!, CUSTOMER_A, {}).slice(0, 3).map(harness!.jobId);

describe('persisted documents by id', () => {
  it('runs a manifest document by documentId over POST and GET, with one upstream call each', async () => {
    harness = startHarness({ persistedDocuments: MANIFEST });
    const byPost = await post(harness, { documentId: sha256Hex(JOBS), variables: { first: 3 } });
    expect(byPost.errors).toBeUndefined();
    expect(byPost.data.jobs.edges.map((e: any) => e.node.jobId)).toEqual(firstThree());
    expect(harness.sim.calls).toBe(1);
    const byGet = await get(harness, { documentId: sha256Hex(JOBS), variables: '{"first":3}' });
    expect(byGet.errors).toBeUndefined();
    expect(byGet.data).toEqual(byPost.data);
    expect(harness.sim.calls).toBe(2);
  });

  it('answers an unknown id with PersistedQueryNotFound and calls nobody', async () => {
    harness = startHarness({ persistedDocuments: MANIFEST });
    const unknown = await post(harness, { documentId: sha256Hex('{ jobs { edges { cursor } } }') });
    expect(unknown.errors).toMatchObject([
      { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
    ]);
    const junk = await post(harness, { documentId: 'not-a-hash', extensions: {} });
    expect(junk.errors?.[0]?.extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(harness.sim.calls).toBe(0);
  });

  it('starts only with a manifest that fits the schema', () => {
    const stale = '{ jobs { edges { node { noSuchField } } } }';
    expect(() => startHarness({ persistedDocuments: { [sha256Hex(stale)]: stale } })).toThrow(
      /PERSISTED_DOCUMENTS: the document [0-9a-f]{64} does not fit this gateway's schema/,
    );
  });
});

describe('automatic persisted queries', () => {
  it('misses, registers the text sent with its hash, then hits by hash alone', async () => {
    harness = startHarness();
    const hash = sha256Hex(JOB_IDS);
    const miss = await post(harness, { extensions: apq(hash) });
    expect(miss.errors?.[0]).toMatchObject({ message: 'PersistedQueryNotFound' });
    expect(harness.sim.calls).toBe(0);
    const register = await post(harness, { query: JOB_IDS, extensions: apq(hash) });
    expect(register.errors).toBeUndefined();
    expect(harness.gateway.persisted.registered).toBe(1);
    const hit = await post(harness, { extensions: apq(hash) });
    expect(hit.errors).toBeUndefined();
    expect(hit.data).toEqual(register.data);
    expect(harness.sim.calls).toBe(2);
  });

  it('refuses a text whose sha256 is not the hash sent with it, and keeps nothing', async () => {
    harness = startHarness();
    const refused = await post(harness, { query: JOB_IDS, extensions: apq(sha256Hex(JOBS)) });
    expect(refused.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
    expect(refused.errors?.[0].message).toMatch(/not the one its id names/);
    expect(harness.gateway.persisted.registered).toBe(0);
    expect(harness.sim.calls).toBe(0);
  });

  it('keeps at most PERSISTED_QUERIES_MAX registrations (least recently used go first)', async () => {
    harness = startHarness({ persistedQueriesMax: 3 });
    const texts = [1, 2, 3, 4].map((n) => `query Q${n} { __typename }`);
    for (const text of texts) await post(harness, { query: text, extensions: apq(sha256Hex(text)) });
    expect(harness.gateway.persisted.registered).toBe(3);
    const oldest = await post(harness, { extensions: apq(sha256Hex(texts[0]!)) });
    expect(oldest.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    const newest = await post(harness, { extensions: apq(sha256Hex(texts[3]!)) });
    expect(newest.data).toEqual({ __typename: 'Query' });
  });
});

describe('trusted documents (persistedDocumentsOnly)', () => {
  const trusted = { persistedDocuments: MANIFEST, persistedDocumentsOnly: true };

  it('refuses any other document over POST and GET, and registers nothing', async () => {
    harness = startHarness(trusted);
    for (const response of [
      await post(harness, { query: JOB_IDS }),
      await post(harness, { query: JOB_IDS, extensions: apq(sha256Hex(JOB_IDS)) }),
      await get(harness, { query: JOB_IDS }),
    ]) {
      expect(response.errors).toMatchObject([{ extensions: { code: 'PERSISTED_QUERY_ONLY' } }]);
    }
    const afterRegistering = await post(harness, { extensions: apq(sha256Hex(JOB_IDS)) });
    expect(afterRegistering.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    expect(harness.gateway.persisted.registered).toBe(0);
    expect(harness.sim.calls).toBe(0);
  });

  it('runs manifest documents by id, by APQ hash and by their exact text; _service { sdl } stays open', async () => {
    harness = startHarness(trusted);
    expect(
      (await post(harness, { documentId: sha256Hex(JOBS), variables: { first: 1 } })).errors,
    ).toBeUndefined();
    expect(
      (await post(harness, { extensions: apq(sha256Hex(JOBS)), variables: { first: 1 } })).errors,
    ).toBeUndefined();
    expect((await post(harness, { query: JOBS, variables: { first: 1 } })).errors).toBeUndefined();
    const sdl = await post(harness, { query: 'query SubgraphIntrospectQuery { _service { sdl } }' });
    expect(sdl.data._service.sdl).toContain('type Job');
  });

  it('refuses other documents over SSE and /graphql/stream', async () => {
    harness = startHarness(trusted);
    const sse = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
      body: JSON.stringify({ query: 'subscription { jobUpdated(jobId: "job_1") { state } }' }),
    });
    expect(await sse.text()).toContain('PERSISTED_QUERY_ONLY');
    const stream = await harness.gateway.yoga.fetch('http://gateway.test/graphql/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
      body: JSON.stringify({ query: 'subscription { jobUpdated(jobId: "job_1") { state } }' }),
    });
    expect(await stream.text()).toContain('PERSISTED_QUERY_ONLY');
    expect(harness.sim.calls).toBe(0);
  });

  it('refuses other documents over graphql-ws and runs manifest ones by id there', async () => {
    socketGateway = await startWebSocketGateway(trusted);
    const raw = await openSocket(socketGateway.url, HEADERS_A);
    const refused = await operate(raw, '1', {
      query: 'subscription { jobUpdated(jobId: "job_1") { state } }',
    });
    expect(JSON.stringify(refused)).toContain('PERSISTED_QUERY_ONLY');
    const [job] = expectedJobs(socketGateway.harness, CUSTOMER_A, { states: ['COMPLETED'] });
    const byId = await operate(raw, '2', {
      query: '',
      variables: { jobId: socketGateway.harness.jobId(job!) },
      extensions: apq(sha256Hex(WATCH)),
    });
    expect(byId[0]).toMatchObject({
      type: 'next',
      payload: { data: { jobUpdated: { state: 'COMPLETED' } } },
    });
    expect(byId.at(-1)?.type).toBe('complete');
    raw.socket.close();
  });
});

describe('real clients', () => {
  it("Apollo Client's persisted-queries link: miss, register, then hashes only", async () => {
    harness = startHarness();
    const bodies: any[] = [];
    const http = new HttpLink({
      uri: 'http://gateway.test/graphql',
      headers: HEADERS_A,
      fetch: async (input, init) => {
        bodies.push(JSON.parse(String(init?.body)));
        return harness!.gateway.yoga.fetch(new Request(input as string, init));
      },
    });
    const link = ApolloLink.from([createPersistedQueryLink({ sha256: sha256Hex }), http]);
    const client = new ApolloClient({ link, cache: new InMemoryCache() });
    const query = gql(JOBS);
    const first = await client.query({ query, variables: { first: 3 }, fetchPolicy: 'network-only' });
    expect(first.data!.jobs.edges.map((e: any) => e.node.jobId)).toEqual(firstThree());
    const again = await client.query({ query, variables: { first: 3 }, fetchPolicy: 'network-only' });
    expect(again.data).toEqual(first.data);
    // hash alone (miss), hash + text (registered), hash alone (hit).
    expect(bodies.map((body) => typeof body.query)).toEqual(['undefined', 'string', 'undefined']);
    expect(harness.sim.calls).toBe(2);
  });

  it("urql's persistedExchange: miss, register, then hashes only", async () => {
    harness = startHarness();
    const bodies: any[] = [];
    const client = new Client({
      url: 'http://gateway.test/graphql',
      preferGetMethod: false,
      fetchOptions: { headers: HEADERS_A },
      fetch: async (input, init) => {
        bodies.push(JSON.parse(String(init?.body)));
        return harness!.gateway.yoga.fetch(new Request(input as string, init));
      },
      exchanges: [persistedExchange({ preferGetForPersistedQueries: false }), fetchExchange],
    });
    const query = gql(JOBS);
    const first = await client.query(query, { first: 3 }, { requestPolicy: 'network-only' }).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data.jobs.edges.map((e: any) => e.node.jobId)).toEqual(firstThree());
    const again = await client.query(query, { first: 3 }, { requestPolicy: 'network-only' }).toPromise();
    expect(again.data).toEqual(first.data);
    expect(bodies.map((body) => typeof body.query)).toEqual(['undefined', 'string', 'undefined']);
    expect(print(query)).toContain('query Jobs');
  });
});
