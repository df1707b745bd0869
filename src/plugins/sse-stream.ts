// graphql-sse's "single connection mode" at /graphql/stream (Yoga's own SSE serves the "distinct
// connections" mode at /graphql), with the bounds the plain plugin lacks:
// - the request body limit of /graphql (413 past it, also for bodies without a content-length);
// - reserved streams counted against the caller's credentials (keyed fingerprints of its x-api-key and its
//   authorization, each on its own): at most `perCredential` for each, `anonymous` for all callers without
//   credentials together, and `maxReservations` in all (429 RATE_LIMITED past any of them), so callers
//   without credentials, or with one credential, cannot hold the reservations other tenants need; when all
//   `maxReservations` are taken, a new one takes the place of the oldest idle one (no operation running on
//   it: connected and idle, or never connected), so streams held idle under made-up keys cannot lock
//   tenants out either, and only streams that run operations are refused their place; a reservation that
//   no event stream connects to within `reservationTtlMs` is disposed, with every operation posted to it;
// - drain(): every open event stream is ended at once (graceful shutdown), and new ones are refused.
// Operations are executed through Yoga's envelop (the same plugins, limits, budget and context as /graphql).
// Every refusal of an operation (no credentials, a syntax or validation error, a limit) is a GraphQL result
// (`data: null` + errors with the codes /graphql gives), streamed as a `next` event then `complete`: the
// graphql-sse handler takes an object without `data` for execution arguments, not for a result.
import { randomUUID } from 'node:crypto';
import { type ExecutionResult, GraphQLError, getOperationAST } from 'graphql';
import type { Response as SseResponse } from 'graphql-sse';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin } from 'graphql-yoga';
import { createFingerprinter, credentialsFrom, type Fingerprinter, quotaKeysOf } from '../credentials';
import { BodyTooLargeError, readTextCapped } from '../upstream/body';
import { recodeErrors } from './input-errors';

export interface SseStreamOptions {
  endpoint?: string;
  maxBodyBytes: number;
  /** Reserved streams in all. */
  maxReservations?: number;
  /** Reserved streams per credential (each of x-api-key and authorization counts on its own). */
  perCredential?: number;
  /** Reserved streams of all callers without credentials together. */
  anonymous?: number;
  reservationTtlMs?: number;
  /** Keyed fingerprints of credentials (the gateway's, or one with a random per-process secret). */
  fingerprint?: Fingerprinter;
  /** The text to run for the params received (persisted documents), or the error that refuses them. */
  resolveDocument?: (params: { query?: unknown; extensions?: unknown }) => string | GraphQLError;
}

export const STREAM_LIMITS = {
  maxReservations: 1000,
  perCredential: 50,
  anonymous: 20,
  reservationTtlMs: 30_000,
} as const;

/** The quota key of callers without credentials (fingerprints are base64url, never empty). */
const ANONYMOUS = '';

const TOKEN_HEADER = 'x-graphql-event-stream-token';

export interface SseStreamPlugin extends Plugin {
  /** Ends every open event stream and refuses new ones (graceful shutdown). */
  drain(): void;
  /** Reserved streams, connected or not. */
  readonly reservations: number;
  /** Idle reservations ended to make room for new ones since start. */
  readonly evictedReservations: number;
}

interface Reservation {
  timer: ReturnType<typeof setTimeout> | undefined;
  connected: boolean;
  /** Its event stream, once connected (aborting it ends the stream). */
  stream?: AbortController;
  /** Operations running on it (between graphql-sse's onSubscribe and onComplete). */
  operations: number;
  /** What it counts against: its credentials' fingerprints, or ANONYMOUS. */
  holders: readonly string[];
}

