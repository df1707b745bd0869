// `npm run demo`: the upstream simulator and the gateway wired to it, in one process, nothing to set up.
// It stops like `npm start` (lifecycle.ts): one drain however many Ctrl+C or SIGTERM arrive.
import { ConfigError, loadConfig, loadDotEnv, loadOrExit, loadSimulatorConfig } from './config';
import { buildExampleApp, EXAMPLE_APP_PATH, exampleAppManifest, withExampleApp } from './example-app';
import { createHttpServer, exitOnListenError, listenOrExit } from './http';
import { drainOnSignal, exitOnFatalErrors } from './lifecycle';
import { createLogger } from './logger';
import { createGateway, gatewayOptionsFrom } from './server';
import { DEMO_ACCOUNTS } from './simulator/dataset';
import { createSimulator } from './simulator/handler';
import { listenSimulator } from './simulator/server';
import type { ApiVersion } from './upstream/versions';
import { attachWebSocket, type WebSocketEndpoint } from './ws';

/**
 * The demo's cursor key when CURSOR_SECRET is unset: fixed, so that a restarted demo still accepts the
 * cursors ("load more") of a page loaded before. Public, hence for the demo only: never for real data.
 */
const DEMO_ONLY_CURSOR_SECRET = 'jobs-gateway-demo-only-cursor-secret-never-use-in-production';

loadOrExit(() => loadDotEnv());
const config = loadOrExit(() => {
  const loaded = loadConfig();
  // `npm run demo -- --api v1` (or VECTARA_API_VERSION=v1) serves the v1 API; v2 is the default.
  const index = process.argv.indexOf('--api');
  if (index < 0) return loaded;
  const version = process.argv[index + 1];
  if (version !== 'v1' && version !== 'v2')
    throw new ConfigError(`Invalid --api (${JSON.stringify(version ?? '')}): must be v2 or v1`);
  return { ...loaded, apiVersion: version as ApiVersion };
});
const simulatorConfig = loadOrExit(() => loadSimulatorConfig());
const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
exitOnFatalErrors(logger);
const simulator = createSimulator();
simulator.configure({ latencyMs: simulatorConfig.latencyMs });
const upstream = await listenSimulator(simulator, simulatorConfig.port, simulatorConfig.host).catch(
  (error: unknown) =>
    exitOnListenError(
      error,
      'the simulator (SIMULATOR_PORT, SIMULATOR_HOST)',
      simulatorConfig.port,
      simulatorConfig.host,
    ),
);
const [first, second] = DEMO_ACCOUNTS;
// v1 needs customer-id; v2 does not use it (and ignores it when sent).
const demoHeaders: Record<string, string> = { 'x-api-key': first?.apiKeys[0] ?? '' };
if (config.apiVersion === 'v1') demoHeaders['customer-id'] = first?.customerId ?? '';
const endpoint = config.apiVersion === 'v1' ? '/v1/list-jobs' : '/v2/jobs';
const gateway = createGateway({
  ...gatewayOptionsFrom(config),
  cursorSecret: Buffer.from(config.cursorSecret ?? DEMO_ONLY_CURSOR_SECRET, 'utf8'),
  // The example app's operations by id (not trusted mode: GraphiQL runs any document).
  persistedDocuments: new Map([...exampleAppManifest(), ...config.persistedDocuments.documents]),
  upstreamUrl: upstream.url,
  graphiql: true,
  introspection: true,
  graphiqlHeaders: demoHeaders,
  logger,
});
// The example frontend (examples/web) on the same origin; the demo goes on without it if it cannot build.
const exampleApp = await buildExampleApp().catch((error: unknown) => {
  logger.warn(
    { err: error },
    'the example app (examples/web) did not build; the demo serves the gateway only',
  );
  return false;
});
const server = createHttpServer(exampleApp ? withExampleApp(gateway.yoga) : gateway.yoga, config.http);
let websocket: WebSocketEndpoint | undefined;
drainOnSignal({
  server,
  logger,
  delayMs: config.shutdown.delayMs,
  timeoutMs: config.shutdown.timeoutMs,
  announce: () => gateway.announceDrain(),
  async endStreams() {
    gateway.drain();
    await websocket?.drain();
  },
  async release() {
    await gateway.close();
    await upstream.close();
  },
});
await listenOrExit(server, config.port, config.host, 'the gateway (PORT, HOST)');
websocket = attachWebSocket(server, gateway, { ...config.websocket, logger });
const url = `http://localhost:${config.port}/graphql`;
const appLine = exampleApp
  ? `  Web app:    http://localhost:${config.port}${EXAMPLE_APP_PATH}   (React: Apollo Client and urql pages, live badges)\n`
  : '';
process.stdout.write(`
jobs-gateway demo
  GraphiQL:   ${url}   (open it in a browser; the demo headers are pre-filled)
${appLine}  Upstream:   Vectara API ${config.apiVersion} (${config.apiVersion === 'v2' ? 'the live API; `npm run demo -- --api v1` for v1' : 'the original API; drop --api v1 for v2'})
  Simulator:  ${upstream.url}${endpoint}  (seeded; serves both versions)

Demo credentials (headers):
  x-api-key: ${first?.apiKeys[0]}      customer-id: ${first?.customerId}   (or Authorization: Bearer ${first?.bearerTokens[0]})
  x-api-key: ${second?.apiKeys[0]}    customer-id: ${second?.customerId}   (a second account with other jobs)
  (customer-id is needed on v1 only)

Try:
  curl -s ${url} -H 'content-type: application/json' \\
    -H 'x-api-key: ${first?.apiKeys[0]}' -H 'customer-id: ${first?.customerId}' \\
    -d '{"query":"{ jobs(first: 3) { edges { node { jobId type state createdAt } } pageInfo { hasNextPage endCursor } } }"}'

Ctrl+C to stop.
`);
