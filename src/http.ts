// The Node HTTP server in front of Yoga, with timeouts that hold against slow or idle clients: a request
// (headers and body) must arrive within `requestTimeoutMs`, its headers within `headersTimeoutMs`, and an
// idle keep-alive socket is closed after `keepAliveTimeoutMs`. Responses are not limited: SSE streams stay
// open (they carry a keep-alive ping every 12 s).
import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpTimeouts {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
};

export function createHttpServer(
  listener: RequestListener,
  timeouts: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS,
): Server {
  const server = createServer(
    {
      requestTimeout: timeouts.requestTimeoutMs,
      headersTimeout: Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs),
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (its default, 30 s, would let them overrun by as much).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, timeouts.headersTimeoutMs / 4)),
    },
    listener,
  );
  return server;
}
