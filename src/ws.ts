// GraphQL over WebSocket (the `graphql-ws` protocol, what Apollo Router's subscription passthrough and Apollo
// Client's GraphQLWsLink speak) on the same port and path as HTTP: `/graphql`, by HTTP upgrade. Every
// operation runs through Yoga's envelop, so it gets the same plugins as HTTP: document limits, the request
// budget, masking, metrics, logs, and the same shared `jobUpdated` polls and subscription limits.
// - Credentials come from `connectionParams` (`x-api-key`, `authorization`, `customer-id`, any letter case),
//   else from the upgrade request's headers; without any, the socket closes at `connection_init` with 4401
//   and the reason `UNAUTHENTICATED: …`.
// - Messages are at most the HTTP body limit (larger: close 1009); the server pings every 12 s.
// - drain() (graceful shutdown) closes every socket with 1001 "Going away".
import type { IncomingHttpHeaders, Server } from 'node:http';
import { GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { MISSING_CREDENTIALS_MESSAGE } from './errors';
import { LIMITS } from './plugins/limits';
import type { Gateway } from './server';

export interface WebSocketEndpoint {
  /** Closes every socket with 1001 and stops accepting new ones. */
  drain(): Promise<void>;
  readonly connections: number;
}

export interface WebSocketOptions {
  path?: string;
  /** Ping interval (ms) keeping idle connections alive through proxies. */
  keepAliveMs?: number;
}

type Enveloped = { execute(args: unknown): unknown; subscribe(args: unknown): unknown };

const CREDENTIAL_HEADERS = ['x-api-key', 'authorization', 'customer-id'] as const;
export const CLOSE_UNAUTHENTICATED = 4401;

/** The credential headers of a connection: connectionParams first (any letter case), else the upgrade's. */
function credentialHeaders(params: unknown, upgrade: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  const given = new Map<string, string>();
  if (typeof params === 'object' && params !== null) {
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'string') given.set(name.toLowerCase(), value);
    }
  }
  for (const name of CREDENTIAL_HEADERS) {
    const fromUpgrade = upgrade[name];
    const value = given.get(name) ?? (typeof fromUpgrade === 'string' ? fromUpgrade : undefined);
    if (value !== undefined && value.trim() !== '') headers.set(name, value);
  }
  const requestId = upgrade['x-request-id'];
  if (typeof requestId === 'string') headers.set('x-request-id', requestId);
  if (typeof upgrade.traceparent === 'string') headers.set('traceparent', upgrade.traceparent);
  return headers;
}

export function attachWebSocket(
  server: Server,
  gateway: Gateway,
  options: WebSocketOptions = {},
): WebSocketEndpoint {
  const wss = new WebSocketServer({
    server,
    path: options.path ?? '/graphql',
    maxPayload: LIMITS.maxBodyBytes,
  });
  const { yoga } = gateway;
  /** Per connection: its credential headers and the cancellation of each running operation. */
  const connections = new WeakMap<object, { headers: Headers; operations: Map<string, AbortController> }>();
  let draining = false;

  // A message over the size limit is the client's doing, not an internal error: ws closes the socket with 1009
  // by itself; graphql-ws would also print it on stderr as "Internal error…", so that one event stops here.
  // (Registered before graphql-ws's own connection listener.)
  wss.on('connection', (socket) => {
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) =>
      event === 'error' &&
      (args[0] as { code?: string } | undefined)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
        ? false
        : emit(event, ...args)) as typeof socket.emit;
  });

  useServer(
    {
      onConnect(ctx) {
        if (draining) {
          ctx.extra.socket.close(1001, 'Going away: the gateway is shutting down');
          return false;
        }
        const headers = credentialHeaders(ctx.connectionParams, ctx.extra.request.headers);
        if (!headers.has('x-api-key') && !headers.has('authorization')) {
          ctx.extra.socket.close(
            CLOSE_UNAUTHENTICATED,
            `UNAUTHENTICATED: ${MISSING_CREDENTIALS_MESSAGE}`.slice(0, 120),
          );
          return false;
        }
        connections.set(ctx, { headers, operations: new Map() });
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const connection = connections.get(ctx);
        if (!connection) return [new GraphQLError('The connection is not initialised.')];
        const controller = new AbortController();
        connection.operations.set(id, controller);
        const request = new Request(`http://websocket${options.path ?? '/graphql'}`, {
          method: 'POST',
          headers: connection.headers,
          signal: controller.signal,
        });
        const enveloped = yoga.getEnveloped({ request, params: payload });
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
      // The operation's own envelop (onSubscribe put it in rootValue): Yoga's plugins run on every operation.
      execute: (args) => (args.rootValue as Enveloped).execute(args) as never,
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args) as never,
      onComplete(ctx, id) {
        const operations = connections.get(ctx)?.operations;
        operations?.get(id)?.abort();
        operations?.delete(id);
      },
      onClose(ctx) {
        for (const controller of connections.get(ctx)?.operations.values() ?? []) controller.abort();
      },
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );

  return {
    async drain() {
      draining = true;
      const sockets = [...wss.clients];
      for (const socket of sockets) socket.close(1001, 'Going away: the gateway is shutting down');
      wss.close();
      // A client that never answers the close handshake is cut after a second (not ws's own 30 s).
      const cut = setTimeout(() => {
        for (const socket of sockets) socket.terminate();
      }, 1000);
      cut.unref();
    },
    get connections() {
      return wss.clients.size;
    },
  };
}
