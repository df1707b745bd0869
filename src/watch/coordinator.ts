// Fleet-wide coordination of job polls (REDIS_URL): across replicas, one poll loop per (credential
// fingerprint, job). A lease decides which replica polls; what it sees is published to the others, which
// only relay it to their own subscribers. Without a coordinator (one replica) every loop polls itself.
import { createJob, type Job, type JobFields } from '../upstream/model';

/**
 * What a polling replica tells the others about one loop. Never credentials: a job (jobUpdated), a live
 * list's state (jobsChanged: the list, and the jobs that left it with their final state, see
 * list-watcher.ts), or an error to relay (`transient`: the loop goes on polling).
 */
export type LoopMessage =
  | { kind: 'job'; job: Job }
  | { kind: 'list'; list: ListState }
  | { kind: 'error'; message: string; extensions: Record<string, unknown>; transient?: boolean };

/** One poll of a live list, as the polling replica saw it. */
export interface ListState {
  /** The first `first` jobs matching the filter, in upstream order. */
  jobs: Job[];
  hasMore: boolean;
  /** Jobs that left the list at this poll and were found by id in a terminal state. */
  finished: Job[];
  /** The polling watcher's id and its poll count: a replica ignores news older than what it applied. */
  origin: string;
  seq: number;
}

/** This replica's part in one loop right now. `local`: no coordination (Redis unreachable): poll yourself. */
export type LoopRole = 'leader' | 'follower' | 'local';

export interface WatchCoordinator {
  /** Takes or renews the lease on a loop for `ttlMs`; says whether this replica polls it. */
  claim(loop: string, ttlMs: number): Promise<LoopRole>;
  /** Gives the lease up (the last local subscriber left), so that another replica takes over at once. */
  release(loop: string): Promise<void>;
  /** Sends a loop's news to the other replicas, and keeps it as the loop's latest for late joiners. */
  publish(loop: string, message: LoopMessage): Promise<void>;
  /** The loop's latest news, if a replica published any recently. */
  latest(loop: string): Promise<LoopMessage | undefined>;
  /** Hears the other replicas' news about a loop; returns the unsubscribe. */
  listen(loop: string, onMessage: (message: LoopMessage) => void): () => void;
  /** true while coordinated, false while degraded to local polling. */
  readonly coordinated: boolean;
  close(): Promise<void>;
}

/**
 * A job as replicas send it to each other: the upstream id as `id` and the decoded fields only. Every
 * version of the gateway reads this form (during a rolling upgrade old and new replicas share one Redis);
 * what follows from the fields (global id, isTerminal, corpusIds) each replica derives itself.
 */
export type WireJob = Omit<JobFields, 'jobId'> & { id: string };

/** A loop message whose jobs are of type J. */
type LoopMessageOf<J> =
  | { kind: 'job'; job: J }
  | { kind: 'list'; list: Omit<ListState, 'jobs' | 'finished'> & { jobs: J[]; finished: J[] } }
  | Extract<LoopMessage, { kind: 'error' }>;

/** What a replica publishes. */
export type WireLoopMessage = LoopMessageOf<WireJob>;

/** A message as it goes to the other replicas (then JSON). */
export function toWireMessage(message: LoopMessage): WireLoopMessage {
  return mapJobs(message, toWireJob);
}

/**
 * A message as another replica sent it (parsed JSON), its jobs made again by `createJob`, so that a stale
 * or missing derived value never reaches a subscriber; a `jobId` beside `id` is taken as the upstream id.
 */
export function reviveLoopMessage(message: WireLoopMessage): LoopMessage {
  return mapJobs(message, reviveJob);
}

function mapJobs<A, B>(message: LoopMessageOf<A>, map: (job: A) => B): LoopMessageOf<B> {
  switch (message.kind) {
    case 'job':
      return { kind: 'job', job: map(message.job) };
    case 'list':
      return {
        kind: 'list',
        list: { ...message.list, jobs: message.list.jobs.map(map), finished: message.list.finished.map(map) },
      };
    default:
      return message;
  }
}

function toWireJob(job: Job): WireJob {
  const wire: WireJob = {
    id: job.jobId,
    type: job.type,
    state: job.state,
    corpusKeys: job.corpusKeys,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    userHandle: job.userHandle,
    comment: job.comment,
  };
  if (job.unknownEnums !== undefined) wire.unknownEnums = job.unknownEnums;
  return wire;
}

function reviveJob(job: WireJob & { jobId?: unknown }): Job {
  return createJob({
    ...job,
    jobId: typeof job.jobId === 'string' ? job.jobId : String(job.id),
    corpusKeys: Array.isArray(job.corpusKeys) ? job.corpusKeys : [],
  });
}
