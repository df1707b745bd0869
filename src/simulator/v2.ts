// The simulator's v2 routes per upstream/v2.md: `GET /v2/jobs` (repeated `state` and `corpus_key` keys,
// `after` RFC 3339, `limit` 1..100 default 10, `page_key` that must come with the same filters) and
// `GET /v2/jobs/{job_id}` (percent-encoded `job_` ids). No customer-id; errors are HTTP statuses with
// `{messages, request_id}` (and `field_errors` on 400). Timestamps are RFC 3339 with milliseconds, unset
// ones omitted (or null with the null-fields quirk); `comment` explains failed jobs.
import { JOB_STATES, type JobState } from '../upstream/model';
import { millisOf, type SimJob, snapshotAt } from './dataset';
import type { Fault, Quirk } from './faults';
import { decodePageKey, encodePageKey, type PageFilter } from './page-key';
import { json, paginate, type RouteContext, type Routes, selectJobs, transportFault } from './routes';

const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 10;
const CORPUS_KEY = /^[a-zA-Z0-9_=-]{1,50}$/;
// The wire names as upstream/v2.md documents them (written out here, not borrowed from the gateway's adapter,
// so that a mistake in either shows up in the tests).
const V2_STATES: Readonly<Record<JobState, string>> = {
  UNKNOWN: 'unknown',
  QUEUED: 'queued',
  STARTED: 'started',
  COMPLETED: 'completed',
  FAILED: 'failed',
  TRANSIENT_FAILURE_RETRY_IMMINENT: 'failed_will_retry',
  ABORTED: 'aborted',
};
const V2_TYPES: Readonly<Record<SimJob['type'], string>> = {
  CORPUS_REBUILD_VECTOR_INDEX: 'rebuild_vector_index',
  CORPUS_REPLACE_FILTER_ATTRS: 'replace_filter_attributes',
  BULK_DELETE_DOCUMENTS: 'bulk_delete_documents',
  BULK_UPDATE_DOCUMENT_METADATA: 'bulk_update_document_metadata',
};
const STATE_OF = new Map(JOB_STATES.map((state) => [V2_STATES[state], state] as const));

function error(
  context: RouteContext,
  status: number,
  messages: string[],
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return json(status, { ...extra, messages, request_id: context.requestId() }, headers);
}

function badRequest(context: RouteContext, field: string, message: string): Response {
  return error(context, 400, [`Invalid parameter ${field}.`], { field_errors: { [field]: message } });
}

export const v2Routes: Routes = {
  handles: (url) => url.pathname === '/v2/jobs' || url.pathname.startsWith('/v2/jobs/'),
  notFound: (path, context) => error(context, 404, [`Not found: ${path}`]),
  badKnob: (message, context) => error(context, 400, [message]),
  fault(fault: Exclude<Fault, 'reset' | 'hang'>, context) {
    switch (fault) {
      case 'rate-limit':
        return error(
          context,
          429,
          ['Too many requests; slow down.'],
          {},
          {
            'retry-after': String(context.settings.retryAfterSeconds),
          },
        );
      case 'unavailable':
      case 'status-unavailable': // v2 has no 200-with-status path: the same outage as a 503
        return error(context, 503, ['UNAVAILABLE: The service is currently unavailable.']);
      case 'status-error':
        return badRequest(context, 'state', `Simulated ${context.settings.statusCode}.`);
      case 'internal':
        return error(context, 500, ['INTERNAL: internal error']);
      default:
        return transportFault(fault) as Response;
    }
  },
  serve(context) {
    if (context.request.method !== 'GET') return error(context, 405, ['Method Not Allowed']);
    const account = context.authenticate();
    if (account === 'missing')
      return error(context, 401, ['Missing credentials: send x-api-key or a Bearer token.']);
    if (account === 'invalid') return error(context, 401, ['Invalid API key or token.']);
    const rest = context.url.pathname.slice('/v2/jobs'.length);
    if (rest === '' || rest === '/') return list(context, account.customerId);
    return getOne(context, account.customerId, rest.slice(1));
  },
};

function getOne(context: RouteContext, customerId: string, segment: string): Response {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    return badRequest(context, 'job_id', 'not a valid percent-encoded job id');
  }
  const job = context.jobsOf(customerId).find((candidate) => `job_${candidate.id}` === id);
  const snapshot = job ? snapshotAt(job, context.nowSecs) : undefined;
  if (!job || !snapshot) return error(context, 404, [`Job ${id.slice(0, 80)} not found.`], { id });
  return json(200, renderJob(job, context.nowSecs, context.quirks, false));
}

