// `npm start`: the gateway alone, configured by the environment (SPEC §6). The only place that listens.
import type { AddressInfo } from 'node:net';
import { loadConfig, loadOrExit } from './config';
import { createHttpServer, listenOrExit } from './http';
import { createLogger, flushLogger } from './logger';
import { createGateway, gatewayOptionsFrom } from './server';
import { attachWebSocket } from './ws';

const config = loadOrExit(() => loadConfig());
const logger = createLogger(config.logLevel);
for (const warning of config.warnings) logger.warn(warning);
// OpenTelemetry and Redis are loaded only when configured: together they hold ~30 MiB a replica without
// them would carry for nothing.
const tracing = config.otel ? (await import('./tracing')).createTracing(config.otel) : undefined;
const coordinator = config.redisUrl
  ? (await import('./watch/redis-coordinator')).createRedisCoordinator({
      url: config.redisUrl,
      commandTimeoutMs: config.redisCommandTimeoutMs,
      logger,
    })
  : undefined;
const gateway = createGateway({
  ...gatewayOptionsFrom(config),
  upstreamUrl: config.vectaraApiUrl,
  logger,
  tracing,
  coordinator,
});
const server = createHttpServer(gateway.yoga, config.http);
await listenOrExit(server, config.port, config.host, 'the gateway (PORT, HOST)');
// graphql-ws on the same port and path (/graphql, by HTTP upgrade); attached once listening, so that a
// listen error is reported once, by listenOrExit.
const websocket = attachWebSocket(server, gateway, { ...config.websocket, logger });
const { port } = server.address() as AddressInfo;
logger.info(
  { port, host: config.host, upstream: config.vectaraApiUrl, apiVersion: config.apiVersion },
  'jobs-gateway listening',
);
const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host;
process.stdout.write(
  `jobs-gateway on http://${shownHost}:${port}/graphql (Vectara API ${config.apiVersion})\n`,
);

let stopping = false;
/** Stop accepting, end subscriptions, let in-flight requests finish (10 s at most), then release upstream sockets. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing in-flight requests, ending subscriptions');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // /ready turns 503 and every stream (SSE, /graphql/stream) completes now, not at the forced close.
  gateway.drain();
  await websocket.drain();
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 10_000);
  force.unref();
  await closed;
  await gateway.close();
  await coordinator?.close();
  // Spans still buffered go out before the process ends.
  await tracing
    ?.shutdown()
    .catch((error: unknown) => logger.warn({ err: error }, 'could not export the last spans'));
  await flushLogger(logger);
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
