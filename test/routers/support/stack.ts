// What a router is put in front of, all listening on loopback ports: the simulator (real clock, so jobs
// progress), the gateway as `npm start` wires it (HTTP + graphql-ws on one port) and a test-only subgraph
// that owns Corpus { key name } (a v2 world) or Corpus { id name } (a v1 world) and records the headers it receives. Also composes the supergraph
// (@apollo/composition) that Hive Gateway and @apollo/gateway load.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { createHttpServer } from '../../../src/http';
import { createGateway } from '../../../src/server';
import { DEMO_DATASETS } from '../../../src/simulator/dataset';
import { createSimulator, type Simulator } from '../../../src/simulator/handler';
import { listenSimulator } from '../../../src/simulator/server';
import type { ApiVersion } from '../../../src/upstream/versions';
import { attachWebSocket } from '../../../src/ws';

/** How the owner subgraph keys Corpus: by the v2 `key` (v2 upstream) or the v1 numeric `id` (v1 upstream). */
export type KeyField = 'key' | 'id';

const KEYS = DEMO_DATASETS[0]!.corpusKeys!;
export const CORPORA = [1, 2, 3, 4, 5, 6].map((id) => ({ id, key: KEYS[id]!, name: `Corpus ${id}` }));

export interface Stack {
  version: ApiVersion;
  keyField: KeyField;
  sim: Simulator;
  /** The gateway's /graphql URL (HTTP and graphql-ws). */
  jobsUrl: string;
  /** The owner subgraph's /graphql URL. */
  corporaUrl: string;
  /** Headers of every request the owner subgraph received, lower-cased names. */
  corporaHeaders: Record<string, string>[];
  /** The composed supergraph SDL (subgraphs named `jobs` and `corpora`). */
  supergraphSdl: string;
  /** Takes this subgraph (the gateway) off the network, for the "this subgraph is down" check. */
  stopJobs(): Promise<void>;
  /** This subgraph's SDL and the owner's, for routers that compose themselves. */
  jobsSdl: string;
  corporaSdl: string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}/graphql`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function corporaSdl(keyField: KeyField): string {
  // The owner knows Corpus by one field only, so the router has one way to reach this subgraph's entities.
  return `extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
type Corpus @key(fields: "${keyField}") { ${keyField === 'id' ? 'id: Int!' : 'key: String!'} name: String! }
type Query { corpora: [Corpus!]! }
`;
}

export interface StackOptions {
  /** The gateway's WS_CREDENTIALS_PER_OPERATION, as the docs tell a router's users to set it. */
  wsCredentialsPerOperation?: boolean;
}

export async function startStack(
  version: ApiVersion,
  keyField: KeyField,
  options: StackOptions = {},
): Promise<Stack> {
  const sim = createSimulator();
  const upstream = await listenSimulator(sim);
  const gateway = createGateway({
    apiVersion: version,
    upstreamUrl: upstream.url,
    retries: 0,
    timeoutMs: 5000,
    // jobUpdated polls often, so a job the simulator finishes in a second or two is seen promptly.
    pollIntervalMs: 200,
  });
  const jobsServer = createHttpServer(gateway.yoga);
  const jobsUrl = await listen(jobsServer);
  const websocket = attachWebSocket(jobsServer, gateway, {
    credentialsPerOperation: options.wsCredentialsPerOperation ?? false,
  });

  const corporaHeaders: Record<string, string>[] = [];
  const ownerSdl = corporaSdl(keyField);
  const owner = createYoga({
    schema: buildSubgraphSchema({
      typeDefs: parse(ownerSdl),
      resolvers: {
        Query: { corpora: () => CORPORA },
        Corpus: {
          __resolveReference: (ref: { id?: number; key?: string }) =>
            CORPORA.find((corpus) => (keyField === 'id' ? corpus.id === ref.id : corpus.key === ref.key)),
        },
      },
    }),
    logging: false,
    plugins: [
      {
        onRequest({ request }) {
          corporaHeaders.push(Object.fromEntries([...request.headers].map(([n, v]) => [n.toLowerCase(), v])));
        },
      },
    ],
  });
  const corporaServer = createServer(owner);
  const corporaUrl = await listen(corporaServer);

  const response = await fetch(jobsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const jobsSdl = ((await response.json()) as { data: { _service: { sdl: string } } }).data._service.sdl;
  const composed = composeServices([
    { name: 'jobs', typeDefs: parse(jobsSdl), url: jobsUrl },
    { name: 'corpora', typeDefs: parse(ownerSdl), url: corporaUrl },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));

  return {
    version,
    keyField,
    sim,
    jobsUrl,
    corporaUrl,
    corporaHeaders,
    supergraphSdl: composed.supergraphSdl,
    jobsSdl,
    corporaSdl: ownerSdl,
    async stopJobs() {
      await websocket.drain();
      await close(jobsServer);
    },
    async close() {
      await websocket.drain();
      await gateway.close();
      await Promise.all([close(jobsServer), close(corporaServer), upstream.close()]);
    },
  };
}
