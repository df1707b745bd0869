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
 * A message as another replica sent it (JSON), its jobs made again by `createJob`: what follows from a
 * job's fields (id, isTerminal, corpusIds) is this replica's, also when the sender runs an older version
 * (which sent the upstream id as `id`).
 */
export function reviveLoopMessage(message: LoopMessage): LoopMessage {
  switch (message.kind) {
    case 'job':
      return { kind: 'job', job: reviveJob(message.job) };
    case 'list':
      return {
        kind: 'list',
        list: {
          ...message.list,
          jobs: message.list.jobs.map(reviveJob),
          finished: message.list.finished.map(reviveJob),
        },
      };
    default:
      return message;
  }
}

function reviveJob(job: JobFields & { id?: unknown }): Job {
  return createJob({
    ...job,
    // An older replica sends the upstream id as `id` (no `jobId`); `id` is now the global id.
    jobId: typeof job.jobId === 'string' ? job.jobId : String(job.id),
    corpusKeys: Array.isArray(job.corpusKeys) ? job.corpusKeys : [],
  });
}
