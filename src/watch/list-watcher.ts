// Watches filtered job lists for `Subscription.jobsChanged(filter, first)` (SPEC §5 "Live list"). One poll
// loop per (credential fingerprint, filter, first), shared by every subscriber with those credentials and,
// with a coordinator (REDIS_URL), by every replica: one replica polls, the others relay its news. Each poll
// reads the first `first` matching jobs through the same listing path as `Query.jobs` (fill included), and
// fetches by id each unfinished job that left the list, so that one which finished is sent once with its
// final state. A subscriber gets a snapshot first, then one event per poll that saw a difference, nothing
// otherwise. Transient upstream failures reach subscribers as one error event per outage while the loop
// keeps polling with backoff; a permanent one (credentials refused, bad filter) ends the streams. A
// subscriber that stops reading is cut off after MAX_PENDING_EVENTS, so that no loop ever holds more.
import { randomUUID } from 'node:crypto';
import { Repeater } from '@repeaterjs/repeater';
import { GraphQLError } from 'graphql';
import { gatewayError, upstreamGraphQLError } from '../errors';
import type { Logger } from '../logger';
import { type JobFilter, resolveJobConnection } from '../pagination/connection';
import { type CursorCodec, filterKey } from '../pagination/cursor';
import type { CallOptions, Credentials, UpstreamClient } from '../upstream/client';
import { UpstreamError } from '../upstream/errors';
import type { Job } from '../upstream/model';
import { isTransient } from '../upstream/retry';
import type { ListState, LoopMessage, LoopRole, WatchCoordinator } from './coordinator';
import { realScheduler, type Scheduler } from './job-watcher';
import { createSubscriptionCaps, type SubscriptionCaps } from './subscription-caps';

/** What one `jobsChanged` event carries (the GraphQL type JobsChange). */
export interface JobsChangeShape {
  snapshot: boolean;
  jobs: Job[];
  removedJobIds: string[];
  hasMore: boolean;
}

/** A subscriber's view of a loop: changes, or an error (the stream goes on after a transient one). */
export type ListEvent = { change: JobsChangeShape } | { error: GraphQLError };

/**
 * Events queued for one subscriber that is not reading them. Past it the subscriber's stream ends with an
 * error (it resubscribes and starts again from a snapshot) rather than the gateway holding them all.
 */
export const MAX_PENDING_EVENTS = 100;
/** A polling replica republishes an unchanged list every this many polls (keeps its "latest" readable). */
const REPUBLISH_EVERY = 10;

export interface ListWatchRequest {
  /** Already validated and normalised (schema/pagination.ts normaliseFilter). */
  filter: JobFilter;
  /** 1..100, already validated. */
  first: number;
  credentials: Credentials;
  credentialPrint: string;
  /** Fingerprints of each credential header: every one counts against the per-credential cap. */
  quotaKeys: readonly string[];
  requestId?: string;
}

export interface ListWatcherOptions {
  upstream: UpstreamClient;
  /** Builds the (discarded) cursors of the listing path; the list itself is what is kept. */
  cursors: CursorCodec;
  intervalMs: number;
  scheduler?: Scheduler;
  logger?: Logger;
  /** The caps shared with jobUpdated (subscription-caps.ts); absent: caps of its own. */
  caps?: SubscriptionCaps;
  /** Fleet-wide coordination (Redis): one poll per loop across replicas. Absent: every loop polls itself. */
  coordinator?: WatchCoordinator;
  /** Cap on the backoff between failed polls. */
  maxBackoffMs?: number;
  /** Told of every event sent to a subscriber (metrics). */
  onEvent?: (kind: ListEventKind) => void;
}

export type ListEventKind = 'snapshot' | 'change' | 'error';

export interface ListWatcher {
  /** A snapshot, then the differences, as the upstream's list changes; completes only after a permanent error. */
  watch(request: ListWatchRequest): AsyncIterableIterator<ListEvent>;
  /** Running poll loops (one per credential, filter and `first`). */
  readonly activeLoops: number;
  readonly activeSubscribers: number;
  /** Subscriptions refused by a cap since start. */
  readonly refusedSubscriptions: number;
  /** Graceful shutdown: ends every stream with a SHUTTING_DOWN error, never a plain completion (clients resubscribe). */
  close(): void;
}