export function useGraphQLStream(options: SseStreamOptions): SseStreamPlugin {
  const endpoint = options.endpoint ?? '/graphql/stream';
  const maxReservations = options.maxReservations ?? STREAM_LIMITS.maxReservations;
  const perCredential = options.perCredential ?? STREAM_LIMITS.perCredential;
  const anonymous = options.anonymous ?? STREAM_LIMITS.anonymous;
  const ttlMs = options.reservationTtlMs ?? STREAM_LIMITS.reservationTtlMs;
  const fingerprint = options.fingerprint ?? createFingerprinter();
  const reservations = new Map<string, Reservation>();
  /** Reservations per holder (credential fingerprint or ANONYMOUS). */
  const held = new Map<string, number>();
  let evicted = 0;
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
    if (!reservation) return;
    if (reservation.timer) clearTimeout(reservation.timer);
    reservations.delete(token);
    for (const holder of reservation.holders) {
      const left = (held.get(holder) ?? 1) - 1;
      if (left > 0) held.set(holder, left);
      else held.delete(holder);
    }
  };

  /** Ends the oldest reservation that runs no operation, to make room; false when every one is busy. */
  const evictIdle = (): boolean => {
    for (const [token, reservation] of reservations) {
      if (reservation.operations > 0) continue;
      if (reservation.stream) {
        reservation.stream.abort();
        forget(token);
      } else {
        void dispose(token);
      }
      evicted++;
      return true;
    }
    return false;
  };

  /** Who a reservation counts against, or the 429 that refuses it. */
  const admit = (headers: Headers): { holders: readonly string[] } | { refusal: SseResponse } => {
    const credentials = credentialsFrom(headers);
    const holders = credentials ? quotaKeysOf(fingerprint, credentials) : [ANONYMOUS];
    const cap = credentials ? perCredential : anonymous;
    let refusal: { limit: string; message: string } | undefined;
    if (holders.some((holder) => (held.get(holder) ?? 0) >= cap)) {
      refusal = credentials
        ? {
            limit: 'per-credential',
            message: `These credentials already hold ${cap} reserved streams (the most allowed); close some before reserving more.`,
          }
        : {
            limit: 'anonymous',
            message: `Callers without credentials hold ${cap} reserved streams together at most; send x-api-key or authorization with the reservation.`,
          };
    } else if (reservations.size >= maxReservations && !evictIdle()) {
      refusal = {
        limit: 'total',
        message: `This gateway holds its maximum of ${maxReservations} reserved streams, each running operations; try again later.`,
      };
    }
    if (refusal) {
      const error = {
        message: refusal.message,
        extensions: { code: 'RATE_LIMITED', reason: 'STREAM_LIMIT', limit: refusal.limit },
      };
      return {
        refusal: [
          JSON.stringify({ errors: [error] }),
          {
            status: 429,
            statusText: 'Too Many Requests',
            headers: { 'content-type': 'application/json; charset=utf-8' },
          },
        ],
      };
    }
    for (const holder of holders) held.set(holder, (held.get(holder) ?? 0) + 1);
    return { holders };
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
            const admission = admit((request.raw as Request).headers);
            if ('refusal' in admission) return admission.refusal;
            const token = randomUUID();
            const reservation: Reservation = {
              timer: undefined,
              connected: false,
              operations: 0,
              holders: admission.holders,
            };
            reservation.timer = setTimeout(() => {
              if (!reservation.connected) void dispose(token);
            }, ttlMs);
            reservation.timer.unref?.();
            reservations.set(token, reservation);
            return token;
          },
          onSubscribe(request, params) {
            const raw = request.raw as Request;
            // Busy from here until onComplete: not a candidate for eviction.
            const token = tokenOf(raw.headers, raw.url);
            const reservation = token ? reservations.get(token) : undefined;
            if (reservation) reservation.operations++;
            const text = options.resolveDocument ? options.resolveDocument(params) : params.query;
            if (typeof text !== 'string') return refused([text]) as never;
            const enveloped = yoga.getEnveloped({
              ...(serverContexts.get(raw) as object | undefined),
              request: raw,
              params: { ...params, query: text },
            });
            let document: ReturnType<typeof enveloped.parse>;
            try {
              document = enveloped.parse(text);
            } catch (error) {
              return refused([error]) as never;
            }
            const errors = enveloped.validate(enveloped.schema, document);
            if (errors.length > 0) return refused(errors) as never;
            return Promise.resolve(enveloped.contextFactory())
              .then((contextValue) => {
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
              })
              .then(asResult, (error: unknown) => refused([error])) as never;
          },
          onComplete(_context, request) {
            const token = tokenOf(request.headers, request.url);
            const reservation = token ? reservations.get(token) : undefined;
            if (reservation && reservation.operations > 0) reservation.operations--;
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
    get evictedReservations() {
      return evicted;
    },
  };

  async function serve(request: Request, serverContext: unknown): Promise<Response> {
    if (!handler || !fetchAPI) return json(503, 'Not ready.');
    if (draining) return json(503, 'The gateway is shutting down.');
    const token = tokenOf(request.headers, request.url);
    const connecting = request.headers.get('accept') === 'text/event-stream';
    const reservation = token ? reservations.get(token) : undefined;
    // Only the first event stream of a reservation is its stream: a second one (refused by graphql-sse with
    // 409) must not end the reservation when it goes.
    const owner = connecting && reservation !== undefined && !reservation.connected ? reservation : undefined;
    if (owner) {
      owner.connected = true;
      if (owner.timer) clearTimeout(owner.timer);
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
      if (owner) owner.stream = stream;
      const end = () => {
        openStreams.delete(stream);
        stream.abort();
        if (owner && token && reservations.get(token) === owner) forget(token);
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

/** A result graphql-sse streams as one: async iterables as they are, anything else with `data`. */
function asResult(result: unknown): unknown {
  if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) return result;
  const single = (result ?? {}) as ExecutionResult;
  if (!single.errors?.length) return { data: null, ...single };
  return { ...single, data: single.data ?? null, errors: recodeErrors(single.errors.map(publicError)) };
}

/** A refusal before execution (syntax, validation, context): `data: null` and its errors. */
function refused(errors: readonly unknown[]): ExecutionResult {
  return { data: null, errors: recodeErrors(errors.map(publicError)) };
}

/**
 * An error as /graphql shows it: Yoga's `http` hints stay inside, anything that is not a GraphQLError is
 * masked (the same text Yoga's masking gives).
 */
function publicError(error: unknown): GraphQLError {
  if (!(error instanceof GraphQLError)) {
    return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  }
  if (!error.extensions || !('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
}

function tokenOf(
  headers: { get(name: string): string | null | undefined },
  requestUrl: string | undefined,
): string | undefined {
  return (
    headers.get(TOKEN_HEADER) ?? new URL(requestUrl ?? '', 'http://x').searchParams.get('token') ?? undefined
  );
}
