// `npm start`: the gateway alone, configured by the environment (SPEC §6). The only place that listens.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, loadOrExit } from './config';
import { createLogger } from './logger';
import { createGateway } from './server';

const config = loadOrExit(() => loadConfig());
const logger = createLogger(config.logLevel);
const gateway = createGateway({
  upstreamUrl: config.vectaraApiUrl,
  timeoutMs: config.upstreamTimeoutMs,
  retries: config.upstreamRetries,
  pollIntervalMs: config.jobPollIntervalMs,
  fallbackCustomerId: config.vectaraCustomerId,
  graphiql: config.graphiql,
  introspection: config.introspection,
  cursorSecret: config.cursorSecret ? Buffer.from(config.cursorSecret, 'utf8') : undefined,
  logger,
});
const server = createServer(gateway.yoga);
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, host: config.host, upstream: config.vectaraApiUrl }, 'jobs-gateway listening');
  const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host;
  process.stdout.write(`jobs-gateway on http://${shownHost}:${port}/graphql\n`);
});

let stopping = false;
/** Stop accepting, end subscriptions, let in-flight requests finish (10 s at most), then release upstream sockets. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing in-flight requests, ending subscriptions');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  gateway.watcher.close();
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 10_000);
  force.unref();
  await closed;
  await gateway.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