interface Sink {
  /** Whether this subscriber has had its snapshot. */
  synced: boolean;
  push(event: ListEvent): void;
  end(error?: Error): void;
}

export function createListWatcher(options: ListWatcherOptions): ListWatcher {
  const schedule = options.scheduler ?? realScheduler;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const caps = options.caps ?? createSubscriptionCaps();
  const coordinator = options.coordinator;
  /** A loop's lease lasts 1.5 intervals, renewed every interval by its holder; others look every half one. */
  const leaseMs = options.intervalMs * 1.5;
  const origin = randomUUID();
  const loops = new Map<string, ListLoop>();
  let seq = 0;
  let subscribers = 0;
  let refused = 0;

  class ListLoop {
    readonly sinks = new Set<Sink>();
    /** The list as last applied (from this replica's poll or another's). */
    state: ListState | undefined;
    /** The error subscribers were told about in the current outage, if any. */
    outage: GraphQLError | undefined;
    failures = 0;
    unpublished = 0;
    cancelTimer: (() => void) | undefined;
    readonly abort = new AbortController();
    ended = false;
    role: LoopRole = 'local';
    stopListening: (() => void) | undefined;

    constructor(
      readonly key: string,
      readonly request: ListWatchRequest,
    ) {}

    start() {
      this.stopListening = coordinator?.listen(this.key, (message) => this.apply(message));
      void this.tick(true);
    }

    add(sink: Sink) {
      this.sinks.add(sink);
      if (this.state) this.send(sink, { change: snapshotOf(this.state) });
      if (this.outage) this.send(sink, { error: this.outage });
    }

    remove(sink: Sink) {
      this.sinks.delete(sink);
      if (this.sinks.size === 0) this.stop();
    }

    /** Stops polling; `reason` ends the streams with an error instead of completing them. */
    stop(reason?: Error) {
      if (this.ended) return;
      this.ended = true;
      this.cancelTimer?.();
      this.abort.abort();
      this.stopListening?.();
      if (this.role === 'leader') void coordinator?.release(this.key);
      loops.delete(this.key);
      for (const sink of this.sinks) sink.end(reason);
    }

    send(sink: Sink, event: ListEvent) {
      if ('change' in event) sink.synced ||= event.change.snapshot;
      options.onEvent?.('error' in event ? 'error' : event.change.snapshot ? 'snapshot' : 'change');
      sink.push(event);
    }

    /** One interval: poll if this replica holds the loop (or nobody coordinates), else read the news. */
    async tick(first = false) {
      this.cancelTimer = undefined;
      if (coordinator) {
        this.role = await coordinator.claim(this.key, leaseMs);
        if (this.ended) return;
        if (this.role === 'follower') {
          // Pub/sub brings the leader's news; reading the latest at every look catches what it dropped.
          const latest = await coordinator.latest(this.key);
          if (this.ended) return;
          if (latest) this.apply(latest);
          // Joining a loop with no list yet: one poll of our own, so that subscribers get their snapshot now.
          if (first && !this.state) await this.poll(false);
          if (this.ended) return;
          // (A failed poll of our own has already scheduled its backoff.)
          if (!this.cancelTimer) this.cancelTimer = schedule(() => void this.tick(), options.intervalMs / 2);
          return;
        }
      }
      await this.poll(this.role === 'leader');
      if (!this.ended && !this.cancelTimer)
        this.cancelTimer = schedule(() => void this.tick(), options.intervalMs);
    }

    /** Reads the list (and the departures); the result goes to this replica's subscribers and, when leading, to the others. */
    async poll(lead: boolean) {
      const call: CallOptions = {
        credentials: this.request.credentials,
        signal: this.abort.signal,
        requestId: this.request.requestId,
        tenant: this.request.credentialPrint,
        fresh: true,
      };
      let message: LoopMessage;
      try {
        const connection = await resolveJobConnection({
          filter: this.request.filter,
          first: this.request.first,
          codec: options.cursors,
          credentialPrint: this.request.credentialPrint,
          fetchPage: (query) => options.upstream.listJobs(query, call),
        });
        const jobs = connection.edges.map((edge) => edge.node);
        const listed = new Set(jobs.map((job) => job.jobId));
        // Only a job last seen unfinished can have left by finishing: the others need no lookup.
        const departed = (this.state?.jobs ?? []).filter((job) => !listed.has(job.jobId) && !job.isTerminal);
        const finished = await this.finalStates(departed, call);
        message = {
          kind: 'list',
          list: { jobs, hasMore: connection.pageInfo.hasNextPage, finished, origin, seq: ++seq },
        };
        this.failures = 0;
      } catch (error) {
        if (this.ended) return;
        this.failures++;
        // An open breaker is a reason to wait, like any transient failure: the stream is kept.
        const transient =
          error instanceof UpstreamError && (isTransient(error) || error.kind === 'circuit-open');
        if (transient) {
          const backoff = Math.min(maxBackoffMs, options.intervalMs * 2 ** this.failures);
          this.cancelTimer = schedule(() => void this.tick(), backoff);
        } else {
          options.logger?.warn({ err: error }, 'live job list gave up');
        }
        const graphQLError = error instanceof UpstreamError ? upstreamGraphQLError(error) : unexpected();
        message = {
          kind: 'error',
          message: graphQLError.message,
          extensions: { ...graphQLError.extensions },
          transient,
        };
      }
      if (this.ended) return;
      if (lead && this.shouldPublish(message)) void coordinator?.publish(this.key, message);
      this.apply(message);
    }

    /** The departed jobs that reached a terminal state, as the upstream has them now. */
    async finalStates(departed: readonly Job[], call: CallOptions): Promise<Job[]> {
      // At most `first` (≤ 100) lookups; the upstream client's per-credential fair share bounds how many
      // run at once.
      const found = await Promise.all(
        departed.map(async (job) => {
          try {
            return await options.upstream.getJob(job.jobId, call);
          } catch (error) {
            // The departure is still reported (in removedJobIds); only its final state is missing.
            if (!this.ended)
              options.logger?.warn({ err: error }, 'live job list: a departed job could not be read');
            return null;
          }
        }),
      );
      return found.filter((job): job is Job => job?.isTerminal === true);
    }

    /** A leader publishes what changed, errors, and an unchanged list now and then (for late joiners). */
    shouldPublish(message: LoopMessage): boolean {
      if (
        message.kind !== 'list' ||
        !this.state ||
        diff(this.state, message.list) ||
        ++this.unpublished >= REPUBLISH_EVERY
      ) {
        this.unpublished = 0;
        return true;
      }
      return false;
    }

    /** News about the list, from this replica's poll or another's: snapshots for new subscribers, diffs for the rest. */
    apply(message: LoopMessage) {
      if (this.ended || message.kind === 'job') return;
      if (message.kind === 'error') {
        const error = new GraphQLError(message.message, { extensions: message.extensions });
        if (!message.transient) {
          for (const sink of this.sinks) this.send(sink, { error });
          this.stop();
        } else if (!this.outage) {
          this.outage = error;
          for (const sink of this.sinks) this.send(sink, { error });
        }
        return;
      }
      const { list } = message;
      // Out-of-order news (a "latest" read racing a newer pub/sub message) is older than what was applied.
      if (this.state && list.origin === this.state.origin && list.seq <= this.state.seq) return;
      this.outage = undefined;
      const change = this.state ? diff(this.state, list) : undefined;
      // A kept answer of these credentials may show the jobs as they were: forget them.
      if (change) options.upstream.invalidate(this.request.credentialPrint);
      this.state = list;
      for (const sink of this.sinks) {
        if (!sink.synced) this.send(sink, { change: snapshotOf(list) });
        else if (change) this.send(sink, { change });
      }
    }
  }

  return {
    watch(request) {
      /** Why the gateway ended this stream, if it did: the last `next` throws it instead of completing. */
      let endedBy: Error | undefined;
      const events = new Repeater<ListEvent>(async (push, stop) => {
        const refusal = caps.admit(request.quotaKeys);
        if (refusal) {
          refused++;
          await push({ error: refusal });
          stop();
          return;
        }
        subscribers++;
        const key = `list\u0000${request.credentialPrint}\u0000${filterKey(request.filter)}\u0000${request.first}`;
        let loop = loops.get(key);
        const fresh = !loop;
        if (!loop) {
          loop = new ListLoop(key, request);
          loops.set(key, loop);
        }
        let pending = 0;
        const sink: Sink = {
          synced: false,
          push: (event) => {
            if (pending >= MAX_PENDING_EVENTS) {
              endedBy ??= gatewayError(
                'RATE_LIMITED',
                `This subscriber left ${MAX_PENDING_EVENTS} events unread; subscribe again for a fresh snapshot.`,
                { reason: 'SLOW_SUBSCRIBER' },
              );
              stop();
              return;
            }
            pending++;
            push(event).then(
              () => pending--,
              () => undefined,
            );
          },
          end: (error) => {
            endedBy ??= error;
            stop();
          },
        };
        loop.add(sink);
        if (fresh) loop.start();
        await stop;
        subscribers--;
        caps.release(request.quotaKeys);
        loop.remove(sink);
      });
      // Not Repeater's stop(error): that error would also reject a `return()` racing it (a client leaving
      // during a shutdown), with nobody to handle it. Only `next` throws it here.
      return {
        [Symbol.asyncIterator]() {
          return this;
        },
        async next() {
          const result = await events.next();
          if (result.done && endedBy) throw endedBy;
          return result;
        },
        return: (value?: unknown) => events.return(value as undefined),
        throw: (error?: unknown) => events.throw(error),
      };
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
      // Ending with an error, not completing: a completed stream tells clients the list is final.
      const shutdown = new GraphQLError('The gateway is restarting: subscribe again to keep the list live.', {
        extensions: { code: 'SHUTTING_DOWN' },
      });
      for (const loop of [...loops.values()]) loop.stop(shutdown);
    },
  };
}

