// Attacks of `npm run attack` on /graphql/stream and on the Redis the fleet coordinates through, as functions
// that take what they need (a running gateway's URL, the redis-server process, a poll counter) and return
// their figures; test/attack/run.ts starts the processes and prints the figures. Each is bounded in time
// and closes everything it opens.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Peak resident set size of a process (VmHWM), in MiB; undefined when it cannot be read. */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

const TOKEN_HEADER = 'x-graphql-event-stream-token';

/** A stream held open: its response stays referenced (fetch closes the connection of a collected one). */
interface Held {
  controller: AbortController;
  response?: Response;
}

/** Reserves a stream and connects its event stream, left idle; the status and the held connection. */
async function holdStream(
  url: string,
  headers: Record<string, string>,
  held: Held[],
): Promise<{ status: number; code?: string }> {
  const reservation = await fetch(`${url}/graphql/stream`, { method: 'PUT', headers });
  const text = await reservation.text();
  if (reservation.status !== 201) {
    let code: string | undefined;
    try {
      code = JSON.parse(text).errors?.[0]?.extensions?.limit;
    } catch {
      code = undefined;
    }
    return { status: reservation.status, code };
  }
  const hold: Held = { controller: new AbortController() };
  held.push(hold);
  const stream = await fetch(`${url}/graphql/stream`, {
    headers: { ...headers, accept: 'text/event-stream', [TOKEN_HEADER]: text },
    signal: hold.controller.signal,
  });
  // Nothing is read from it: an idle client holding its stream.
  hold.response = stream;
  return { status: stream.status };
}

/** One operation over graphql-sse's single connection mode: reserve, connect, post, read the first event. */
export async function streamOnce(
  url: string,
  headers: Record<string, string>,
  query: string,
): Promise<unknown> {
  const reservation = await fetch(`${url}/graphql/stream`, { method: 'PUT', headers });
  if (reservation.status !== 201) return { refused: reservation.status };
  const token = await reservation.text();
  const controller = new AbortController();
  try {
    const stream = await fetch(`${url}/graphql/stream`, {
      headers: { ...headers, accept: 'text/event-stream', [TOKEN_HEADER]: token },
      signal: controller.signal,
    });
    const posted = await fetch(`${url}/graphql/stream`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', [TOKEN_HEADER]: token },
      body: JSON.stringify({ query, extensions: { operationId: 'attack' } }),
    });
    await posted.text();
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { ended: true };
      buffer += value;
      const next = /event: next\ndata: (.*)\n/.exec(buffer);
      if (next) return (JSON.parse(next[1]!) as { payload: unknown }).payload;
    }
  } finally {
    controller.abort();
  }
}

export interface ReservationLockFigures {
  anonymousAttempts: number;
  anonymousHeld: number;
  oneCredentialAttempts: number;
  oneCredentialHeld: number;
  /** Streams held idle under a new made-up key each (past the total cap they replace each other). */
  madeUpKeysAttempts: number;
  /** What a refused reservation said (the limit that refused it). */
  refusedBy: string[];
  /** Another tenant's operation over /graphql/stream while all of the above are held. */
  otherTenant: unknown;
  alive: boolean;
  peakRssMiB: number | undefined;
}

/**
 * /graphql/stream locked by idle streams: `attempts` reservations without credentials, as many with one
 * (made-up) key, and as many with a new made-up key each (past the total cap), each connected and left
 * idle; then another tenant reserves and runs `{ __typename }`.
 */
export async function attackStreamReservations(options: {
  url: string;
  otherTenant: Record<string, string>;
  child?: ChildProcess;
  attempts?: number;
}): Promise<ReservationLockFigures> {
  const attempts = options.attempts ?? 1000;
  const held: Held[] = [];
  const refusedBy = new Set<string>();
  try {
    const hoard = async (headers: (i: number) => Record<string, string>) => {
      let count = 0;
      // Ten at a time: fast, without opening thousands of sockets at once.
      for (let i = 0; i < attempts; i += 10) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(10, attempts - i) }, (_, j) =>
            holdStream(options.url, headers(i + j), held),
          ),
        );
        for (const result of batch) {
          if (result.status === 200) count++;
          else refusedBy.add(`${result.status} ${result.code ?? ''}`.trim());
        }
      }
      return count;
    };
    const anonymousHeld = await hoard(() => ({}));
    const oneCredentialHeld = await hoard(() => ({ 'x-api-key': 'made-up-attack-key' }));
    await hoard((i) => ({ 'x-api-key': `made-up-attack-key-${i}` }));
    const otherTenant = await streamOnce(options.url, options.otherTenant, '{ __typename }');
    return {
      anonymousAttempts: attempts,
      anonymousHeld,
      oneCredentialAttempts: attempts,
      oneCredentialHeld,
      madeUpKeysAttempts: attempts,
      refusedBy: [...refusedBy],
      otherTenant,
      alive: options.child ? options.child.exitCode === null && options.child.signalCode === null : true,
      peakRssMiB: peakRssMiB(options.child?.pid),
    };
  } finally {
    for (const hold of held) hold.controller.abort();
  }
}

