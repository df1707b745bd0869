// The simulator's data: accounts and a seeded, realistic set of jobs per customer. A job is stored as its
// timeline (created → started → finished), so its state at any instant follows from the clock: jobs move
// QUEUED → STARTED → COMPLETED/FAILED/ABORTED as simulated time passes, without any background timer.
import type { JobState, JobType } from '../upstream/wire';

export interface Account {
  customerId: string;
  apiKeys: string[];
  bearerTokens: string[];
}

/** SPEC §7's demo accounts. */
export const DEMO_ACCOUNTS: readonly Account[] = [
  { customerId: '1234567890', apiKeys: ['demo-api-key'], bearerTokens: ['demo-token'] },
  { customerId: '2222222222', apiKeys: ['demo-api-key-2'], bearerTokens: ['demo-token-2'] },
];

export type FinalState = Extract<JobState, 'COMPLETED' | 'FAILED' | 'ABORTED'>;

export interface SimJob {
  id: string;
  customerId: string;
  type: Exclude<JobType, 'UNKNOWN'>;
  corpusIds: number[];
  userHandle: string;
  /** Epoch seconds. */
  createdAt: number;
  startAt: number;
  /** When the job finishes; Infinity for a job that never does (within the simulation). */
  endAt: number;
  finalState: FinalState;
  /** Seconds after start during which the job reports TRANSIENT_FAILURE_RETRY_IMMINENT (0 = never). */
  retryWindow: number;
}

export interface JobSnapshot {
  state: JobState;
  startedAt: number;
  completedAt: number;
}

/** The job as seen at `nowSecs`; undefined when it does not exist yet. */
export function snapshotAt(job: SimJob, nowSecs: number): JobSnapshot | undefined {
  if (nowSecs < job.createdAt) return undefined;
  if (nowSecs < job.startAt) return { state: 'QUEUED', startedAt: 0, completedAt: 0 };
  if (nowSecs < job.endAt) {
    const retrying = job.retryWindow > 0 && nowSecs < job.startAt + job.retryWindow;
    return {
      state: retrying ? 'TRANSIENT_FAILURE_RETRY_IMMINENT' : 'STARTED',
      startedAt: job.startAt,
      completedAt: 0,
    };
  }
  return { state: job.finalState, startedAt: job.startAt, completedAt: job.endAt };
}

/** mulberry32: a small, fast, seedable PRNG so every run builds the same dataset. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** An opaque, base64-looking 48-character id, like the ones the real upstream returns. */
export function makeJobId(random: () => number): string {
  let id = '';
  for (let i = 0; i < 48; i++) id += BASE64[Math.floor(random() * 64)];
  return id;
}

const DAY = 86_400;
const USERS = [
  'ada@example.com',
  'grace@example.com',
  'linus@example.com',
  'ops-bot',
  'margaret@example.com',
  '',
];

export interface DatasetSpec {
  customerId: string;
  corpusIds: number[];
  jobs: number;
  seed: number;
}

/** The default per-customer datasets: ≥ 250 jobs over ≥ 5 corpora for the first account. */
export const DEMO_DATASETS: readonly DatasetSpec[] = [
  { customerId: '1234567890', corpusIds: [1, 2, 3, 4, 5, 6], jobs: 300, seed: 1 },
  { customerId: '2222222222', corpusIds: [101, 102, 103], jobs: 80, seed: 2 },
];

/**
 * Builds a customer's jobs relative to `anchorSecs` (the simulator's start): spread over ~200 days (some
 * beyond the 180-day window), mostly finished, plus a handful created in the last hour that are still
 * queued or running and finish over the next minutes.
 */
export function generateJobs(spec: DatasetSpec, anchorSecs: number): SimJob[] {
  const random = seededRandom(spec.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const jobs: SimJob[] = [];
  const live = Math.max(4, Math.round(spec.jobs * 0.04));
  for (let i = 0; i < spec.jobs; i++) {
    const isLive = i >= spec.jobs - live;
    const createdAt = isLive
      ? anchorSecs - Math.floor(random() * 3600)
      : anchorSecs - DAY - Math.floor(random() * 199 * DAY);
    const type = random() < 0.6 ? 'CORPUS_REBUILD_VECTOR_INDEX' : 'CORPUS_REPLACE_FILTER_ATTRS';
    const corpusIds = random() < 0.9 ? [pick(spec.corpusIds)] : [pick(spec.corpusIds), pick(spec.corpusIds)];
    const queueFor = isLive ? Math.floor(random() * 900) : 5 + Math.floor(random() * 600);
    const runFor = isLive ? 600 + Math.floor(random() * 3000) : 60 + Math.floor(random() * 7200);
    const roll = random();
    const finalState: FinalState = roll < 0.82 ? 'COMPLETED' : roll < 0.94 ? 'FAILED' : 'ABORTED';
    jobs.push({
      id: makeJobId(random),
      customerId: spec.customerId,
      type,
      corpusIds: [...new Set(corpusIds)].sort((a, b) => a - b),
      userHandle: pick(USERS),
      createdAt,
      startAt: createdAt + queueFor,
      endAt: createdAt + queueFor + runFor,
      finalState,
      retryWindow: random() < 0.1 ? Math.min(120, Math.floor(runFor / 3)) : 0,
    });
  }
  return jobs.sort(compareJobs);
}

/** The upstream's observed order: ascending creation time (id breaks ties). */
export function compareJobs(a: SimJob, b: SimJob): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
