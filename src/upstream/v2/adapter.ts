// Vectara REST API v2: `GET /v2/jobs` and `GET /v2/jobs/{job_id}` (upstream/v2.md beside the spec). The only
// file that knows v2's parameter, field and enum names. Lists send repeated keys (`state=queued&state=started`,
// `corpus_key=…`), `limit`, `after` (RFC 3339), and every filter again beside `page_key`, as the official
// SDKs do. Errors are plain HTTP statuses with `{messages, request_id, field_errors?}`. Decoding is tolerant:
// absent or null fields, unknown fields and enum values, `metadata`/`page_key` missing, null or "" = end.
import type { UpstreamAdapter } from '../adapter';
import { asArray, asString, decodeEnum, isRecord, MAX_EPOCH_SECONDS, WirePayloadError } from '../decode';
import { redact, type UpstreamErrorInit } from '../errors';
import {
  createJob,
  type Job,
  type JobState,
  type JobType,
  type ListJobsPage,
  type ListJobsQuery,
} from '../model';

/** Domain state → v2 `state` value. */
const V2_STATES: Readonly<Record<JobState, string>> = {
  UNKNOWN: 'unknown',
  QUEUED: 'queued',
  STARTED: 'started',
  COMPLETED: 'completed',
  FAILED: 'failed',
  TRANSIENT_FAILURE_RETRY_IMMINENT: 'failed_will_retry',
  ABORTED: 'aborted',
};

/** Domain type → v2 `type` value. */
const V2_TYPES: Readonly<Record<JobType, string>> = {
  UNKNOWN: 'unknown',
  CORPUS_REBUILD_VECTOR_INDEX: 'rebuild_vector_index',
  CORPUS_REPLACE_FILTER_ATTRS: 'replace_filter_attributes',
  BULK_DELETE_DOCUMENTS: 'bulk_delete_documents',
  BULK_UPDATE_DOCUMENT_METADATA: 'bulk_update_document_metadata',
};

const invert = <T extends string>(table: Readonly<Record<T, string>>) =>
  new Map(Object.entries(table).map(([domain, wire]) => [(wire as string).toUpperCase(), domain as T]));
const STATES = invert(V2_STATES);
const TYPES = invert(V2_TYPES);

/** An RFC 3339 instant → epoch seconds; absent, null, unparsable or past year 9999 → null. */
export function decodeInstant(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || ms <= 0) return null;
  const seconds = Math.floor(ms / 1000);
  return seconds <= MAX_EPOCH_SECONDS ? seconds : null;
}

/** The query string of a list call: filters always, `page_key` beside them when continuing. */
export function encodeListQuery(query: ListJobsQuery): string {
  const params = new URLSearchParams();
  for (const state of query.states) params.append('state', V2_STATES[state]);
  for (const key of query.corpusKeys ?? []) params.append('corpus_key', key);
  if (query.createdAfter !== undefined)
    params.set('after', new Date(query.createdAfter * 1000).toISOString());
  params.set('limit', String(query.pageSize));
  if (query.pageKey) params.set('page_key', query.pageKey);
  return params.toString();
}

export function decodeJob(value: unknown): Job {
  if (!isRecord(value)) throw new WirePayloadError('a job entry is not an object');
  const id = asString(value.id);
  if (id === '') throw new WirePayloadError('a job entry has no id');
  const unknown: string[] = [];
  const keys = asArray(value.corpus_keys, 'jobs[].corpus_keys').filter(
    (key): key is string => typeof key === 'string' && key !== '',
  );
  const job = createJob({
    jobId: id,
    type: decodeEnum(value.type, TYPES, unknown),
    state: decodeEnum(value.state, STATES, unknown),
    corpusKeys: keys,
    createdAt: decodeInstant(value.created_at),
    startedAt: decodeInstant(value.started_at),
    completedAt: decodeInstant(value.completed_at),
    userHandle: asString(value.created_by_username) || null,
    comment: asString(value.comment) || null,
  });
  if (unknown.length > 0) job.unknownEnums = unknown;
  return job;
}

export function decodePage(body: Record<string, unknown>): ListJobsPage {
  const metadata = isRecord(body.metadata) ? body.metadata : {};
  return {
    jobs: asArray(body.jobs, 'jobs').map(decodeJob),
    pageKey: asString(metadata.page_key),
  };
}

/** `{messages, request_id, field_errors}` → the parts the gateway repeats (redacted, bounded). */
export function decodeErrorBody(
  body: unknown,
  secrets: readonly (string | undefined)[],
): Pick<UpstreamErrorInit, 'detail' | 'requestId' | 'fieldErrors'> | undefined {
  if (!isRecord(body)) return undefined;
  const messages = Array.isArray(body.messages) ? body.messages.map(asString).filter(Boolean) : [];
  const requestId = asString(body.request_id);
  const fieldErrors: Record<string, string> = {};
  if (isRecord(body.field_errors)) {
    for (const [field, message] of Object.entries(body.field_errors).slice(0, 20)) {
      fieldErrors[redact(field, secrets).slice(0, 64)] = redact(asString(message), secrets);
    }
  }
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;
  if (messages.length === 0 && requestId === '' && !hasFieldErrors) return undefined;
  const detail =
    messages.length > 0
      ? messages.join('; ')
      : Object.entries(fieldErrors)
          .map(([field, message]) => `${field}: ${message}`)
          .join('; ');
  return {
    detail: redact(detail, secrets),
    requestId: /^[A-Za-z0-9_-]{1,64}$/.test(requestId) ? requestId : undefined,
    fieldErrors: hasFieldErrors ? fieldErrors : undefined,
  };
}

export function createV2Adapter(): UpstreamAdapter {
  return {
    version: 'v2',
    capabilities: {
      name: 'Vectara API v2',
      corpusKey: {
        pattern: /^[a-zA-Z0-9_=-]{1,50}$/,
        unsupported: 'corpus keys are 1–50 characters of letters, digits, `_`, `=` and `-`.',
      },
    },
    listRequest: (query) => ({
      operation: 'list',
      urlTemplate: '/v2/jobs',
      method: 'GET',
      path: `/v2/jobs?${encodeListQuery(query)}`,
    }),
    getRequest: (jobId) => ({
      operation: 'get',
      urlTemplate: '/v2/jobs/{job_id}',
      method: 'GET',
      path: `/v2/jobs/${encodeURIComponent(jobId)}`,
    }),
    deadlineHeaders: (remainingMs) => ({
      'request-timeout-millis': String(Math.max(1, Math.floor(remainingMs))),
    }),
    decodePage,
    decodeJob: (body, jobId) => {
      const job = decodeJob(body);
      return job.jobId === jobId ? job : null;
    },
    applicationError: () => undefined,
    httpError(httpStatus, body, secrets) {
      const decoded = decodeErrorBody(body, secrets);
      if (!decoded) return undefined;
      return {
        kind: 'status',
        message: `The upstream answered HTTP ${httpStatus}.`,
        ...decoded,
      };
    },
  };
}
