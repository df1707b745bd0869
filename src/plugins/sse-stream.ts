// graphql-sse's "single connection mode" at /graphql/stream (Yoga's own SSE serves the "distinct
// connections" mode at /graphql), with the bounds the plain plugin lacks:
// - the request body limit of /graphql (413 past it, also for bodies without a content-length);
// - at most `maxReservations` reserved streams at once (429 past it); a reservation that no event stream
//   connects to within `reservationTtlMs` is disposed, with every operation posted to it;
// - drain(): every open event stream is ended at once (graceful shutdown), and new ones are refused.
// Operations are executed through Yoga's envelop (the same plugins, limits, budget and context as /graphql).
import { randomUUID } from 'node:crypto';
import { getOperationAST } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin } from 'graphql-yoga';
import { BodyTooLargeError, readTextCapped } from '../upstream/body';

export interface SseStreamOptions {
  endpoint?: string;
  maxBodyBytes: number;
  maxReservations?: number;
  reservationTtlMs?: number;
}

export const STREAM_LIMITS = { maxReservations: 1000, reservationTtlMs: 30_000 } as const;

const TOKEN_HEADER = 'x-graphql-event-stream-token';

export interface SseStreamPlugin extends Plugin {
  /** Ends every open event stream and refuses new ones (graceful shutdown). */
  drain(): void;
  /** Reserved streams, connected or not. */
  readonly reservations: number;
}

interface Reservation {
  timer: ReturnType<typeof setTimeout> | undefined;
  connected: boolean;
}

export function useGraphQLStream(options: SseStreamOptions): SseStreamPlugin {
  const endpoint = options.endpoint ?? '/graphql/stream';
  const maxReservations = options.maxReservations ?? STREAM_LIMITS.maxReservations;
  const ttlMs = options.reservationTtlMs ?? STREAM_LIMITS.reservationTtlMs;
  const reservations = new Map<string, Reservation>();
  let draining = false;
  const openStreams = new Set<AbortController>();
  const serverContexts = new WeakMap<Request, unknown>();
  let handler: ((request: Request) => Promise<Response>) | undefined;
  let fetchAPI: { Request: typeof Request; Response: typeof Response } | undefined;

  const json = (status: number, message: string) =>
    new (fetchAPI?.Response ?? Response)(JSON.stringify({ errors: [{ message }] }), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });

  const forget = (token: string) => {
    const reservation = reservations.get(token);
    if (reservation?.timer) clearTimeout(reservation.timer);
    reservations.delete(token);
  };

  /** Disposes a stream through graphql-sse itself: connect to it, then cancel at once. */
  const dispose = async (token: string) => {
    forget(token);
    if (!handler) return;
    const controller = new AbortController();
    controller.abort();
    const response = await handler(
      new Request(`http://internal${endpoint}`, {
        headers: { accept: 'text/event-stream', [TOKEN_HEADER]: token },
        signal: controller.signal,
      }),
    ).catch(() => undefined);
    await response?.body?.cancel().catch(() => undefined);
  };

  const plugin: SseStreamPlugin = {
    onYogaInit({ yoga }) {
      fetchAPI = yoga.fetchAPI;
      handler = createHandler(
        {
          authenticate(request) {
            if (request.method !== 'PUT') return tokenOf(request.headers, request.url);
            if (reservations.size >= maxReservations) {
              return [
                JSON.stringify({
                  errors: [
                    { message: `Too many reserved streams (at most ${maxReservations}); try again later.` },
                  ],
                }),
                {
                  status: 429,
                  statusText: 'Too Many Requests',
                  headers: { 'content-type': 'application/json; charset=utf-8' },
                },
              ];
            }
            const token = randomUUID();
            const reservation: Reservation = { timer: undefined, connected: false };
            reservation.timer = setTimeout(() => {
              if (!reservation.connected) void dispose(token);
            }, ttlMs);
            reservation.timer.unref?.();
            reservations.set(token, reservation);
            return token;
          },
          onSubscribe(request, params) {
            const raw = request.raw as Request;
            const enveloped = yoga.getEnveloped({
              ...(serverContexts.get(raw) as object | undefined),
              request: raw,
              params,
            });
            const document = enveloped.parse(params.query);
            const errors = enveloped.validate(enveloped.schema, document);
            if (errors.length > 0) return { errors };
            return Promise.resolve(enveloped.contextFactory()).then((contextValue) => {
              const args = {
                schema: enveloped.schema,
                document,
                contextValue,
                variableValues: params.variables,
                operationName: params.operationName,
              };
              const operation = getOperationAST(document, params.operationName);
              return operation?.operation === 'subscription'
                ? enveloped.subscribe(args)
                : enveloped.execute(args);
            }) as never;
          },
        },
        yoga.fetchAPI,
      ) as unknown as (request: Request) => Promise<Response>;
    },
    onRequest({ request, url, endResponse, serverContext }) {
      if (url.pathname !== endpoint) return;
      return serve(request, serverContext).then(endResponse);
    },
    drain() {
      draining = true;
      for (const stream of [...openStreams]) stream.abort();
      openStreams.clear();
      for (const token of [...reservations.keys()]) void dispose(token);
    },
    get reservations() {
      return reservations.size;
    },
  };

  async function serve(request: Request, serverContext: unknown): Promise<Response> {
    if (!handler || !fetchAPI) return json(503, 'Not ready.');
    if (draining) return json(503, 'The gateway is shutting down.');
    const token = tokenOf(request.headers, request.url);
    const connecting = request.headers.get('accept') === 'text/event-stream';
    const reservation = token ? reservations.get(token) : undefined;
    if (connecting && reservation) {
      reservation.connected = true;
      if (reservation.timer) clearTimeout(reservation.timer);
    }
    let body: string | undefined;
    if (request.method === 'POST') {
      try {
        body = await readTextCapped(
          request.body,
          options.maxBodyBytes,
          request.headers.get('content-length'),
        );
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          return json(413, `Request body too large: at most ${options.maxBodyBytes} bytes.`);
        }
        throw error;
      }
    }
    // An event stream ends when its client goes, or at once on drain (graceful shutdown).
    let signal = request.signal;
    if (connecting) {
      const stream = new AbortController();
      const end = () => {
        openStreams.delete(stream);
        stream.abort();
        if (token) forget(token);
      };
      request.signal.addEventListener('abort', end, { once: true });
      openStreams.add(stream);
      signal = stream.signal;
    }
    const bounded = new fetchAPI.Request(request.url, {
      method: request.method,
      headers: request.headers,
      body,
      signal,
    });
    serverContexts.set(bounded, serverContext);
    return handler(bounded);
  }

  return plugin;
}

function tokenOf(
  headers: { get(name: string): string | null | undefined },
  requestUrl: string | undefined,
): string | undefined {
  return (
    headers.get(TOKEN_HEADER) ?? new URL(requestUrl ?? '', 'http://x').searchParams.get('token') ?? undefined
  );
}
