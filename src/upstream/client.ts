// The upstream client: `listJobs` and `getJob` over an injected fetch-compatible transport, for whichever API
// version its adapter speaks (v1/, v2/). It owns what every version shares: credentials pass-through,
// deadlines, retries, the breaker, per-tenant fair share, response size bounds, redaction; the adapter owns
// the requests, the decoding and the error model. Nothing of GraphQL here.

import type { UpstreamAdapter, UpstreamRequest } from './adapter';
import { BodyTooLargeError, MAX_UPSTREAM_BODY_BYTES, readTextCapped } from './body';
import { isRecord, WirePayloadError } from './decode';
import { describeContentType, parseRetryAfter, UpstreamError } from './errors';
import { createTenantLimiter } from './fair-share';
import type { Job, ListJobsPage, ListJobsQuery, UpstreamCapabilities } from './model';
import { backoffDelayMs, isRateLimited, isTransient, sleep } from './retry';
import type { CallSharing } from './sharing';

/**
 * The transport seam: any WHATWG fetch (global fetch, undici, or a test's in-process handler). Of the answer,
 * the client reads only `status`, `headers.get(name)` and `body` (iterated), so a transport may hand back a
 * lighter object with just those (transport.ts does).
 */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The caller's credentials, passed through unchanged on each call and never stored by the client. */
export interface Credentials {
  apiKey?: string;
  authorization?: string;
  customerId?: string;
}

export interface CallOptions {
  credentials: Credentials;
  /** The caller's cancellation (e.g. the GraphQL request's signal). */
  signal?: AbortSignal;
  /** Absolute deadline in ms since the epoch (on the client's clock); defaults to now + timeoutMs. */
  deadline?: number;
  requestId?: string;
  /** The caller's credential fingerprint: lets the breaker tell one tenant's failures from everyone's. */
  tenant?: string;
  /** The caller's trace context (an OpenTelemetry Context), parent of the attempts' spans. */
  trace?: unknown;
  /** Never answer from the response cache (job watch polls must see changes). */
  fresh?: boolean;
}

/** Spans for upstream attempts (tracing.ts); optional. */
export interface AttemptTracer {
  start(attempt: {
    operation: 'list' | 'get';
    method: string;
    urlTemplate: string;
    host: string;
    retry: number;
    parent: unknown;
  }): { headers: Record<string, string>; end(outcome: string, httpStatus?: number): void };
}

/** One attempt's outcome, reported for metrics and logs. */
export interface AttemptEvent {
  requestId: string | undefined;
  outcome: 'success' | UpstreamError['kind'];
  httpStatus: number | undefined;
  durationMs: number;
  willRetry: boolean;
}

/** Fails fast while the upstream is known to be down (see the breaker); optional. */
export interface CallGuard {
  /** Throws an UpstreamError of kind 'circuit-open' when calls are refused. */
  before(): void;
  /**
   * true: the upstream answered; false: it failed transiently; undefined: no verdict (cancelled).
   * `tenant` is the caller's credential fingerprint (fairness across tenants).
   */
  after(upstreamUp: boolean | undefined, tenant?: string): void;
}

export interface UpstreamClientOptions {
  /** The API version spoken (v1/adapter.ts or v2/adapter.ts). */
  adapter: UpstreamAdapter;
  baseUrl: string;
  fetch: FetchLike;
  /** Overall deadline per call, retries included. */
  timeoutMs: number;
  /** Per-attempt timeout (defaults to the overall deadline). */
  attemptTimeoutMs?: number;
  retries: number;
  now?: () => number;
  random?: () => number;
  onAttempt?: (event: AttemptEvent) => void;
  guard?: CallGuard;
  /** Waits between attempts (injectable so tests can check delays without waiting). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Largest upstream response body read (default 16 MiB); a larger one is UPSTREAM_ERROR. */
  maxBodyBytes?: number;
  /** Upstream calls of one credential (CallOptions.tenant) running at once; more wait (fair-share.ts). */
  maxConcurrentPerTenant?: number;
  tracer?: AttemptTracer;
  /** Shares identical calls of one credential (in flight, and within RESPONSE_CACHE_TTL_MS when set). */
  sharing?: CallSharing;
}

