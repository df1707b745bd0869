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

/** Why an address cannot be listened on, by error code: the port's problems, then the host's. */
const LISTEN_PROBLEMS: Readonly<Record<string, (host: string) => string>> = {
  EADDRINUSE: () =>
    'the port is already in use (another process listens there): stop it or choose another port',
  EACCES: () => 'the port needs privileges this process does not have: choose a port above 1023',
  EADDRNOTAVAIL: () => 'the port is on an address this machine does not have: check the host',
  ENOTFOUND: (host) =>
    `the host ${host} is not an address or a known name: use an IP address of this machine (0.0.0.0 for all, 127.0.0.1 for local only) or a name that resolves to one`,
  EAI_AGAIN: (host) =>
    `the host ${host} could not be resolved (DNS did not answer): use an IP address, or try again`,
  EAI_FAIL: (host) => `the host ${host} could not be resolved (DNS failed): use an IP address`,
  EAI_NONAME: (host) => `the host ${host} is not an address or a known name: use an IP address`,
  EINVAL: (host) => `the host ${host} cannot be listened on: use an IP address of this machine`,
};

/** Listens, or ends the process with one line and exit code 2 when the address cannot be used. */
export function listenOrExit(server: Server, port: number, host: string, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => exitOnListenError(error, what, port, host));
}

/** For launchers: an address that cannot be listened on is a configuration error (one line, exit 2). */
export function exitOnListenError(error: unknown, what: string, port: number, host: string): never {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const problem = LISTEN_PROBLEMS[code];
  if (!problem) throw error;
  // The host is the operator's own setting, shown (bounded, on one line) so that a typo is visible.
  const plain = [...host.slice(0, 100)]
    .map((char) => (char < ' ' || char === '\u007f' ? '?' : char))
    .join('');
  const line = `${what} cannot listen on ${plain}:${port}: ${problem(JSON.stringify(plain))}`;
  process.stderr.write(`jobs-gateway: ${line}.\n`);
  process.exit(2);
}
