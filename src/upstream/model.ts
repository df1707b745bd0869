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

/** A job as the gateway sees it, whatever the API version. Times are epoch seconds. */
export interface Job {
  id: string;
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