/**
 * Longest page key accepted from the upstream, in UTF-8 bytes: 16 KiB, four times the longest key seen
 * from Vectara (~4,400 characters), since the upstream decides their length. Every accepted key fits in a
 * cursor (pagination/cursor.ts sizes MAX_CURSOR_LENGTH from it); a longer one is a malformed response.
 */
export const MAX_PAGE_KEY_BYTES = 16 * 1024;

export interface UpstreamClient {
  /** What the configured API version accepts (for validation above the client). */
  readonly capabilities: UpstreamCapabilities;
  listJobs(query: ListJobsQuery, call: CallOptions): Promise<ListJobsPage>;
  /** One job by id, whatever its state; null when the upstream has no such job (404 / NOT_FOUND / absent). */
  getJob(jobId: string, call: CallOptions): Promise<Job | null>;
  /** Forgets the answers kept for one credential (its fingerprint): a watched job of theirs changed. */
  invalidate(tenant: string): void;
}

const TIMEOUT_REASON = Symbol('attempt-timeout');

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const { adapter } = options;
  const base = options.baseUrl.replace(/\/+$/, '');
  /** The upstream's host, for messages (never a path or credentials). */
  const host = new URL(base).host;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? options.timeoutMs;
  const wait = options.sleep ?? sleep;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_UPSTREAM_BODY_BYTES;
  const limiter =
    options.maxConcurrentPerTenant === undefined
      ? undefined
      : createTenantLimiter(options.maxConcurrentPerTenant);

  async function attempt<T>(
    request: UpstreamRequest,
    decode: (body: Record<string, unknown>) => T,
    call: CallOptions,
    deadline: number,
    retry: number,
  ): Promise<T> {
    const traced = options.tracer?.start({
      operation: request.operation,
      method: request.method,
      urlTemplate: request.urlTemplate,
      host,
      retry,
      parent: call.trace,
    });
    try {
      const result = await send(request, decode, call, deadline, traced?.headers);
      traced?.end('success', 200);
      return result;
    } catch (error) {
      const failed = error instanceof UpstreamError ? error : undefined;
      traced?.end(failed?.kind ?? 'network', failed?.httpStatus);
      throw error;
    }
  }

  async function send<T>(
    request: UpstreamRequest,
    decode: (body: Record<string, unknown>) => T,
    call: CallOptions,
    deadline: number,
    traceHeaders: Record<string, string> | undefined,
  ): Promise<T> {
    const secrets = [call.credentials.apiKey, call.credentials.authorization];
    const remaining = Math.max(1, Math.min(attemptTimeoutMs, deadline - now()));
    const controller = new AbortController();
    // A listener rather than AbortSignal.any: long-lived request signals leak with `any` on Node 20.
    const onCallerAbort = () => controller.abort(call.signal?.reason);
    call.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = setTimeout(() => controller.abort(TIMEOUT_REASON), remaining);
    try {
      // A caller that is already gone gets no upstream call at all.
      if (call.signal?.aborted) throw cancelled();
      let response: Response;
      let text: string;
      const send = () =>
        options
          .fetch(base + request.path, {
            method: request.method,
            headers: buildHeaders(call, request, { ...adapter.deadlineHeaders(remaining), ...traceHeaders }),
            body: request.body,
            signal: controller.signal,
          })
          .then(
            async (answer) =>
              [
                answer,
                await readTextCapped(answer.body, maxBodyBytes, answer.headers.get('content-length')),
              ] as const,
          );
      try {
        // Raced against the signal: a transport that ignores aborts must not outlive the deadline. Waiting
        // for the tenant's turn counts against the same deadline.
        [response, text] = await untilAborted(
          controller.signal,
          limiter ? limiter.run(call.tenant ?? '', controller.signal, send) : send(),
        );
      } catch (error) {
        throw transportError(error, controller.signal, remaining, host);
      }
      return interpret(adapter, response, text, secrets, now(), decode);
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** One logical call: attempts with retries, the breaker and metrics around them. */
  async function perform<T>(
    request: UpstreamRequest,
    decode: (body: Record<string, unknown>) => T,
    call: CallOptions,
  ): Promise<T> {
    const deadline = call.deadline ?? now() + options.timeoutMs;
    for (let retry = 0; ; retry++) {
      const started = now();
      try {
        options.guard?.before();
        const result = await attempt(request, decode, call, deadline, retry);
        options.guard?.after(true, call.tenant);
        options.onAttempt?.({
          requestId: call.requestId,
          outcome: 'success',
          httpStatus: 200,
          durationMs: now() - started,
          willRetry: false,
        });
        return result;
      } catch (caught) {
        const error = caught instanceof UpstreamError ? caught : unexpected(caught);
        error.attempts = retry + 1;
        const delay = nextDelay(error, retry, deadline);
        // The breaker hears how the upstream is doing: down (transient failure), up (it answered, even
        // with an error), or nothing (the caller cancelled). A refused call never reached it.
        if (error.kind !== 'circuit-open') {
          const up = error.kind === 'aborted' ? undefined : !(isTransient(error) && !isRateLimited(error));
          options.guard?.after(up, call.tenant);
        }
        options.onAttempt?.({
          requestId: call.requestId,
          outcome: error.kind,
          httpStatus: error.httpStatus,
          durationMs: now() - started,
          willRetry: delay !== undefined,
        });
        if (delay === undefined) throw error;
        await wait(delay, call.signal).catch(() => {
          throw cancelled();
        });
      }
    }
  }

  /** A call identical to one of the same credential still running (or answered recently) is shared. */
  function shared<T>(
    request: UpstreamRequest,
    decode: (body: Record<string, unknown>) => T,
    call: CallOptions,
  ): Promise<T> {
    if (!options.sharing || !call.tenant) return perform(request, decode, call);
    if (call.signal?.aborted) return Promise.reject(cancelled());
    const key = `${call.tenant}\u0000${request.method} ${request.path}\u0000${request.body ?? ''}`;
    return options.sharing
      .run(key, call.signal, (signal) => perform(request, decode, { ...call, signal }), call.fresh)
      .catch((error: unknown) => {
        // This caller left before the shared call answered: the same cancellation as an unshared call.
        if (call.signal?.aborted && !(error instanceof UpstreamError)) throw cancelled();
        throw error;
      });
  }

  return {
    capabilities: adapter.capabilities,
    invalidate(tenant) {
      options.sharing?.invalidate(`${tenant}\u0000`);
    },
    async listJobs(query, call) {
      const page = await shared(adapter.listRequest(query), adapter.decodePage, call);
      if (
        page.pageKey.length > MAX_PAGE_KEY_BYTES / 3 &&
        Buffer.byteLength(page.pageKey) > MAX_PAGE_KEY_BYTES
      ) {
        throw new UpstreamError({
          kind: 'payload',
          message: `The upstream's response is malformed: its page key is longer than ${MAX_PAGE_KEY_BYTES} bytes.`,
          httpStatus: 200,
        });
      }
      return page;
    },
    async getJob(jobId, call) {
      try {
        return await shared(adapter.getRequest(jobId), (body) => adapter.decodeJob(body, jobId), call);
      } catch (error) {
        // "No such job" is an answer, not a failure: null, on either version's way of saying it.
        if (error instanceof UpstreamError && (error.httpStatus === 404 || error.code === 'NOT_FOUND'))
          return null;
        throw error;
      }
    },
  };

  /** The wait before the next attempt, or undefined when the error is final. */
  function nextDelay(error: UpstreamError, retry: number, deadline: number): number | undefined {
    if (retry >= options.retries || !isTransient(error)) return undefined;
    let delay = backoffDelayMs(retry, random);
    if (isRateLimited(error) && error.retryAfterSeconds !== undefined) {
      delay = Math.max(delay, error.retryAfterSeconds * 1000);
    }
    // Waiting past the deadline only to fail then helps no one: fail now with what we know.
    return now() + delay < deadline - 1 ? delay : undefined;
  }
}

function buildHeaders(
  call: CallOptions,
  request: UpstreamRequest,
  deadline: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...deadline };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const { apiKey, authorization, customerId } = call.credentials;
  if (apiKey !== undefined) headers['x-api-key'] = apiKey;
  if (authorization !== undefined) headers.authorization = authorization;
  // v1 requires it; v2 does not use it, and it is harmless there: passed through whenever the caller sent one.
  if (customerId !== undefined) headers['customer-id'] = customerId;
  if (call.requestId !== undefined) headers['x-request-id'] = call.requestId;
  return headers;
}

