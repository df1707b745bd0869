// The production transport: a fetch-compatible function over undici's `request` on a pooled keep-alive
// Agent. On Node 20 this is several times cheaper per call than the global fetch, and the pool bounds the
// number of sockets to the upstream. Tests inject the simulator's handler instead (same FetchLike seam).
import { Agent, request } from 'undici';
import { MAX_UPSTREAM_BODY_BYTES, readBytesCapped } from './body';
import type { FetchLike } from './client';

export interface UndiciTransportOptions {
  /** Max sockets per upstream origin. */
  connections?: number;
  keepAliveTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * undici's own headers/body timeouts: a backstop only. Deadlines are enforced by the client's AbortSignal;
   * should an abort ever not reach a request, its socket is still released instead of being held until the
   * upstream answers. Set it a little above the client's deadline.
   */
  socketTimeoutMs?: number;
  /** Largest response body read (default 16 MiB); past it the read fails and the socket is dropped. */
  maxBodyBytes?: number;
}

export interface UndiciTransport {
  fetch: FetchLike;
  close(): Promise<void>;
}

export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const agent = new Agent({
    connections: options.connections ?? 128,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
    headersTimeout: options.socketTimeoutMs ?? 31_000,
    bodyTimeout: options.socketTimeoutMs ?? 31_000,
  });

  const fetch: FetchLike = async (input, init) => {
    const url = typeof input === 'string' || input instanceof URL ? String(input) : input.url;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const response = await request(url, {
      method: (init?.method ?? 'GET') as 'POST',
      headers,
      body,
      signal: init?.signal ?? undefined,
      dispatcher: agent,
    });
    const length = response.headers['content-length'];
    const bytes = await readBytesCapped(
      response.body,
      options.maxBodyBytes ?? MAX_UPSTREAM_BODY_BYTES,
      typeof length === 'string' ? length : undefined,
    );
    return preRead(response.statusCode, response.headers, bytes);
  };

  let closing: Promise<void> | undefined;
  return { fetch, close: () => (closing ??= agent.close()) };
}

/**
 * The answer as the client reads it — `status`, `headers.get()` and a `body` to iterate — without building
 * WHATWG Headers and a Response around bytes that were already read (that cost ~3% of a 100-job page).
 */
function preRead(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bytes: Buffer,
): Response {
  const get = (name: string) => {
    const value = headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return { status, headers: { get }, body: bytes.length > 0 ? [bytes] : null } as unknown as Response;
}