/** What changed from `before` to `after`; undefined when nothing did (no event then). */
export function diff(before: ListState, after: ListState): JobsChangeShape | undefined {
  const previous = new Map(before.jobs.map((job) => [job.jobId, job]));
  const listed = new Set(after.jobs.map((job) => job.jobId));
  const jobs = after.jobs.filter((job) => {
    const old = previous.get(job.jobId);
    return !old || changed(old, job);
  });
  const removedJobIds = before.jobs.filter((job) => !listed.has(job.jobId)).map((job) => job.jobId);
  const finished = new Map(after.finished.map((job) => [job.jobId, job]));
  for (const id of removedJobIds) {
    const job = finished.get(id);
    if (job) jobs.push(job);
  }
  if (jobs.length === 0 && removedJobIds.length === 0 && before.hasMore === after.hasMore) return undefined;
  return { snapshot: false, jobs, removedJobIds, hasMore: after.hasMore };
}

function snapshotOf(list: ListState): JobsChangeShape {
  return { snapshot: true, jobs: list.jobs, removedJobIds: [], hasMore: list.hasMore };
}

/** Whether anything a client can see of a job differs. */
function changed(before: Job, after: Job): boolean {
  return (
    before.state !== after.state ||
    before.createdAt !== after.createdAt ||
    before.startedAt !== after.startedAt ||
    before.completedAt !== after.completedAt ||
    before.type !== after.type ||
    before.comment !== after.comment ||
    before.userHandle !== after.userHandle ||
    before.corpusKeys.join('\u0000') !== after.corpusKeys.join('\u0000')
  );
}

function unexpected(): GraphQLError {
  return gatewayError('UPSTREAM_ERROR', 'Watching the job list failed unexpectedly.');
}
