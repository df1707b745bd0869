// How a launcher (`npm start`, `npm run demo`, `npm run simulator`) ends (SPEC §9): one drain on the first
// SIGTERM or SIGINT however many arrive (npm, a terminal and systemd each forward them), in the order a load
// balancer can follow, and fatal errors logged before a non-zero exit. The launchers only say what to do at
// each step; the order, the bounds and the exit live here once.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { flushLogger, type Logger } from './logger';

export interface ShutdownPlan {
  /** The HTTP server whose connections are drained. */
  server: Server;
  logger?: Logger;
  /** Keep serving this long after the signal (SHUTDOWN_DELAY_MS), with /ready at 503. */
  delayMs: number;
  /** In-flight requests may take this long to finish once listening stops (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** At the signal, before anything else: readiness turns 503. */
  announce?(): void;
  /** Once the server stopped listening: end every stream (without `complete`: clients resubscribe). */
  endStreams?(): Promise<void> | void;
  /** Once every connection is gone: release what the process holds (upstream sockets, Redis, spans). */
  release?(): Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Logs uncaught exceptions and unhandled rejections at fatal level, then exits 1 (the log line is written
 * synchronously on exit by pino). Without a logger, one line goes to stderr.
 */
export function exitOnFatalErrors(logger?: Logger): void {
  const fatal = (message: string) => (error: unknown) => {
    if (logger) logger.fatal({ err: error }, message);
    else process.stderr.write(`${message}: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fatal('uncaught exception: exiting'));
  process.on('unhandledRejection', fatal('unhandled promise rejection: exiting'));
}

/**
 * Tracks the server's responses so that, once a drain starts, each one says `Connection: close` and its
 * socket closes after it (a keep-alive socket would otherwise take new requests, including new
 * subscriptions, until the forced close). Installed before the server takes its first request.
 */
function trackResponses(server: Server) {
  const open = new Set<ServerResponse>();
  let closing = false;
  let stopped = false;
  const onRequest = (_request: IncomingMessage, response: ServerResponse) => {
    if (closing) response.setHeader('connection', 'close');
    open.add(response);
    response.once('close', () => {
      open.delete(response);
      // A socket whose response ended after listening stopped is idle now: close it at once.
      if (stopped) setImmediate(() => server.closeIdleConnections());
    });
  };
  server.prependListener('request', onRequest);
  return {
    get open() {
      return open.size;
    },
    /** Every response from now on, and each in flight that has not sent its headers, closes its socket. */
    close() {
      closing = true;
      for (const response of open) {
        if (!response.headersSent) response.setHeader('connection', 'close');
      }
    },
    /** Listening stopped: no socket is kept once idle. */
    stop() {
      stopped = true;
      server.closeIdleConnections();
    },
  };
}

/**
 * Runs `plan` on the first SIGTERM or SIGINT, then exits 0 (1 if a step fails). A repeated signal is
 * logged and otherwise ignored: it neither restarts nor cuts short the drain. Call it before the server
 * takes its first request.
 */
export function drainOnSignal(plan: ShutdownPlan): void {
  const responses = trackResponses(plan.server);
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      plan.logger?.info({ signal }, 'already shutting down: signal ignored');
      return;
    }
    started = true;
    drain(plan, responses, signal).then(
      () => exit(plan.logger, 0),
      (error: unknown) => {
        plan.logger?.error({ err: error }, 'shutdown failed');
        exit(plan.logger, 1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

async function drain(
  plan: ShutdownPlan,
  responses: ReturnType<typeof trackResponses>,
  signal: NodeJS.Signals,
): Promise<void> {
  const { server, logger } = plan;
  logger?.info(
    { signal, delayMs: plan.delayMs, timeoutMs: plan.timeoutMs },
    'shutting down: /ready answers 503; serving on until the load balancer has stopped sending',
  );
  plan.announce?.();
  responses.close();
  if (plan.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));

  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  responses.stop();
  logger?.info(
    { inFlight: responses.open },
    'stopped listening; ending streams, finishing in-flight requests',
  );
  // The bound runs from here, whatever the next steps take.
  let cut = 0;
  const force = setTimeout(() => {
    cut = responses.open;
    server.closeAllConnections();
  }, plan.timeoutMs);
  // A step that never ends (a socket the server does not own, a backend that does not answer) cannot hold
  // the process: past this, it exits 1.
  const watchdog = setTimeout(() => {
    logger?.error({ afterMs: plan.timeoutMs + OVERRUN_MS }, 'shutdown did not finish: exiting');
    exit(logger, 1);
  }, plan.timeoutMs + OVERRUN_MS);
  await plan.endStreams?.();
  await closed;
  clearTimeout(force);
  if (cut > 0)
    logger?.warn({ cut, timeoutMs: plan.timeoutMs }, 'cut requests still running at the shutdown bound');
  await plan.release?.();
  clearTimeout(watchdog);
  logger?.info('shut down');
}

/** How long after SHUTDOWN_TIMEOUT_MS the last steps (closing sockets, releasing resources) may take. */
const OVERRUN_MS = 5000;

/** A flush that cannot finish (stdout gone) does not hold the exit up longer than this. */
const FLUSH_BOUND_MS = 2000;

function exit(logger: Logger | undefined, code: number): void {
  if (!logger) process.exit(code);
  const bound = new Promise((resolve) => setTimeout(resolve, FLUSH_BOUND_MS));
  void Promise.race([flushLogger(logger), bound]).finally(() => process.exit(code));
}
