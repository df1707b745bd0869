// GraphQL over WebSocket (the `graphql-ws` protocol, what Apollo Router's subscription passthrough and Apollo
// Client's GraphQLWsLink speak) on the same port and path as HTTP: `/graphql`, by HTTP upgrade. Every
// operation runs through Yoga's envelop, so it gets the same plugins as HTTP: document limits, the request
// budget, introspection switch, masking, metrics, logs, and the same shared `jobUpdated` polls and
// subscription limits; each limit is answered on the operation (an `error` message), never by closing.
// graphql-ws's protocol engine (makeServer) is bound to `ws` here rather than through its `useServer`, which
// prints internal errors, client values included, raw on stderr: everything goes through the logger.
// The bounds (WEBSOCKET_DEFAULTS; docs: each limit, its default, its close or error code):
// - connections: at most `maxConnections` sockets (more: close 1013), `maxConnectionsPerCredential` per
//   x-api-key / Authorization value (more: close 1013 RATE_LIMITED); a socket without `connection_init`
//   within `connectionInitTimeoutMs` closes with 4408, one without credentials at once with 4401, one with
//   an invalid credential value (control characters, > 8 KiB) with 4400. With `credentialsPerOperation`
//   (for routers), a socket without credentials is acknowledged and each operation brings its own.
// - operations: at most `maxOperationsPerConnection` at once per socket (more: that operation gets a
//   RATE_LIMITED error); an operation holds state only once accepted (parsed, validated, within limits).
// - messages: at most 1 MiB each (more: close 1009); `messagesPerSecond` and `bytesPerSecond` on average
//   with bursts of `messageBurst` / `byteBurst` (above: the socket is not read until the rate allows;
//   nothing is refused).
// - send buffer: above `sendHighWaterBytes` queued for the client, the socket is not read until the queue
//   drains; above `maxBufferedBytes` the client does not read and is cut (close 1008, then the TCP socket).
// - keep-alive: a ping every `keepAliveMs`; a socket that has not answered the previous one is cut.
// - a peer that does not answer a close within `closeTimeoutMs` is cut.
// - drain() (graceful shutdown) closes every socket with 1012 "service restart" (clients reconnect to
//   another replica) and refuses a connection attempt during the drain the same way.
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError } from 'graphql';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { createFingerprinter, credentialsFrom, quotaKeysOf } from './credentials';
import { gatewayError } from './errors';
import { type Logger, silentLogger } from './logger';
import { LIMITS } from './plugins/limits';
import type { Gateway } from './server';
import { closeReason } from './ws/close-reason';
import { connectionHeaders, secretsOf } from './ws/credentials';
import { describeError, unexpectedError, wireError } from './ws/errors';
import { controlFlow, type FlowControl } from './ws/flow';
import { prepareOperation, runOperation } from './ws/operations';

export interface WebSocketEndpoint {
  /** Closes every socket with 1012 and refuses new ones the same way; resolves once they are closed. */
  drain(): Promise<void>;
  /** Open sockets. */
  readonly connections: number;
  /** Operations accepted and not finished, over all sockets (what the gateway holds for them). */
  readonly operations: number;
  /** Flow control now: sockets not read (by cause) and the bytes queued for clients, in all and at most. */
  flow(): {
    pausedForRate: number;
    pausedForSendBuffer: number;
    bufferedBytes: number;
    largestBufferedBytes: number;
  };
}

export interface WebSocketOptions {
  path?: string;
  /** Where internal errors and refusals are logged (bounded, redacted); silent when absent. */
  logger?: Logger;
  /** Ping interval (ms) keeping idle connections alive through proxies; a missed pong cuts the socket. */
  keepAliveMs?: number;
  /** Open sockets at most (WS_MAX_CONNECTIONS). */
  maxConnections?: number;
  /** Sockets per credential value at most (WS_MAX_CONNECTIONS_PER_CREDENTIAL). */
  maxConnectionsPerCredential?: number;
  /** Time (ms) a socket has to send `connection_init`. */
  connectionInitTimeoutMs?: number;
  /** Operations running at once on one socket (WS_MAX_OPERATIONS_PER_CONNECTION). */
  maxOperationsPerConnection?: number;
  /** Messages a second read from one socket on average, and at once. */
  messagesPerSecond?: number;
  messageBurst?: number;
  /** Bytes a second read from one socket on average, and at once (at least the 1 MiB message limit). */
  bytesPerSecond?: number;
  byteBurst?: number;
  /** Bytes queued for a client above which its socket is not read; above which it is cut. */
  sendHighWaterBytes?: number;
  maxBufferedBytes?: number;
  /** Time (ms) a peer has to answer a close before its socket is cut. */
  closeTimeoutMs?: number;
  /**
   * Acknowledge a `connection_init` without credentials; each operation then brings its own in
   * `extensions.headers` (routers such as Hive Gateway forward a client's headers there) or gets
   * UNAUTHENTICATED. Such sockets count as one credential (WS_CREDENTIALS_PER_OPERATION; default off).
   */
  credentialsPerOperation?: boolean;
}

