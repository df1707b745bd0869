// Watches jobs for `Subscription.jobUpdated` (SPEC §5). One poll loop per (credential fingerprint, jobId),
// shared by every subscriber with those credentials; it emits on each change of state or timestamps, ends
// after a terminal state, and stops as soon as its last subscriber leaves. Polls of different credentials
// are never merged: the fingerprint is part of the loop's key.
import { Repeater } from '@repeaterjs/repeater';
import { GraphQLError } from 'graphql';
import { gatewayError, upstreamGraphQLError } from '../errors';
import type { Logger } from '../logger';
import type { Credentials, UpstreamClient } from '../upstream/client';
import { UpstreamError } from '../upstream/errors';
import type { Job } from '../upstream/model';
import { isTransient } from '../upstream/retry';
import type { LoopMessage, LoopRole, WatchCoordinator } from './coordinator';
import { createSubscriptionCaps, type SubscriptionCaps } from './subscription-caps';

export { SUBSCRIPTION_LIMITS } from './subscription-caps';

/** Schedules `run` after `ms`; returns a cancel function. Injected by tests to drive polls by hand. */
export type Scheduler = (run: () => void, ms: number) => () => void;

export const realScheduler: Scheduler = (run, ms) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

/** A subscriber's view of a loop: jobs, or one error (then the stream ends). */
type Event = { job: Job } | { error: GraphQLError };

interface Sink {
  push(event: Event): void;
  end(): void;
  /** Ends the stream with an error thrown to its consumer: not a completion (shutdown). */
  interrupt(error: Error): void;
}

export interface JobWatcherOptions {
  upstream: UpstreamClient;
  intervalMs: number;
  scheduler?: Scheduler;
  logger?: Logger;
  /** Consecutive failed polls (after the client's own retries) before subscribers get the error. */
  maxConsecutiveFailures?: number;
  /** Cap on the backoff between failed polls. */
  maxBackoffMs?: number;
  /** Open subscriptions per credential (each of x-api-key and authorization counts on its own). */
  maxSubscriptionsPerCredential?: number;
  /** Open subscriptions in this process. */
  maxSubscriptions?: number;
  /** Fleet-wide coordination (Redis): one poll per loop across replicas. Absent: every loop polls itself. */
  coordinator?: WatchCoordinator;
  /** The caps shared with the other watched subscriptions; absent: caps of its own from the two limits above. */
  caps?: SubscriptionCaps;
}

export interface WatchRequest {
  jobId: string;
  credentials: Credentials;
  credentialPrint: string;
  /**
   * Keyed fingerprints of each credential the request carries (its x-api-key, its authorization): the
   * per-credential limit counts against every one, so varying a second, junk header does not escape it.
   */
  quotaKeys: readonly string[];
  requestId?: string;
}

export interface JobWatcher {
  /** Jobs as they change; the first is the current job; completes after a terminal state. */
  watch(request: WatchRequest): AsyncIterableIterator<Event>;
  /** Number of running poll loops (one per credential and job). */
  readonly activeLoops: number;
  readonly activeSubscribers: number;
  /** Subscriptions refused by a limit since start. */
  readonly refusedSubscriptions: number;
  /**
   * Graceful shutdown: every stream still open ends by throwing a SHUTTING_DOWN error (never by completing:
   * the job is not finished), and later watches are refused the same way. The transports end their
   * streams first (lifecycle.ts); this catches the rest.
   */
  close(): void;
}

