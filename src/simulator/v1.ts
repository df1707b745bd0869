// The simulator's v1 route: `POST /v1/list-jobs` per upstream/README.md — customer-id required, camelCase or
// snake_case fields, default states QUEUED + STARTED, the 180-day window, numResults ≤ 100 (an over-limit
// value is the 200 + status[] error path), padded base64 page keys that carry the filters, string int64s,
// and rpc Status bodies for HTTP errors. Jobs of types v1 does not know are not shown.
import { JOB_STATES } from '../upstream/model';
import { type SimJob, snapshotAt } from './dataset';
import type { Fault, Quirk } from './faults';
import { decodePageKey, encodePageKey, type PageFilter } from './page-key';
import { json, paginate, type RouteContext, type Routes, selectJobs, transportFault } from './routes';

const WINDOW_SECS = 180 * 86_400;
const MAX_RESULTS = 100;
const DEFAULT_RESULTS = 10;
const STATE_PREFIX = 'JOB_STATE__';
const ALL_STATES: readonly string[] = JOB_STATES;

export function rpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, { code, message, details: [] }, headers);
}

export const v1Routes: Routes = {
  handles: (url) => url.pathname === '/v1/list-jobs',
  notFound: (path) => rpcError(404, 5, `Not Found: ${path}`),
  badKnob: (message) => rpcError(400, 3, message),
  fault(fault: Exclude<Fault, 'reset' | 'hang'>, context) {
    switch (fault) {
      case 'rate-limit':
        return rpcError(429, 8, 'Too many requests; slow down.', {
          'retry-after': String(context.settings.retryAfterSeconds),
        });
      case 'unavailable':
        return rpcError(503, 14, 'The service is currently unavailable.');
      case 'status-unavailable':
        return json(200, {
          status: [{ code: 'UNAVAILABLE', statusDetail: 'Service temporarily unavailable.' }],
          job: [],
        });
      case 'status-error':
        return json(200, {
          status: [
            { code: context.settings.statusCode, statusDetail: `Simulated ${context.settings.statusCode}.` },
          ],
          job: [],
          pageKey: '',
        });
      case 'internal':
        return rpcError(500, 13, 'internal error');
      default:
        return transportFault(fault) as Response;
    }
  },
  serve(context) {
    if (context.request.method !== 'POST') return rpcError(405, 12, 'Method Not Allowed');
    const { headers } = context;
    const customerId = headers['customer-id'];
    if (!customerId) return rpcError(401, 16, 'Request does not contain customer-id-bin header.');
    const account = context.authenticate();
    if (account === 'missing')
      return rpcError(401, 16, 'Request is missing authentication: send x-api-key or a Bearer token.');
    if (account === 'invalid') return rpcError(401, 16, 'Invalid API key or token.');
    if (account.customerId !== customerId.trim()) {
      return rpcError(403, 7, `Permission denied for customer ${customerId.trim().slice(0, 20)}.`);
    }
    const body = context.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return rpcError(400, 3, 'invalid character in request body: expected a JSON object');
    }
    return list(context, account.customerId, body as Record<string, unknown>);
  },
};

function list(context: RouteContext, customerId: string, body: Record<string, unknown>): Response {
  const { nowSecs, quirks } = context;
  const field = (camel: string, snake: string) => body[camel] ?? body[snake];
  const rawKey = field('pageKey', 'page_key');
  let filter: PageFilter;
  let pageSize: number;
  let after: [number, string] | undefined;
  if (typeof rawKey === 'string' && rawKey !== '') {
    const key = decodePageKey(rawKey, 'v1');
    if (!key || key.customerId !== customerId) {
      return rpcError(400, 3, 'illegal base64 data at input byte 0 (pageKey)');
    }
    filter = key.filter;
    pageSize = key.pageSize;
    after = key.after;
  } else {
    const parsed = parseFilter(field, nowSecs);
    if (parsed instanceof Response) return parsed;
    ({ filter, pageSize } = parsed);
  }
  const matches = selectJobs(context.jobsOf(customerId), nowSecs, after, (job, state) => {
    if (job.v2Only) return false;
    if (filter.jobId !== undefined && job.id !== filter.jobId) return false;
    if (job.createdAt < filter.since) return false;
    if (filter.corpusIds?.length && !job.corpusIds.some((id) => filter.corpusIds?.includes(id))) return false;
    return filter.states.includes(state);
  });
  const { page, more } = paginate(matches, pageSize, quirks);
  const last = page.at(-1);
  const pageKey =
    more && last
      ? encodePageKey({ customerId, filter, pageSize, after: [last.createdAt, last.id] }, 'v1')
      : '';
  return json(200, renderPage(page, pageKey, nowSecs, quirks));
}