export const WEBSOCKET_DEFAULTS = {
  keepAliveMs: 12_000,
  maxConnections: 2000,
  maxConnectionsPerCredential: 200,
  connectionInitTimeoutMs: 3000,
  maxOperationsPerConnection: 50,
  messagesPerSecond: 500,
  messageBurst: 1000,
  bytesPerSecond: 1024 * 1024,
  byteBurst: 4 * 1024 * 1024,
  sendHighWaterBytes: 1024 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
  closeTimeoutMs: 1000,
  credentialsPerOperation: false,
} as const;

/** Close codes of this endpoint (graphql-ws's own: 4400 bad request, 4408 no init in time, 4409 duplicate id). */
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_BAD_REQUEST = 4400;
export const CLOSE_TRY_AGAIN_LATER = 1013;
export const CLOSE_SERVICE_RESTART = 1012;
export const CLOSE_POLICY_VIOLATION = 1008;

/** The 4401 reason: the HTTP message does not fit 123 bytes, so the socket says it in WebSocket terms. */
export const MISSING_CREDENTIALS_REASON =
  'UNAUTHENTICATED: send x-api-key or authorization (Bearer <token>) in connectionParams or the upgrade headers';
/** The per-credential counter of sockets acknowledged without credentials (no fingerprint looks like it). */
const ANONYMOUS = 'anonymous';
const RESTART_REASON = 'Service restart: the gateway is restarting, reconnect';

/** What the endpoint holds for one socket. */
interface Connection {
  socket: WebSocket;
  request: IncomingMessage;
  flow: FlowControl;
  /** Answered the last keep-alive ping. */
  alive: boolean;
  /** Set at an accepted `connection_init`. */
  headers?: Headers;
  /** The per-credential counters this socket holds a place in. */
  quotaKeys: string[];
  /** Accepted operations and their cancellation. */
  operations: Map<string, AbortController>;
  /** Operations being parsed, validated and given a context (a number: nothing is kept per operation). */
  preparing: number;
}

type Extra = { connection: Connection };

/** `code` with `text` cut to a valid close reason; a socket already closing keeps its first code. */
function closeWith(socket: WebSocket, code: number, text: string): void {
  if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)
    socket.close(code, closeReason(text));
}

/** A message's size as ws hands it over (a Buffer, or fragments). */
function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0);
  return data.byteLength;
}