function list(context: RouteContext, customerId: string): Response {
  const params = context.url.searchParams;
  const parsed = parseFilter(context, params);
  if (parsed instanceof Response) return parsed;
  const { filter, pageSize } = parsed;
  let after: [number, string] | undefined;
  const rawKey = params.get('page_key');
  if (rawKey) {
    const key = decodePageKey(rawKey, 'v2');
    if (!key || key.customerId !== customerId) return badRequest(context, 'page_key', 'invalid page key');
    // The official SDKs re-send every filter with the key; a key sent with other filters is refused.
    if (JSON.stringify(key.filter) !== JSON.stringify(filter) || key.pageSize !== pageSize) {
      return badRequest(context, 'page_key', 'the page key does not match the other request parameters');
    }
    after = key.after;
  }
  const matches = selectJobs(context.jobsOf(customerId), context.nowSecs, after, (job, state) => {
    if (job.createdAt < filter.since) return false;
    if (filter.corpusKeys?.length && !job.corpusKeys.some((key) => filter.corpusKeys?.includes(key)))
      return false;
    return filter.states.includes(state);
  });
  const { page, more } = paginate(matches, pageSize, context.quirks);
  const last = page.at(-1);
  const pageKey =
    more && last
      ? encodePageKey({ customerId, filter, pageSize, after: [last.createdAt, last.id] }, 'v2')
      : '';
  const jobs = page.map((job, index) => renderJob(job, context.nowSecs, context.quirks, index % 3 === 0));
  if (pageKey) return json(200, { jobs, metadata: { page_key: pageKey } });
  // The end of a list, each way v2.md calls plausible.
  if (context.quirks.includes('omit-empty')) return json(200, { jobs });
  if (context.quirks.includes('null-fields')) return json(200, { jobs, metadata: { page_key: null } });
  return json(200, { jobs, metadata: { page_key: '' } });
}

function parseFilter(
  context: RouteContext,
  params: URLSearchParams,
): { filter: PageFilter; pageSize: number } | Response {
  const rawStates = params.getAll('state');
  const states: JobState[] = [];
  for (const raw of rawStates) {
    const state = STATE_OF.get(raw);
    if (!state) return badRequest(context, 'state', `unknown state "${raw.slice(0, 40)}"`);
    states.push(state);
  }
  const corpusKeys = params.getAll('corpus_key');
  const bad = corpusKeys.find((key) => !CORPUS_KEY.test(key));
  if (bad !== undefined) return badRequest(context, 'corpus_key', `invalid corpus key "${bad.slice(0, 60)}"`);
  const rawLimit = params.get('limit');
  const pageSize = rawLimit === null ? DEFAULT_LIMIT : Number(rawLimit);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_LIMIT) {
    return badRequest(context, 'limit', `must be an integer between 1 and ${MAX_LIMIT}`);
  }
  const rawAfter = params.get('after');
  let since = 0;
  if (rawAfter !== null) {
    const ms = Date.parse(rawAfter);
    if (Number.isNaN(ms) || !/^\d{4}-\d\d-\d\dT/.test(rawAfter))
      return badRequest(context, 'after', 'must be an RFC 3339 date-time');
    since = Math.ceil(ms / 1000);
  }
  // Without `state` the list has every state (v2.md: undocumented, likely all).
  const filter: PageFilter = {
    states: states.length > 0 ? [...new Set(states)].sort() : [...JOB_STATES],
    since,
  };
  if (corpusKeys.length > 0) filter.corpusKeys = [...new Set(corpusKeys)].sort();
  return { filter, pageSize };
}

function instant(seconds: number, millis: number): string {
  return new Date(seconds * 1000 + millis).toISOString();
}

function renderJob(
  job: SimJob,
  nowSecs: number,
  quirks: Quirk[],
  weirdCandidate: boolean,
): Record<string, unknown> {
  const snapshot = snapshotAt(job, nowSecs)!;
  const weird = quirks.includes('unknown-enums') && weirdCandidate;
  const unset = quirks.includes('null-fields') ? null : undefined;
  const millis = millisOf(job);
  const out: Record<string, unknown> = {
    id: `job_${job.id}`,
    type: weird ? 'compact_corpus' : V2_TYPES[job.type],
    corpus_keys: job.corpusKeys,
    state: weird ? 'paused' : V2_STATES[snapshot.state],
    created_at: instant(job.createdAt, millis),
    started_at: snapshot.startedAt ? instant(snapshot.startedAt, millis) : unset,
    completed_at: snapshot.completedAt ? instant(snapshot.completedAt, millis) : unset,
    created_by_username: job.userHandle === '' ? unset : job.userHandle,
    comment: snapshot.state === 'FAILED' && job.comment ? job.comment : unset,
    ...(weird ? { future_field: { nested: true } } : {}),
  };
  // Omitted means absent from the JSON, not `undefined`-valued keys (JSON.stringify drops those anyway).
  return out;
}