function parseFilter(
  field: (camel: string, snake: string) => unknown,
  nowSecs: number,
): { filter: PageFilter; pageSize: number } | Response {
  const rawStates = field('state', 'state');
  let states = ['QUEUED', 'STARTED'];
  if (rawStates !== undefined && rawStates !== null) {
    if (!Array.isArray(rawStates)) return rpcError(400, 3, 'state: expected an array of JobState names');
    const names = rawStates.map((state) => String(state).replace(STATE_PREFIX, ''));
    const bad = names.find((state) => !ALL_STATES.includes(state));
    if (bad !== undefined) return rpcError(400, 3, `invalid value for enum type: "${bad}"`);
    if (names.length > 0) states = names;
  }
  const rawSize = field('numResults', 'num_results');
  const pageSize = rawSize === undefined || rawSize === null ? 0 : Number(rawSize);
  if (!Number.isInteger(pageSize) || pageSize < 0) return rpcError(400, 3, 'numResults: invalid value');
  if (pageSize > MAX_RESULTS) {
    return json(200, {
      status: [{ code: 'INVALID_ARGUMENT', statusDetail: `numResults must be at most ${MAX_RESULTS}.` }],
      job: [],
      pageKey: '',
    });
  }
  const rawSince = field('epochSecs', 'epoch_secs');
  let since = nowSecs - WINDOW_SECS;
  if (rawSince !== undefined && rawSince !== null && rawSince !== '') {
    since = Number(rawSince);
    if (!Number.isInteger(since)) return rpcError(400, 3, 'epochSecs: invalid int64 value');
    if (since < nowSecs - WINDOW_SECS) {
      return json(200, {
        status: [{ code: 'INVALID_ARGUMENT', statusDetail: 'epochSecs: max allowed value is 180 days ago.' }],
        job: [],
        pageKey: '',
      });
    }
  }
  const rawCorpora = field('corpusId', 'corpus_id');
  let corpusIds: number[] | undefined;
  if (rawCorpora !== undefined && rawCorpora !== null) {
    if (!Array.isArray(rawCorpora)) return rpcError(400, 3, 'corpusId: expected an array');
    corpusIds = rawCorpora.map(Number);
    if (corpusIds.some((id) => !Number.isInteger(id) || id < 0))
      return rpcError(400, 3, 'corpusId: invalid value');
  }
  const rawJobId = field('jobId', 'job_id');
  const filter: PageFilter = { states, since };
  if (corpusIds?.length) filter.corpusIds = corpusIds;
  if (typeof rawJobId === 'string' && rawJobId !== '') filter.jobId = rawJobId;
  return { filter, pageSize: pageSize === 0 ? DEFAULT_RESULTS : pageSize };
}

function renderPage(
  page: SimJob[],
  pageKey: string,
  nowSecs: number,
  quirks: Quirk[],
): Record<string, unknown> {
  const asNumber = quirks.includes('int64-numbers');
  const int64 = (value: number) => (asNumber ? value : String(value));
  const unset = quirks.includes('omit-empty') ? undefined : quirks.includes('null-fields') ? null : '0';
  const empty = (value: string) =>
    value !== ''
      ? value
      : quirks.includes('omit-empty')
        ? undefined
        : quirks.includes('null-fields')
          ? null
          : '';
  const jobs = page.map((job, index) => {
    const snapshot = snapshotAt(job, nowSecs)!;
    const weird = quirks.includes('unknown-enums') && index % 3 === 0;
    return {
      id: job.id,
      type: weird ? 'JOB__CORPUS_COMPACT' : `JOB__${job.type}`,
      corpusId: job.corpusIds,
      state: weird ? 'JOB_STATE__PAUSED' : `${STATE_PREFIX}${snapshot.state}`,
      tsCreate: int64(job.createdAt),
      tsStart: snapshot.startedAt ? int64(snapshot.startedAt) : unset,
      tsComplete: snapshot.completedAt ? int64(snapshot.completedAt) : unset,
      userHandle: empty(job.userHandle),
      ...(weird ? { futureField: { nested: true } } : {}),
    };
  });
  const status = quirks.includes('status-ok') ? [{ code: 'OK', statusDetail: '' }] : [];
  return {
    status: status.length === 0 && quirks.includes('null-fields') ? null : status,
    job: jobs,
    pageKey: empty(pageKey),
  };
}