export function createJobWatcher(options: JobWatcherOptions): JobWatcher {
  const schedule = options.scheduler ?? realScheduler;
  const maxFailures = options.maxConsecutiveFailures ?? 5;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const loops = new Map<string, PollLoop>();
  const caps =
    options.caps ??
    createSubscriptionCaps({
      perCredential: options.maxSubscriptionsPerCredential,
      total: options.maxSubscriptions,
    });
  let subscribers = 0;
  let refused = 0;
  let closed = false;

  /** Takes a subscription slot, or says which limit is reached. */
  const admit = (request: WatchRequest): GraphQLError | undefined => {
    const refusal = caps.admit(request.quotaKeys);
    if (!refusal) subscribers++;
    return refusal;
  };
  const release = (request: WatchRequest) => {
    subscribers--;
    caps.release(request.quotaKeys);
  };

  /** A loop's lease lasts 1.5 intervals, renewed every interval by its holder; others look every half one. */
  const leaseMs = options.intervalMs * 1.5;
  const coordinator = options.coordinator;

  class PollLoop {
    readonly sinks = new Set<Sink>();
    last: Job | undefined;
    failures = 0;
    cancelTimer: (() => void) | undefined;
    readonly abort = new AbortController();
    ended = false;
    role: LoopRole = 'local';
    stopListening: (() => void) | undefined;

    constructor(
      readonly key: string,
      readonly request: WatchRequest,
    ) {}

    start() {
      // Other replicas' news about this loop reaches this replica's subscribers too.
      this.stopListening = coordinator?.listen(this.key, (message) => this.apply(message));
      void this.tick(true);
    }

    add(sink: Sink) {
      this.sinks.add(sink);
      if (this.last) sink.push({ job: this.last });
    }

    remove(sink: Sink) {
      this.sinks.delete(sink);
      if (this.sinks.size === 0) this.stop();
    }

    /** Stops polling and ends every subscriber: completed, or interrupted by `error` (shutdown). */
    stop(error?: Error) {
      if (this.ended) return;
      this.ended = true;
      this.cancelTimer?.();
      this.abort.abort();
      this.stopListening?.();
      // Hand the loop over at once if other replicas still have subscribers.
      if (this.role === 'leader') void coordinator?.release(this.key);
      loops.delete(this.key);
      for (const sink of this.sinks) {
        if (error) sink.interrupt(error);
        else sink.end();
      }
    }

    broadcast(event: Event) {
      for (const sink of this.sinks) sink.push(event);
    }

    /** One interval: poll if this replica holds the loop (or nobody coordinates), else wait for news. */
    async tick(first = false) {
      this.cancelTimer = undefined;
      if (coordinator) {
        this.role = await coordinator.claim(this.key, leaseMs);
        if (this.ended) return;
        if (this.role === 'follower') {
          // Another replica polls. Its news arrives over pub/sub; the latest news is also read here at every
          // look, so that a message pub/sub dropped (or sent before this replica listened) is never missed.
          const latest = await coordinator.latest(this.key);
          if (this.ended) return;
          if (latest) this.apply(latest);
          // Joining a running loop that has no news yet: one poll of our own, so subscribers see the job now.
          else if (first) await this.poll(false);
          if (this.ended) return;
          this.cancelTimer = schedule(() => void this.tick(), options.intervalMs / 2);
          return;
        }
      }
      await this.poll(this.role === 'leader');
      if (!this.ended && !this.cancelTimer)
        this.cancelTimer = schedule(() => void this.tick(), options.intervalMs);
    }

    /** Asks the upstream; what it says goes to this replica's subscribers and, when leading, to the others. */
    async poll(lead: boolean) {
      let message: LoopMessage;
      try {
        const job = await options.upstream.getJob(this.request.jobId, {
          credentials: this.request.credentials,
          signal: this.abort.signal,
          requestId: this.request.requestId,
          tenant: this.request.credentialPrint,
          fresh: true,
        });
        message = job
          ? { kind: 'job', job }
          : errorMessage(
              gatewayError(
                'NOT_FOUND',
                `No job with jobId ${JSON.stringify(this.request.jobId.slice(0, 80))} in this account.`,
              ),
            );
        this.failures = 0;
      } catch (error) {
        if (this.ended) return;
        this.failures++;
        // An open breaker is a reason to wait, like any transient failure: streams are kept and only fail
        // after maxFailures polls in a row.
        const retryable =
          error instanceof UpstreamError && (isTransient(error) || error.kind === 'circuit-open');
        if (retryable && this.failures < maxFailures) {
          const backoff = Math.min(maxBackoffMs, options.intervalMs * 2 ** this.failures);
          this.cancelTimer = schedule(() => void this.tick(), backoff);
          return;
        }
        options.logger?.warn({ err: error, failures: this.failures }, 'job watch gave up');
        message = errorMessage(error instanceof UpstreamError ? upstreamGraphQLError(error) : unexpected());
      }
      if (this.ended) return;
      if (lead) void coordinator?.publish(this.key, message);
      this.apply(message);
    }

    /** News about the job, from this replica's poll or another's: relay changes, end on a final state. */
    apply(message: LoopMessage) {
      // (A live list's news never reaches a job's loop: their keys differ.)
      if (this.ended || message.kind === 'list') return;
      if (message.kind === 'error') {
        this.broadcast({ error: new GraphQLError(message.message, { extensions: message.extensions }) });
        this.stop();
        return;
      }
      const { job } = message;
      if (!this.last || changed(this.last, job)) {
        // A kept answer of these credentials may show the job as it was: forget them.
        if (this.last) options.upstream.invalidate(this.request.credentialPrint);
        this.last = job;
        this.broadcast({ job });
      }
      if (job.isTerminal) this.stop();
    }
  }

  return {
    watch(request) {
      return new Repeater<Event>(async (push, stop) => {
        // A rejected push ends the stream with that error on the consumer's next read, and still lets a
        // consumer that leaves instead (return()) leave quietly; stop(error) would reject that return().
        if (closed) {
          push(Promise.reject(shuttingDown())).catch(() => undefined);
          return;
        }
        const refusal = admit(request);
        if (refusal) {
          refused++;
          await push({ error: refusal });
          stop();
          return;
        }
        const key = `${request.credentialPrint}\u0000${request.jobId}`;
        let loop = loops.get(key);
        const fresh = !loop;
        if (!loop) {
          loop = new PollLoop(key, request);
          loops.set(key, loop);
        }
        const sink: Sink = {
          push: (event) => void push(event),
          end: () => stop(),
          interrupt: (error) => void push(Promise.reject(error)).catch(() => undefined),
        };
        loop.add(sink);
        if (fresh) loop.start();
        await stop;
        release(request);
        loop.remove(sink);
      });
    },
    get activeLoops() {
      return loops.size;
    },
    get activeSubscribers() {
      return subscribers;
    },
    get refusedSubscriptions() {
      return refused;
    },
    close() {
      closed = true;
      for (const loop of [...loops.values()]) loop.stop(shuttingDown());
    },
  };
}

function changed(before: Job, after: Job): boolean {
  return (
    before.state !== after.state ||
    before.createdAt !== after.createdAt ||
    before.startedAt !== after.startedAt ||
    before.completedAt !== after.completedAt
  );
}

function errorMessage(error: GraphQLError): LoopMessage {
  return { kind: 'error', message: error.message, extensions: { ...error.extensions } };
}

/** The stream ends because this gateway is restarting: subscribe again (SPEC §5, §6). */
function shuttingDown(): GraphQLError {
  return new GraphQLError('The gateway is restarting; subscribe again.', {
    extensions: { code: 'SHUTTING_DOWN' },
  });
}

function unexpected(): GraphQLError {
  return gatewayError('UPSTREAM_ERROR', 'Watching the job failed unexpectedly.');
}
