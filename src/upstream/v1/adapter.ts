// Vectara REST API v1: `POST /v1/list-jobs` (upstream/README.md beside the spec). The only file that knows
// v1's field and enum names. Requests: camelCase JSON with explicit states; a `pageKey` carries the
// original filters, so nothing else is sent with it. One job: the list with `jobId` and all seven states.
// Errors come two ways: HTTP 200 with a non-OK `status[]` entry, or non-2xx with a google.rpc.Status.
// Decoding is tolerant: int64s as strings or numbers, absent/null fields, snake_case names, unknown enums.
import type { Secrets, UpstreamAdapter, UpstreamRequest } from '../adapter';
import { asArray, asString, decodeEnum, isRecord, MAX_EPOCH_SECONDS, WirePayloadError } from '../decode';
import { GRPC_CODE_NAMES, redact, sanitizeCode, type UpstreamErrorInit } from '../errors';
import {
  createJob,
  JOB_STATES,
  type JOB_TYPES,
  type Job,
  type ListJobsPage,
  type ListJobsQuery,
} from '../model';

const STATE_PREFIX = 'JOB_STATE__';
const TYPE_PREFIX = 'JOB__';
const WINDOW_SECS = 180 * 86_400;

/** v1 enum names (with or without prefix, any case) → domain names. v1 has no BULK_* job types. */
const STATES = new Map<string, (typeof JOB_STATES)[number]>(
  JOB_STATES.flatMap((state) => [
    [state, state],
    [STATE_PREFIX + state, state],
  ]),
);
const TYPES = new Map<string, (typeof JOB_TYPES)[number]>(
  (['UNKNOWN', 'CORPUS_REBUILD_VECTOR_INDEX', 'CORPUS_REPLACE_FILTER_ATTRS'] as const).flatMap((type) => [
    [type, type],
    [TYPE_PREFIX + type, type],
  ]),
);

/** int64 epoch seconds as string or number; 0, "0", absent, null or garbage → null. */
export function decodeEpochSeconds(value: unknown): number | null {
  // Three per job: numbers and plain digit strings (int64 as JSON strings) skip the trimming.
  let seconds: number;
  if (typeof value === 'number') seconds = value;
  else {
    const raw = asString(value);
    const text = DIGITS.test(raw) ? raw : raw.trim();
    if (!SIGNED_DIGITS.test(text)) return null;
    seconds = Number(text);
  }
  return Number.isSafeInteger(seconds) && seconds > 0 && seconds <= MAX_EPOCH_SECONDS ? seconds : null;
}

const DIGITS = /^\d+$/;
const SIGNED_DIGITS = /^-?\d+$/;

/** The v1 request body of a list query (a page key alone when continuing). */
export function encodeListJobsRequest(query: ListJobsQuery, jobId?: string): Record<string, unknown> {
  if (query.pageKey) return { pageKey: query.pageKey };
  const body: Record<string, unknown> = {
    state: query.states.map((state) => STATE_PREFIX + state),
    numResults: query.pageSize,
  };
  if (jobId !== undefined) body.jobId = jobId;
  if (query.corpusKeys !== undefined && query.corpusKeys.length > 0)
    body.corpusId = query.corpusKeys.map(Number);
  if (query.createdAfter !== undefined) body.epochSecs = String(Math.floor(query.createdAfter));
  return body;
}

function decodeCorpusKeys(value: unknown): string[] {
  const keys: string[] = [];
  for (const item of asArray(value, 'job[].corpusId')) {
    const id = Number(asString(item));
    if (Number.isSafeInteger(id) && id >= 0) keys.push(String(id));
  }
  return keys;
}

export function decodeJob(value: unknown): Job {
  if (!isRecord(value)) throw new WirePayloadError('a job entry is not an object');
  const id = asString(value.id);
  if (id === '') throw new WirePayloadError('a job entry has no id');
  const unknown: string[] = [];
  const job = createJob({
    jobId: id,
    type: decodeEnum(value.type, TYPES, unknown),
    state: decodeEnum(value.state, STATES, unknown),
    corpusKeys: decodeCorpusKeys(value.corpusId ?? value.corpus_id),
    createdAt: decodeEpochSeconds(value.tsCreate ?? value.ts_create),
    startedAt: decodeEpochSeconds(value.tsStart ?? value.ts_start),
    completedAt: decodeEpochSeconds(value.tsComplete ?? value.ts_complete),
    userHandle: asString(value.userHandle ?? value.user_handle) || null,
    comment: null,
  });
  if (unknown.length > 0) job.unknownEnums = unknown;
  return job;
}

/** The non-OK entries of `status[]` (an empty array or `OK` entries mean success). */
export function decodeStatusFailures(body: Record<string, unknown>): { code: string; detail: string }[] {
  const failures: { code: string; detail: string }[] = [];
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

const ALL_STATES_QUERY: ListJobsQuery = { states: JOB_STATES, pageSize: 1 };

export function createV1Adapter(): UpstreamAdapter {
  const post = (operation: 'list' | 'get', body: Record<string, unknown>): UpstreamRequest => ({
    operation,
    urlTemplate: '/v1/list-jobs',
    method: 'POST',
    path: '/v1/list-jobs',
    body: JSON.stringify(body),
  });
  return {
    version: 'v1',
    capabilities: {
      name: 'Vectara API v1',
      corpusKey: {
        pattern: /^[1-9]\d{0,9}$/,
        unsupported:
          'Vectara API v1 (this gateway’s upstream) knows corpora by numeric id only: use `corpusIds`, or corpus keys that are decimal ids.',
      },
      maxCreatedAfterAgeSecs: WINDOW_SECS,
      requiresCustomerId: true,
    },
    listRequest: (query) => post('list', encodeListJobsRequest(query)),
    // One job: the list filtered by id, with every state so that a finished job is found.
    getRequest: (jobId) => post('get', encodeListJobsRequest(ALL_STATES_QUERY, jobId)),
    deadlineHeaders: (remainingMs) => ({
      // The upstream reads either name; both carry the remaining deadline (<int><unit>).
      'grpc-timeout': `${Math.max(1, Math.floor(remainingMs))}m`,
      timeout: `${Math.max(1, Math.ceil(remainingMs / 1000))}S`,
    }),
    decodePage: decodeListJobsPage,
    decodeJob: (body, jobId) => decodeListJobsPage(body).jobs.find((job) => job.jobId === jobId) ?? null,
    applicationError(body, secrets) {
      const first = decodeStatusFailures(body)[0];
      if (!first) return undefined;
      const code = sanitizeCode(first.code, secrets);
      return {
        kind: 'status',
        message: `The upstream reported ${code}.`,
        code,
        detail: redact(first.detail, secrets),
      };
    },
    httpError(httpStatus, body, secrets: Secrets): UpstreamErrorInit | undefined {
      const rpc = decodeRpcStatus(body);
      if (!rpc) return undefined;
      const code = GRPC_CODE_NAMES[rpc.code] ?? sanitizeCode(String(rpc.code), secrets);
      return {
        kind: 'status',
        message: `The upstream answered HTTP ${httpStatus} ${code}.`,
        code,
        detail: redact(rpc.message, secrets),
      };
    },
  };
}