export interface RedisPausedFigures {
  watches: number;
  pauseMs: number;
  pollIntervalMs: number;
  /** Upstream job polls in the `pauseMs` before the pause, during it, and after SIGCONT. */
  pollsBefore: number;
  pollsWhilePaused: number;
  pollsAfter: number;
  /** A subscription started during the pause: its first event (state), or what it got instead. */
  newSubscriptionFirstEvent: string;
  coordinationMetric: { before?: string; paused?: string; after?: string };
  alive: boolean;
  peakRssMiB: number | undefined;
}

/**
 * Redis paused (SIGSTOP) while `watches` jobUpdated subscriptions run on a gateway with REDIS_URL: upstream
 * polls per window before, during and after the pause (counted by the caller's `polls()`), whether a new
 * subscription gets its first event during the pause, and the coordination metric. Redis gets SIGCONT at
 * the end whatever happens.
 */
export async function attackRedisPaused(options: {
  url: string;
  redis: ChildProcess;
  headers: Record<string, string>;
  /** A fresh long-running job id of that account (the caller adds it to the simulator). */
  newJobId: () => string;
  /** Upstream polls of single jobs so far. */
  polls: () => number;
  pollIntervalMs: number;
  child?: ChildProcess;
  watches?: number;
  pauseMs?: number;
}): Promise<RedisPausedFigures> {
  const watches = options.watches ?? 20;
  const pauseMs = options.pauseMs ?? 3000;
  const held: Held[] = [];
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const gauge = async () =>
    /jobs_gateway_fleet_coordination (\d)/.exec(await (await fetch(`${options.url}/metrics`)).text())?.[1];
  /** Starts a subscription; resolves with its first event's state (or error code), or 'none' after 5 s. */
  const watch = async (jobId: string): Promise<string> => {
    const hold: Held = { controller: new AbortController() };
    held.push(hold);
    const response = await fetch(`${options.url}/graphql`, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: `subscription { jobUpdated(jobId: "${jobId}") { state } }` }),
      signal: hold.controller.signal,
    });
    hold.response = response;
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = (async () => {
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'ended';
        buffer += value;
        const data = /event: next\ndata: (.*)\n/.exec(buffer)?.[1];
        if (data) {
          const event = JSON.parse(data);
          return event.data?.jobUpdated?.state ?? event.errors?.[0]?.extensions?.code ?? 'unknown';
        }
      }
    })();
    first.catch(() => undefined);
    return await Promise.race([first, wait(5000).then(() => 'none')]);
  };
  try {
    await Promise.all(Array.from({ length: watches }, () => watch(options.newJobId())));
    const before = await gauge();
    const start = options.polls();
    await wait(pauseMs);
    const pollsBefore = options.polls() - start;
    options.redis.kill('SIGSTOP');
    const pausedStart = options.polls();
    const newSubscriptionFirstEvent = await watch(options.newJobId());
    await wait(Math.max(0, pauseMs - 50));
    const pollsWhilePaused = options.polls() - pausedStart;
    const paused = await gauge();
    options.redis.kill('SIGCONT');
    const resumedStart = options.polls();
    await wait(pauseMs);
    const pollsAfter = options.polls() - resumedStart;
    return {
      watches,
      pauseMs,
      pollIntervalMs: options.pollIntervalMs,
      pollsBefore,
      pollsWhilePaused,
      pollsAfter,
      newSubscriptionFirstEvent,
      coordinationMetric: { before, paused, after: await gauge() },
      alive: options.child ? options.child.exitCode === null && options.child.signalCode === null : true,
      peakRssMiB: peakRssMiB(options.child?.pid),
    };
  } finally {
    options.redis.kill('SIGCONT');
    for (const hold of held) hold.controller.abort();
  }
}
