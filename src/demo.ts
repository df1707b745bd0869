// `npm run demo`: the upstream simulator and the gateway wired to it, in one process, nothing to set up.
import { loadConfig, loadOrExit, loadSimulatorConfig } from './config';
import { createHttpServer } from './http';
import { createLogger } from './logger';
import { createGateway, gatewayOptionsFrom } from './server';
import { DEMO_ACCOUNTS } from './simulator/dataset';
import { createSimulator } from './simulator/handler';
import { listenSimulator } from './simulator/server';

const config = loadOrExit(() => loadConfig());
const simulatorConfig = loadOrExit(() => loadSimulatorConfig());
const simulator = createSimulator();
simulator.configure({ latencyMs: simulatorConfig.latencyMs });
const upstream = await listenSimulator(simulator, simulatorConfig.port, simulatorConfig.host);
const [first, second] = DEMO_ACCOUNTS;
const demoHeaders = { 'x-api-key': first?.apiKeys[0] ?? '', 'customer-id': first?.customerId ?? '' };
const gateway = createGateway({
  ...gatewayOptionsFrom(config),
  upstreamUrl: upstream.url,
  graphiql: true,
  introspection: true,
  graphiqlHeaders: demoHeaders,
  logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
});
const server = createHttpServer(gateway.yoga, config.http);
await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
const url = `http://localhost:${config.port}/graphql`;
process.stdout.write(`
jobs-gateway demo
  GraphiQL:   ${url}   (open it in a browser; the demo headers are pre-filled)
  Simulator:  ${upstream.url}/v1/list-jobs  (the Vectara ListJobs API, seeded)

Demo credentials (headers):
  x-api-key: ${first?.apiKeys[0]}      customer-id: ${first?.customerId}   (or Authorization: Bearer ${first?.bearerTokens[0]})
  x-api-key: ${second?.apiKeys[0]}    customer-id: ${second?.customerId}   (a second account with other jobs)

Try:
  curl -s ${url} -H 'content-type: application/json' \\
    -H 'x-api-key: ${first?.apiKeys[0]}' -H 'customer-id: ${first?.customerId}' \\
    -d '{"query":"{ jobs(first: 3) { edges { node { jobId type state createdAt } } pageInfo { hasNextPage endCursor } } }"}'

Ctrl+C to stop.
`);

const stop = async () => {
  gateway.drain();
  server.closeAllConnections();
  server.close();
  await gateway.close();
  await upstream.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
