import { createServer } from 'node:http';
import autocannon from 'autocannon';
import { createGateway } from './src/server';
import { createSimulator } from './src/simulator/handler';
import { listenSimulator } from './src/simulator/server';

const sim = createSimulator();
const up = await listenSimulator(sim);
const gw = createGateway({ upstreamUrl: up.url });
const server = createServer(gw.yoga);
await new Promise<void>((r) => server.listen(4399, '127.0.0.1', r));
const first = Number(process.env.FIRST ?? 100);
const QUERY = `query Bench($first: Int!) { jobs(first: $first, filter: { states: [COMPLETED, FAILED, ABORTED, QUEUED, STARTED] }) { edges { cursor node { id jobId type state isTerminal corpusIds createdAt startedAt completedAt userHandle } } pageInfo { hasNextPage endCursor } } }`;
const r = await autocannon({
  url: 'http://127.0.0.1:4399/graphql',
  connections: 10,
  duration: Number(process.env.DUR ?? 5),
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' },
  body: JSON.stringify({ query: QUERY, variables: { first } }),
});
console.log('rps', r.requests.average, 'p50', r.latency.p50, 'non2xx', r.non2xx, 'errors', r.errors);
server.closeAllConnections();
server.close();
await gw.close();
await up.close();
