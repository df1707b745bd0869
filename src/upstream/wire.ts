// The v1 ListJobs wire format and its translation to and from the gateway's domain model. This is the only
// file that knows the upstream's field and enum names; everything above it sees `Job` and `ListJobsQuery`.
// Decoding is tolerant (SPEC §3, upstream README): int64s as strings or numbers, absent/null fields,
// unknown enum names → UNKNOWN, a `cause` beside `code` in status entries, unknown fields ignored.

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

export const JOB_TYPES = ['UNKNOWN', 'CORPUS_REBUILD_VECTOR_INDEX', 'CORPUS_REPLACE_FILTER_ATTRS'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['COMPLETED', 'FAILED', 'ABORTED']);

/** A job as the gateway sees it, independent of the upstream API version. Times are epoch seconds. */
export interface Job {
  id: string;
  type: JobType;
  state: JobState;
  corpusIds: number[];
  createdAt: number | null;
  startedAt: number | null;
  completedAt: number | null;
  userHandle: string | null;
  /** Raw enum names the decoder did not recognise (for logging), absent when all were known. */
  unknownEnums?: string[];
}

/** A ListJobs call. `pageKey` continues a listing; the upstream then ignores every other field. */
export interface ListJobsQuery {
  jobId?: string;
  corpusIds?: readonly number[];
  states: readonly JobState[];
  createdAfter?: number;
  pageSize: number;
  pageKey?: string;
}

export interface ListJobsPage {
  jobs: Job[];
  /** '' when the upstream says there is nothing more. */
  pageKey: string;
}

/** One entry of the response's `status[]`. */
export interface WireStatus {
  code: string;
  detail: string;
}

const PADDED_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard padded base64, the documented encoding of `pageKey` (proto bytes). */
export function isPaddedBase64(text: string): boolean {
  return PADDED_BASE64.test(text);
}

const STATE_PREFIX = 'JOB_STATE__';
const TYPE_PREFIX = 'JOB__';

export function encodeListJobsRequest(query: ListJobsQuery): Record<string, unknown> {
  if (query.pageKey) return { pageKey: query.pageKey };
  const body: Record<string, unknown> = {
    state: query.states.map((state) => STATE_PREFIX + state),
    numResults: query.pageSize,
  };
  if (query.jobId !== undefined) body.jobId = query.jobId;
  if (query.corpusIds !== undefined && query.corpusIds.length > 0) body.corpusId = [...query.corpusIds];
  if (query.createdAfter !== undefined) body.epochSecs = String(Math.floor(query.createdAfter));
  return body;
}

export class WirePayloadError extends Error {
  override name = 'WirePayloadError';
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function asArray(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new WirePayloadError(`field "${field}" is not an array`);
  return value;
}

function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return '';
}

/** 9999-12-31T23:59:59Z. */
const MAX_EPOCH_SECONDS = 253_402_300_799;

/** int64 epoch seconds as string or number; 0, "0", absent, null or garbage → null. */
export function decodeEpochSeconds(value: unknown): number | null {
  const text = asString(value).trim();
  if (!/^-?\d+$/.test(text)) return null;
  const seconds = Number(text);
  // Beyond year 9999 is no real timestamp (and no ISO-8601 DateTime): treat it as unset.
  return Number.isSafeInteger(seconds) && seconds > 0 && seconds <= MAX_EPOCH_SECONDS ? seconds : null;
}

const MAX_ENUM_LOGGED = 64;

function decodeEnum<T extends string>(
  value: unknown,
  prefix: string,
  known: readonly T[],
  unknown: string[],
): T | 'UNKNOWN' {
  const raw = asString(value);
  if (raw === '') return 'UNKNOWN';
  // Canonical names are upper case with a prefix; accept either missing, and any case, before giving up.
  const upper = raw.toUpperCase();
  const name = upper.startsWith(prefix) ? upper.slice(prefix.length) : upper;
  if ((known as readonly string[]).includes(name)) return name as T;
  // Kept for the log only, and cut short: an upstream must not be able to make a log line large.
  unknown.push(raw.length > MAX_ENUM_LOGGED ? `${raw.slice(0, MAX_ENUM_LOGGED)}…` : raw);
  return 'UNKNOWN';
}

function decodeCorpusIds(value: unknown): number[] {
  const ids: number[] = [];
  for (const item of asArray(value, 'job[].corpusId')) {
    const id = Number(asString(item));
    if (Number.isSafeInteger(id) && id >= 0) ids.push(id);
  }
  return ids;
}

export function decodeJob(value: unknown): Job {
  if (!isRecord(value)) throw new WirePayloadError('a job entry is not an object');
  const id = asString(value.id);
  if (id === '') throw new WirePayloadError('a job entry has no id');
  const unknown: string[] = [];
  const job: Job = {
    id,
    type: decodeEnum(value.type, TYPE_PREFIX, JOB_TYPES, unknown),
    state: decodeEnum(value.state, STATE_PREFIX, JOB_STATES, unknown),
    corpusIds: decodeCorpusIds(value.corpusId ?? value.corpus_id),
    createdAt: decodeEpochSeconds(value.tsCreate ?? value.ts_create),
    startedAt: decodeEpochSeconds(value.tsStart ?? value.ts_start),
    completedAt: decodeEpochSeconds(value.tsComplete ?? value.ts_complete),
    userHandle: asString(value.userHandle ?? value.user_handle) || null,
  };
  if (unknown.length > 0) job.unknownEnums = unknown;
  return job;
}

/** The non-OK entries of `status[]` (an empty array or `OK` entries mean success). */
export function decodeStatusFailures(body: Record<string, unknown>): WireStatus[] {
  const failures: WireStatus[] = [];
  for (const entry of asArray(body.status, 'status')) {
    if (!isRecord(entry)) continue;
    const code = asString(entry.code) || 'OK';
    if (code === 'OK') continue;
    const cause = isRecord(entry.cause) ? asString(entry.cause.statusDetail ?? entry.cause.code) : '';
    const detail = asString(entry.statusDetail ?? entry.status_detail) || cause;
    failures.push({ code, detail });
  }
  return failures;
}

export function decodeListJobsPage(body: unknown): ListJobsPage {
  if (!isRecord(body)) throw new WirePayloadError('the response body is not a JSON object');
  return {
    jobs: asArray(body.job ?? body.jobs, 'job').map(decodeJob),
    pageKey: asString(body.pageKey ?? body.page_key),
  };
}

/** A google.rpc.Status body `{code, message, details}`, or null when the body is not one. */
export function decodeRpcStatus(body: unknown): { code: number; message: string } | null {
  if (!isRecord(body) || typeof body.code !== 'number') return null;
  return { code: body.code, message: asString(body.message) };
}
