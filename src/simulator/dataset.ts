// The simulator's data: accounts and a seeded, realistic set of jobs per customer. A job is stored as its
// timeline (created → started → finished), so its state at any instant follows from the clock: jobs move
// QUEUED → STARTED → COMPLETED/FAILED/ABORTED as simulated time passes, without any background timer. New
// jobs keep arriving the same way (see `arrivalAt`): a live list of the demo accounts changes every few
// seconds, yet a clock that stands still sees a fixed dataset.
import type { JobState, JobType } from '../upstream/model';

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
  /** The v1 id; v2 serves `job_` + this id. */
  id: string;
  customerId: string;
  type: Exclude<JobType, 'UNKNOWN'>;
  /** v1 corpus ids. */
  corpusIds: number[];
  /** v2 corpus keys of the same corpora (the account's key for each id). */
  corpusKeys: string[];
  /** Only v2 can show it (a job type v1 does not know). */
  v2Only?: boolean;
  /** v2's explanation of a failed job. */
  comment?: string;
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
  /** Each corpus's v2 key (a migrated corpus may have a key that is its old id). */
  corpusKeys?: Readonly<Record<number, string>>;
  jobs: number;
  /** Extra jobs of the v2-only types (bulk document operations); none by default. */
  v2OnlyJobs?: number;
  seed: number;
  /** A new short job about every this many seconds after the simulator's start (`arrivalAt`); none when absent. */
  arrivalEverySecs?: number;
}

/** The default per-customer datasets: ≥ 250 jobs over ≥ 5 corpora for the first account. */
export const DEMO_DATASETS: readonly DatasetSpec[] = [
  {
    customerId: '1234567890',
    corpusIds: [1, 2, 3, 4, 5, 6],
    corpusKeys: {
      1: 'product_docs',
      2: 'support-tickets',
      3: 'product_docs_3',
      4: 'employee_handbook_10',
      5: '5',
      6: 'release_notes=2026',
    },
    jobs: 300,
    v2OnlyJobs: 16,
    seed: 1,
    arrivalEverySecs: 25,
  },
  {
    customerId: '2222222222',
    corpusIds: [101, 102, 103],
    corpusKeys: { 101: 'legal_contracts', 102: '102', 103: 'hr-policies' },
    jobs: 80,
    v2OnlyJobs: 4,
    seed: 2,
    arrivalEverySecs: 40,
  },
];

/** The v2 key of a corpus id in an account (its decimal id when the dataset names none). */
export function corpusKeyOf(spec: DatasetSpec | undefined, corpusId: number): string {
  return spec?.corpusKeys?.[corpusId] ?? String(corpusId);
}

const COMMENTS: Readonly<
  Record<'CORPUS_REBUILD_VECTOR_INDEX' | 'CORPUS_REPLACE_FILTER_ATTRS', readonly string[]>
> = {
  CORPUS_REBUILD_VECTOR_INDEX: [
    'Rebuilding the vector index failed: the corpus exceeded its storage quota.',
    'The job failed: an internal error occurred; it was not retried.',
  ],
  CORPUS_REPLACE_FILTER_ATTRS: [
    'Replacing filter attributes failed: attribute "lang" has conflicting types.',
    'The job failed: an internal error occurred; it was not retried.',
  ],
};

/** The millisecond part of a job's v2 timestamps (v1 has whole seconds only): stable per job. */
export function millisOf(job: SimJob): number {
  let hash = 0;
  for (const char of job.id) hash = (hash * 31 + char.charCodeAt(0)) % 1000;
  return hash;
}

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
    const ids = [...new Set(corpusIds)].sort((a, b) => a - b);
    const id = makeJobId(random);
    jobs.push({
      id,
      customerId: spec.customerId,
      type,
      corpusIds: ids,
      corpusKeys: ids.map((id) => corpusKeyOf(spec, id)),
      userHandle: pick(USERS),
      createdAt,
      startAt: createdAt + queueFor,
      endAt: createdAt + queueFor + runFor,
      finalState,
      // Chosen from the id, not the random stream, so that v1's dataset stays what it was.
      ...(finalState === 'FAILED'
        ? { comment: COMMENTS[type][id.charCodeAt(0) % COMMENTS[type].length] }
        : {}),
      retryWindow: random() < 0.1 ? Math.min(120, Math.floor(runFor / 3)) : 0,
    });
  }
  // Jobs of the types only v2 shows, from a random stream of their own (v1's dataset stays as it was).
  const extra = seededRandom(spec.seed + 1000);
  for (let i = 0; i < (spec.v2OnlyJobs ?? 0); i++) {
    const createdAt = anchorSecs - DAY - Math.floor(extra() * 150 * DAY);
    const corpusId = spec.corpusIds[Math.floor(extra() * spec.corpusIds.length)] as number;
    jobs.push({
      id: makeJobId(extra),
      customerId: spec.customerId,
      type: i % 2 === 0 ? 'BULK_DELETE_DOCUMENTS' : 'BULK_UPDATE_DOCUMENT_METADATA',
      corpusIds: [corpusId],
      corpusKeys: [corpusKeyOf(spec, corpusId)],
      v2Only: true,
      userHandle: i % 3 === 0 ? '' : 'ops-bot',
      createdAt,
      startAt: createdAt + 30,
      endAt: createdAt + 630,
      finalState: i % 5 === 4 ? 'FAILED' : 'COMPLETED',
      ...(i % 5 === 4 ? { comment: 'Bulk operation failed: 3 documents could not be updated.' } : {}),
      retryWindow: 0,
    });
  }
  return jobs.sort(compareJobs);
}

/**
 * The `n`-th job (0, 1, …) that arrives after the simulator's start at `anchorSecs`: created about every
 * `spec.arrivalEverySecs` seconds (never at the start itself), queued 3–15 s, running 8–45 s, then
 * COMPLETED (mostly), FAILED or ABORTED. It depends only on the spec, the anchor and `n`, so that every
 * run, and every replica's simulator, sees the same arrivals at the same instants.
 */
export function arrivalAt(spec: DatasetSpec, anchorSecs: number, n: number): SimJob | undefined {
  const every = spec.arrivalEverySecs;
  if (!every || every <= 0) return undefined;
  const random = seededRandom(spec.seed * 100_003 + n + 7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const createdAt = anchorSecs + (n + 1) * every - Math.floor(random() * (every / 3));
  const startAt = createdAt + 3 + Math.floor(random() * 13);
  const endAt = startAt + 8 + Math.floor(random() * 38);
  const roll = random();
  const finalState: FinalState = roll < 0.8 ? 'COMPLETED' : roll < 0.92 ? 'FAILED' : 'ABORTED';
  const type = random() < 0.6 ? 'CORPUS_REBUILD_VECTOR_INDEX' : 'CORPUS_REPLACE_FILTER_ATTRS';
  const corpusId = pick(spec.corpusIds);
  const id = makeJobId(random);
  return {
    id,
    customerId: spec.customerId,
    type,
    corpusIds: [corpusId],
    corpusKeys: [corpusKeyOf(spec, corpusId)],
    userHandle: pick(USERS),
    createdAt,
    startAt,
    endAt,
    finalState,
    ...(finalState === 'FAILED' ? { comment: COMMENTS[type][id.charCodeAt(0) % COMMENTS[type].length] } : {}),
    retryWindow: 0,
  };
}

/** The upstream's observed order: ascending creation time (id breaks ties). */
export function compareJobs(a: SimJob, b: SimJob): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