function transportError(error: unknown, signal: AbortSignal, timeoutMs: number, host: string): UpstreamError {
  if (signal.aborted && signal.reason === TIMEOUT_REASON) {
    return new UpstreamError({
      kind: 'timeout',
      message: `The upstream did not answer within ${timeoutMs} ms.`,
      code: 'DEADLINE_EXCEEDED',
    });
  }
  if (signal.aborted) return cancelled();
  if (error instanceof BodyTooLargeError) {
    return new UpstreamError({ kind: 'payload', message: error.message, detail: error.message });
  }
  const code = networkCode(error);
  return new UpstreamError({
    kind: 'network',
    message: `Could not reach the upstream at ${host}${code ? ` (${code})` : ''}: check VECTARA_API_URL and the network.`,
    code,
    cause: error,
  });
}

/** The system error code (ECONNRESET, ECONNREFUSED, …) of a transport error or its causes. */
function networkCode(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 4 && isRecord(current); depth++) {
    if (typeof current.code === 'string') return current.code.replace(/[^A-Z0-9_]/gi, '').slice(0, 40);
    current = current.cause;
  }
  return undefined;
}

function interpret<T>(
  adapter: UpstreamAdapter,
  response: Response,
  text: string,
  secrets: (string | undefined)[],
  nowMs: number,
  decode: (body: Record<string, unknown>) => T,
): T {
  const httpStatus = response.status;
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'), nowMs);
  let body: unknown;
  let json = true;
  try {
    body = JSON.parse(text);
  } catch {
    json = false;
  }
  if (httpStatus < 200 || httpStatus > 299) {
    const reported = json ? adapter.httpError(httpStatus, body, secrets) : undefined;
    if (reported) return fail({ ...reported, httpStatus, retryAfterSeconds });
    const type = describeContentType(response.headers.get('content-type'), secrets);
    return fail({
      kind: 'http',
      message: `The upstream answered HTTP ${httpStatus} with ${json ? 'an unrecognised' : 'a non-JSON'} body (${type}).`,
      httpStatus,
      detail: `HTTP ${httpStatus} (${type})`,
      retryAfterSeconds,
    });
  }
  if (!json || !isRecord(body)) {
    return fail({
      kind: 'payload',
      message: 'The upstream answered with a body that is not a JSON object.',
      httpStatus,
    });
  }
  try {
    const reported = adapter.applicationError(body, secrets);
    if (reported) return fail({ ...reported, httpStatus, retryAfterSeconds });
    return decode(body);
  } catch (error) {
    if (error instanceof WirePayloadError) {
      return fail({
        kind: 'payload',
        message: `The upstream's response is malformed: ${error.message}.`,
        httpStatus,
      });
    }
    throw error;
  }
}

function fail(init: ConstructorParameters<typeof UpstreamError>[0]): never {
  throw new UpstreamError(init);
}

function cancelled(): UpstreamError {
  return new UpstreamError({ kind: 'aborted', message: 'The request was cancelled by the caller.' });
}

function unexpected(error: unknown): UpstreamError {
  return new UpstreamError({
    kind: 'network',
    message: 'The upstream call failed unexpectedly.',
    cause: error,
  });
}

/**
 * Settles with `work`, or rejects as soon as `signal` aborts, whichever comes first. `work` always gets a
 * handler: once abandoned, its late rejection must not become an unhandled rejection (a process crash).
 */
function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
