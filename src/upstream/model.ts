// The version-neutral domain of the upstream: jobs, list queries and pages, and what an API version can
// do (its capabilities). Everything above the upstream client speaks only this; the v1 and v2 adapters
// translate it to and from their wire formats.

export const JOB_STATES = [
  'UNKNOWN',
  'QUEUED',
  'STARTED',
  'COMPLETED',
  'FAILED',
  'TRANSIENT_FAILURE_RETRY_IMMINENT',
  'ABORTED',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const JOB_TYPES = [
  'UNKNOWN',
  'CORPUS_REBUILD_VECTOR_INDEX',
  'CORPUS_REPLACE_FILTER_ATTRS',
  'BULK_DELETE_DOCUMENTS',
  'BULK_UPDATE_DOCUMENT_METADATA',
] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['COMPLETED', 'FAILED', 'ABORTED']);

/** What an adapter decodes of a job, whatever the API version. Times are epoch seconds. */
export interface JobFields {
  /** The upstream's job id. */
  jobId: string;
  type: JobType;
  state: JobState;
  /** Corpus keys (v2); on v1 the numeric corpus ids written as decimal strings. */
  corpusKeys: string[];
  createdAt: number | null;
  startedAt: number | null;
  completedAt: number | null;
  userHandle: string | null;
  /** The upstream's explanation of the status (v2; the error of a failed job); null when absent. */
  comment: string | null;
  /** Raw enum names the decoder did not recognise (for logging), absent when all were known. */
  unknownEnums?: string[];
}

/**
 * A job as the gateway sees it (made by `createJob`): its fields, and what follows from them under the
 * schema's names. The schema reads every Job field as a property: graphql-jit then reads it inline
 * instead of calling a resolver with a resolve-info object of its own, for each field of each job of a page.
 */
export interface Job extends JobFields {
  /** The Relay global id (`Job.id`: encodeGlobalId of the upstream id). */
  readonly id: string;
  /** COMPLETED, FAILED or ABORTED. */
  readonly isTerminal: boolean;
  /** The corpus keys that are decimal ids, as numbers (`Job.corpusIds`). */
  readonly corpusIds: number[];
}

/** A Relay global id: base64url("Job:" + upstream id) (decoded, and checked, by schema/global-id.ts). */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');
}

/** The job of these fields, with what follows from them (the only way to make a `Job`). */
export function createJob(fields: JobFields): Job {
  const job: Job = {
    id: encodeGlobalId('Job', fields.jobId),
    jobId: fields.jobId,
    type: fields.type,
    state: fields.state,
    corpusKeys: fields.corpusKeys,
    createdAt: fields.createdAt,
    startedAt: fields.startedAt,
    completedAt: fields.completedAt,
    userHandle: fields.userHandle,
    comment: fields.comment,
    isTerminal: TERMINAL_STATES.has(fields.state),
    corpusIds: numericCorpusIds(fields.corpusKeys),
  };
  if (fields.unknownEnums !== undefined) job.unknownEnums = fields.unknownEnums;
  return job;
}

const DECIMAL_ID = /^[1-9]\d{0,9}$/;

/** The numeric id a corpus key stands for (a v1 corpus id), or null when the key is not a decimal id. */
export function numericCorpusId(key: string): number | null {
  if (!DECIMAL_ID.test(key)) return null;
  const id = Number(key);
  return id <= 4_294_967_295 ? id : null;
}

function numericCorpusIds(keys: readonly string[]): number[] {
  const ids: number[] = [];
  for (const key of keys) {
    const id = numericCorpusId(key);
    if (id !== null) ids.push(id);
  }
  return ids;
}

/** One page of a listing. `pageKey` continues a listing (v2 wants the same filters beside it). */
export interface ListJobsQuery {
  corpusKeys?: readonly string[];
  states: readonly JobState[];
  /** Epoch seconds: jobs created at or after it. */
  createdAfter?: number;
  pageSize: number;
  pageKey?: string;
}

export interface ListJobsPage {
  jobs: Job[];
  /** '' when the upstream says there is nothing more. */
  pageKey: string;
}

/** What the configured API version accepts, so that the GraphQL layer can validate without knowing it. */
export interface UpstreamCapabilities {
  /** A human name for messages, e.g. "Vectara API v2". */
  name: string;
  /** Corpus keys this version can filter on, and what to say to a caller whose key it cannot use. */
  corpusKey: { pattern: RegExp; unsupported: string };
  /** Whether every call needs a `customer-id` header (v1). */
  requiresCustomerId?: boolean;
  /** How far back `createdAfter` may reach, in seconds (undefined: no bound). */
  maxCreatedAfterAgeSecs?: number;
}

/** Standard padded base64 (v1 page keys are proto bytes in this form). */
const PADDED_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isPaddedBase64(text: string): boolean {
  return PADDED_BASE64.test(text);
}
