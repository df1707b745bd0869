// Composes this service's `_service.sdl` with a test-only subgraph that owns Corpus — keyed by `id` (a v1
// world) or by `key` (a v2 world) — using @apollo/composition, serves the supergraph with @apollo/gateway
// inside Apollo Server (real libraries, no mocks of them), forwards the caller's credential headers to this
// subgraph, and checks a corpora → jobs → corpora { name } query against the simulator's data.
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_DATASETS } from '../../src/simulator/dataset';
import type { ApiVersion } from '../../src/upstream/versions';
import { CUSTOMER_A } from '../support/accounts';
import { expectedJobs, type Harness, HEADERS_A, startHarness } from '../support/gateway';

const KEYS = DEMO_DATASETS[0]!.corpusKeys!;
const CORPORA = [1, 2, 3, 4, 5, 6].map((id) => ({ id, key: KEYS[id]!, name: `Corpus ${id}` }));
const PASS_THROUGH = ['x-api-key', 'authorization', 'customer-id'];
type KeyField = 'id' | 'key';

/** The subgraph that owns Corpus, keyed by its v1 `id` or its v2 `key`. */
function corporaSubgraph(keyField: KeyField) {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
    type Corpus @key(fields: "${keyField}") { ${keyField === 'id' ? 'id: Int!' : 'key: String!'} name: String! }
    type Query { corpora: [Corpus!]! }
  `);
  const schema = buildSubgraphSchema({
    typeDefs,
    resolvers: {
      Query: { corpora: () => CORPORA },
      Corpus: {
        __resolveReference: (ref: { id?: number; key?: string }) =>
          CORPORA.find((corpus) => (keyField === 'id' ? corpus.id === ref.id : corpus.key === ref.key)),
      },
    },
  });
  return { typeDefs, yoga: createYoga({ schema, logging: false }) };
}

interface Context {
  headers: Record<string, string>;
}

let harness: Harness;
let server: ApolloServer<Context> | undefined;
afterEach(async () => {
  await server?.stop();
  await harness?.close();
});

async function startSupergraph(version: ApiVersion, keyField: KeyField) {
  harness = startHarness({ apiVersion: version });
  const corpora = corporaSubgraph(keyField);
  const sdl = (await harness.query('{ _service { sdl } }', {}, {})).data._service.sdl as string;
  const composed = composeServices([
    { name: 'jobs', typeDefs: parse(sdl), url: 'http://jobs.test/graphql' },
    { name: 'corpora', typeDefs: corpora.typeDefs, url: 'http://corpora.test/graphql' },
  ]);
  expect(composed.errors).toBeUndefined();
  const subgraphs: Record<string, (request: Request) => Promise<Response> | Response> = {
    'http://jobs.test/graphql': (request) => harness.gateway.yoga.fetch(request),
    'http://corpora.test/graphql': (request) => corpora.yoga.fetch(request),
  };
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl!,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<Context>({
        url,
        fetcher: (async (
          target: string,
          init: { method?: string; headers?: Record<string, string>; body?: string },
        ) => subgraphs[target]!(new Request(target, init))) as never,
        willSendRequest({ request, context }) {
          for (const name of PASS_THROUGH) {
            const value = context.headers?.[name];
            if (value) request.http?.headers.set(name, value);
          }
        },
      }),
  });
  server = new ApolloServer<Context>({ gateway });
  await server.start();
  return server;
}

async function run(
  apollo: ApolloServer<Context>,
  query: string,
  headers: Record<string, string> = HEADERS_A,
) {
  const response = await apollo.executeOperation({ query }, { contextValue: { headers } });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as { data?: any; errors?: any[] };
}

const WORLDS: [ApiVersion, KeyField][] = [
  ['v1', 'id'],
  ['v2', 'key'],
];

describe.each(WORLDS)(
  'Apollo Federation supergraph (upstream %s, Corpus owned by %s)',
  (version, keyField) => {
    const byKey = (value: number | string) =>
      CORPORA.find((corpus) => (keyField === 'id' ? corpus.id === value : corpus.key === value))!;

    it('composes and runs corpora → jobs → corpora { name } across both subgraphs', async () => {
      const apollo = await startSupergraph(version, keyField);
      const result = await run(
        apollo,
        `{ corpora { ${keyField} name jobs(first: 4, states: [COMPLETED, FAILED]) {
          edges { node { jobId state corpora { ${keyField} name } } } pageInfo { hasNextPage } } } }`,
      );
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      expect(result.data.corpora).toHaveLength(CORPORA.length);
      for (const corpus of result.data.corpora) {
        const owned = byKey(corpus[keyField]);
        const expected = expectedJobs(harness, CUSTOMER_A, {
          states: ['COMPLETED', 'FAILED'],
          corpusIds: [owned.id],
        });
        expect(corpus.name).toBe(owned.name);
        expect(corpus.jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(
          expected.slice(0, 4).map(harness.jobId),
        );
        expect(corpus.jobs.pageInfo.hasNextPage).toBe(expected.length > 4);
        for (const { node } of corpus.jobs.edges) {
          // Each job's corpora resolve back to their names in the owning subgraph.
          expect(node.corpora.map((ref: any) => ref.name)).toContain(owned.name);
        }
      }
      // Six corpora's first pages, settled by one combined upstream call.
      expect(harness.sim.calls).toBe(1);
      // Every upstream call carried the caller's credentials, forwarded by the router.
      expect(harness.sim.recorded.length).toBeGreaterThan(0);
      for (const call of harness.sim.recorded) expect(call.headers['x-api-key']).toBe('demo-api-key');
    });

    it('batches the corpora → jobs hop into one upstream call when the combined page is complete', async () => {
      const apollo = await startSupergraph(version, keyField);
      const result = await run(
        apollo,
        `{ corpora { ${keyField} jobs(first: 10) { edges { node { jobId state } } } } }`,
      );
      expect(result.errors).toBeUndefined();
      expect(harness.sim.calls).toBe(1);
      const listed = result.data.corpora.flatMap((corpus: any) => corpus.jobs.edges);
      expect(listed.length).toBeGreaterThan(0);
      for (const corpus of result.data.corpora) {
        const expected = expectedJobs(harness, CUSTOMER_A, { corpusIds: [byKey(corpus[keyField]).id] }).slice(
          0,
          10,
        );
        expect(corpus.jobs.edges.map((edge: any) => edge.node.jobId)).toEqual(expected.map(harness.jobId));
      }
    });

    it('reports missing credentials through the router without an upstream call, keeping the owner subgraph fields', async () => {
      const apollo = await startSupergraph(version, keyField);
      const anonymous = await run(
        apollo,
        `{ corpora { ${keyField} name jobs { edges { node { jobId } } } } }`,
        {},
      );
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      // Corpus.jobs is nullable (SPEC §2): only it is null; the corpora subgraph's names still arrive.
      expect(anonymous.data?.corpora).toEqual(
        CORPORA.map((corpus) => ({ [keyField]: corpus[keyField], name: corpus.name, jobs: null })),
      );
      expect(harness.sim.calls).toBe(0);
    });
  },
);
