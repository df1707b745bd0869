// `npm start`: the gateway alone, configured by the environment and `.env` (SPEC §6). The only place that
// listens; how it stops is lifecycle.ts's (SPEC §9).
import type { AddressInfo } from 'node:net';
import { loadConfig, loadDotEnv, loadOrExit } from './config';
import { createHttpServer, listenOrExit } from './http';
import { drainOnSignal, exitOnFatalErrors } from './lifecycle';
import { createLogger } from './logger';
import { createGateway, gatewayOptionsFrom } from './server';
import { attachWebSocket, type WebSocketEndpoint } from './ws';

const dotEnv = loadOrExit(() => loadDotEnv());
const config = loadOrExit(() => loadConfig());
const logger = createLogger(config.logLevel);
exitOnFatalErrors(logger);
if (dotEnv) {
  logger.info(
    { path: dotEnv.path, variables: dotEnv.applied, setByEnvironment: dotEnv.overridden },
    'read .env (variables already in the environment win)',
  );
}
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
// A persisted-document manifest that no longer fits the schema stops the start like a bad variable.
const gateway = loadOrExit(() =>
  createGateway({
    ...gatewayOptionsFrom(config),
    upstreamUrl: config.vectaraApiUrl,
    logger,
    tracing,
    coordinator,
  }),
);
const server = createHttpServer(gateway.yoga, config.http);
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
    await coordinator?.close();
    // Spans still buffered go out before the process ends.
    await tracing
      ?.shutdown()
      .catch((error: unknown) => logger.warn({ err: error }, 'could not export the last spans'));
  },
});
await listenOrExit(server, config.port, config.host, 'the gateway (PORT, HOST)');
// graphql-ws on the same port and path (/graphql, by HTTP upgrade); attached once listening, so that a
// listen error is reported once, by listenOrExit.
websocket = attachWebSocket(server, gateway, { ...config.websocket, logger });
const { port } = server.address() as AddressInfo;
logger.info(
  { port, host: config.host, upstream: config.vectaraApiUrl, apiVersion: config.apiVersion },
  'jobs-gateway listening',
);
const shownHost = config.host === '0.0.0.0' ? 'localhost' : config.host;
process.stdout.write(
  `jobs-gateway on http://${shownHost}:${port}/graphql (Vectara API ${config.apiVersion})\n`,
);