export function attachWebSocket(
  server: Server,
  gateway: Gateway,
  options: WebSocketOptions = {},
): WebSocketEndpoint {
  const limits = { ...WEBSOCKET_DEFAULTS, ...options };
  // One largest message must always fit in the byte bucket, or its socket would never be read again.
  limits.byteBurst = Math.max(limits.byteBurst, LIMITS.maxBodyBytes);
  const logger = options.logger ?? silentLogger;
  const path = options.path ?? '/graphql';
  const wss = new WebSocketServer({
    server,
    path,
    maxPayload: LIMITS.maxBodyBytes,
    handleProtocols,
    // Browsers do not apply CORS to WebSockets: the upgrade meets the same origin policy as HTTP.
    verifyClient: ({ req }, done) => {
      const refusal = gateway.cors.upgradeRefusal(req.headers);
      if (refusal) done(false, 403, refusal);
      else done(true);
    },
    // ws 8.23's own bound on a close handshake (not in @types/ws yet).
    ...({ closeTimeout: limits.closeTimeoutMs } as object),
  });
  /** Keyed hashes of credential values, for the per-credential count (never the values themselves). */
  const fingerprint = createFingerprinter();
  const perCredential = new Map<string, number>();
  const connections = new WeakMap<WebSocket, Connection>();
  let operations = 0;
  let draining = false;

  const release = (connection: Connection) => {
    for (const key of connection.quotaKeys) {
      const left = (perCredential.get(key) ?? 1) - 1;
      if (left <= 0) perCredential.delete(key);
      else perCredential.set(key, left);
    }
    connection.quotaKeys = [];
  };
  const settle = (connection: Connection, id: string) => {
    const controller = connection.operations.get(id);
    if (!controller) return;
    connection.operations.delete(id);
    operations--;
    controller.abort();
  };

  const protocol = makeServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
    onConnect(ctx) {
      const { connection } = ctx.extra;
      const found = connectionHeaders(ctx.connectionParams, connection.request.headers);
      if ('invalid' in found) {
        closeWith(connection.socket, CLOSE_BAD_REQUEST, `BAD_USER_INPUT: ${found.invalid}`);
        return false;
      }
      const credentials = credentialsFrom(found.headers);
      if (!credentials && !limits.credentialsPerOperation) {
        closeWith(connection.socket, CLOSE_UNAUTHENTICATED, MISSING_CREDENTIALS_REASON);
        return false;
      }
      // Sockets without credentials (credentialsPerOperation) share one place in the per-credential count.
      const keys = credentials ? quotaKeysOf(fingerprint, credentials) : [ANONYMOUS];
      if (keys.some((key) => (perCredential.get(key) ?? 0) >= limits.maxConnectionsPerCredential)) {
        closeWith(
          connection.socket,
          CLOSE_TRY_AGAIN_LATER,
          `RATE_LIMITED: at most ${limits.maxConnectionsPerCredential} WebSocket connections per credential; close one or retry later`,
        );
        return false;
      }
      for (const key of keys) perCredential.set(key, (perCredential.get(key) ?? 0) + 1);
      connection.quotaKeys = keys;
      connection.headers = found.headers;
      return true;
    },
    async onSubscribe(ctx, id, payload) {
      const { connection } = ctx.extra;
      // Operations still being prepared count too: a burst read at once must not pass the check together.
      if (connection.operations.size + connection.preparing >= limits.maxOperationsPerConnection) {
        return [
          gatewayError(
            'RATE_LIMITED',
            `At most ${limits.maxOperationsPerConnection} operations may run at once on one WebSocket connection: wait for one to complete, or open another connection.`,
            { reason: 'WEBSOCKET_OPERATIONS', limit: limits.maxOperationsPerConnection },
          ),
        ];
      }
      connection.preparing++;
      try {
        const prepared = await prepareOperation(gateway, path, connection.headers ?? new Headers(), payload);
        if (!('args' in prepared)) return [...prepared];
        // Accepted: from here the operation holds its place until onComplete or the socket's close.
        connection.operations.set(id, prepared.controller);
        operations++;
        return prepared.args;
      } catch (error) {
        logger.error(
          { err: describeError(error, connection.headers ? secretsOf(connection.headers) : []) },
          'graphql-ws: an operation could not be prepared',
        );
        return [unexpectedError()];
      } finally {
        connection.preparing--;
      }
    },
    execute: runOperation('execute', logger) as never,
    subscribe: runOperation('subscribe', logger) as never,
    // Errors of a running operation and results carry the HTTP path's codes, not Yoga's HTTP extension.
    onError: (_ctx, _id, _payload, errors) => errors.map((error) => wireError(error).toJSON()),
    onNext(_ctx, _id, _payload, _args, result) {
      if (!result.errors?.length) return undefined;
      const errors = result.errors.map((error) =>
        error instanceof GraphQLError ? wireError(error).toJSON() : error,
      );
      return { ...result, errors };
    },
    onComplete(ctx, id) {
      settle(ctx.extra.connection, id);
    },
  });

  wss.on('connection', (socket, request) => {
    // ws closes the socket itself on a protocol error (1002, 1007, 1009: the client's doing) and reports it;
    // listened to first, so that a socket refused below cannot throw an unhandled 'error' either.
    socket.on('error', (error) =>
      logger.debug({ err: describeError(error, []) }, 'graphql-ws: a client broke the WebSocket protocol'),
    );
    if (draining) return closeWith(socket, CLOSE_SERVICE_RESTART, RESTART_REASON);
    if (wss.clients.size > limits.maxConnections) {
      return closeWith(
        socket,
        CLOSE_TRY_AGAIN_LATER,
        `Try again later: the gateway holds its ${limits.maxConnections} WebSocket connections`,
      );
    }
    const connection: Connection = {
      socket,
      request,
      alive: true,
      quotaKeys: [],
      operations: new Map(),
      preparing: 0,
      flow: controlFlow(socket, limits, (buffered) => {
        logger.warn(
          { bufferedBytes: buffered, limit: limits.maxBufferedBytes },
          'graphql-ws: cut a client that does not read its messages',
        );
        closeWith(socket, CLOSE_POLICY_VIOLATION, 'Policy violation: the client does not read its messages');
        socket.terminate();
      }),
    };
    connections.set(socket, connection);
    const send = (data: string) =>
      new Promise<void>((resolve) => {
        if (socket.readyState !== socket.OPEN) return resolve();
        // A failed write means the socket is going away; its close event cleans up.
        socket.send(data, () => resolve());
        connection.flow.sent();
      });
    socket.on('pong', () => {
      connection.alive = true;
    });
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send,
        close: (code, reason) => closeWith(socket, code ?? CloseCode.BadRequest, reason ?? ''),
        onMessage(handle) {
          socket.on('message', async (data) => {
            connection.flow.received(messageBytes(data));
            try {
              await handle(String(data));
            } catch (error) {
              // graphql-ws throws for a message type a client must not send (e.g. `next`).
              const unexpected =
                error instanceof Error && error.message.startsWith('Unexpected message of type');
              if (unexpected)
                return closeWith(socket, CLOSE_BAD_REQUEST, 'Bad request: unexpected message type');
              logger.error(
                { err: describeError(error, connection.headers ? secretsOf(connection.headers) : []) },
                'graphql-ws: a message could not be handled',
              );
              closeWith(socket, CloseCode.InternalServerError, 'Internal server error');
            }
          });
        },
        // A graphql-ws `ping` is answered like any message, through the flow control; its payload is
        // echoed only when small (a 1 MiB ping must not become a 1 MiB pong).
        onPing: (payload) =>
          send(
            JSON.stringify(
              payload !== undefined && JSON.stringify(payload).length <= 1024
                ? { type: 'pong', payload }
                : { type: 'pong' },
            ),
          ),
      },
      { connection },
    );
    socket.once('close', (code, reason) => {
      connection.flow.dispose();
      release(connection);
      for (const id of [...connection.operations.keys()]) settle(connection, id);
      closed(code, String(reason)).catch((error: unknown) =>
        logger.error(
          { err: describeError(error, []) },
          'graphql-ws: a closed socket could not be cleaned up',
        ),
      );
    });
  });
  wss.on('error', (error) =>
    logger.error({ err: describeError(error, []) }, 'graphql-ws: the WebSocket server failed'),
  );

  // One keep-alive timer for all sockets: ping, and cut a socket that has not answered the previous ping.
  const keepAlive = setInterval(() => {
    for (const socket of wss.clients) {
      const connection = connections.get(socket);
      if (!connection) continue;
      if (!connection.alive) {
        socket.terminate();
        continue;
      }
      connection.alive = false;
      socket.ping();
    }
  }, limits.keepAliveMs);
  keepAlive.unref();

  return {
    async drain() {
      draining = true;
      clearInterval(keepAlive);
      const sockets = [...wss.clients];
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === socket.CLOSED) return resolve();
              socket.once('close', () => resolve());
              closeWith(socket, CLOSE_SERVICE_RESTART, RESTART_REASON);
              // ws cuts a peer that does not answer the close after closeTimeoutMs; this is its backstop.
              setTimeout(() => socket.terminate(), limits.closeTimeoutMs + 500).unref();
            }),
        ),
      );
    },
    get connections() {
      return wss.clients.size;
    },
    get operations() {
      return operations;
    },
    flow() {
      const flow = { pausedForRate: 0, pausedForSendBuffer: 0, bufferedBytes: 0, largestBufferedBytes: 0 };
      for (const socket of wss.clients) {
        const pausedBy = connections.get(socket)?.flow.pausedBy;
        if (pausedBy?.has('rate')) flow.pausedForRate++;
        if (pausedBy?.has('send-buffer')) flow.pausedForSendBuffer++;
        flow.bufferedBytes += socket.bufferedAmount;
        flow.largestBufferedBytes = Math.max(flow.largestBufferedBytes, socket.bufferedAmount);
      }
      return flow;
    },
  };
}
