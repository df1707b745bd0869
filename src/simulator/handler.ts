// The upstream simulator: a `(Request) => Response` implementation of `POST /v1/list-jobs` that follows
// ../shared/upstream/README.md (auth, customer-id, filters, default states, the 180-day window, numResults,
// base64 page keys, int64 strings, both error paths), with fault and quirk knobs. It holds no sockets; the
// launcher in main.ts serves it over node:http, tests call it in-process through `simulator.fetch`.

import { sleep as delay } from '../upstream/retry';
import { JOB_STATES } from '../upstream/wire';
import {
  type Account,
  compareJobs,
  type DatasetSpec,
  DEMO_ACCOUNTS,
  DEMO_DATASETS,
  type FinalState,
  generateJobs,
  makeJobId,
  type SimJob,
  seededRandom,
  snapshotAt,
} from './dataset';
import {
  DEFAULT_FAULT_SETTINGS,
  type Fault,
  type FaultSettings,
  parseFault,
  parseFaultSettings,
  parseQuirks,
  type Quirk,
} from './faults';
import { decodePageKey, encodePageKey, type PageFilter } from './page-key';

const WINDOW_SECS = 180 * 86_400;
const MAX_RESULTS = 100;
const DEFAULT_RESULTS = 10;
const STATE_PREFIX = 'JOB_STATE__';
const ALL_STATES: readonly string[] = JOB_STATES;
export const ADMIN_PATH = '/_simulator';

/** Thrown by the handler to ask its transport to reset the connection (no HTTP answer at all). */
export class SimulatedReset extends Error {
  override name = 'SimulatedReset';
  readonly code = 'ECONNRESET';
}

export interface SimulatorOptions {
  accounts?: readonly Account[];
  datasets?: readonly DatasetSpec[];
  /** Milliseconds since the epoch; inject a fake clock to move jobs along. */
  now?: () => number;
  /** Seed for random faults. */
  seed?: number;
}

export interface RecordedCall {
  headers: Record<string, string>;
  body: unknown;
  status: number;
}

export interface NewJob {
  customerId?: string;
  corpusIds?: number[];
  type?: SimJob['type'];
  /** Seconds the job stays QUEUED, then STARTED, from now. */
  queuedForSecs?: number;
  runForSecs?: number;
  finalState?: FinalState;
  userHandle?: string;
}

export interface Simulator {
  handle(request: Request): Promise<Response>;
  /** A WHATWG fetch served in-process (resets become network errors, hangs honour the signal). */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  configure(settings: Partial<FaultSettings>): void;
  /** Queue faults for the next requests, one per request, before any random fault. */
  failNext(fault: Fault, times?: number): void;
  reset(): void;
  addJob(job?: NewJob): SimJob;
  /** The jobs of a customer as they are now, in upstream order (for assertions). */
  jobsOf(customerId: string): SimJob[];
  settings(): FaultSettings;
  /** Requests to /v1/list-jobs since the last reset (counts every attempt, faults included). */
  readonly calls: number;
  /** Requests being handled right now (a hang stays in flight until its caller goes away). */
  readonly inFlight: number;
  /** The most recent requests (bounded), headers lower-cased. */
  readonly recorded: readonly RecordedCall[];
}

const RECORD_LIMIT = 500;

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const now = options.now ?? Date.now;
  const accounts = options.accounts ?? DEMO_ACCOUNTS;
  const anchor = Math.floor(now() / 1000);
  const jobsByCustomer = new Map<string, SimJob[]>();
  for (const spec of options.datasets ?? DEMO_DATASETS) {
    jobsByCustomer.set(spec.customerId, generateJobs(spec, anchor));
  }
  const random = seededRandom(options.seed ?? 42);
  let settings: FaultSettings = { ...DEFAULT_FAULT_SETTINGS };
  let queued: Fault[] = [];
  let calls = 0;
  let inFlight = 0;
  const active = new Set<Request>();
  const recorded: RecordedCall[] = [];

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith(ADMIN_PATH)) return admin(request, url);
    if (url.pathname !== '/v1/list-jobs') return rpcError(404, 5, `Not Found: ${url.pathname}`);
    if (request.method !== 'POST') return rpcError(405, 12, 'Method Not Allowed');
    calls++;
    const headers = Object.fromEntries(
      [...request.headers].map(([name, value]) => [name.toLowerCase(), value]),
    );
    const text = await request.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    inFlight++;
    let response: Response;
    try {
      response = await serve(request, headers, body);
    } finally {
      inFlight--;
    }
    recorded.push({ headers, body, status: response.status });
    if (recorded.length > RECORD_LIMIT) recorded.shift();
    return response;
  }

  async function serve(request: Request, headers: Record<string, string>, body: unknown): Promise<Response> {
    const latency = Number(headers['x-simulator-latency-ms'] ?? settings.latencyMs);
    if (latency > 0) await delay(latency, request.signal);
    const fault = pickFault(headers['x-simulator-fault']);
    const quirks = headers['x-simulator-quirks']
      ? parseQuirks(headers['x-simulator-quirks'])
      : settings.quirks;
    if (fault) return injectFault(fault, request.signal);
    const account = authenticate(headers);
    if (account instanceof Response) return account;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return rpcError(400, 3, 'invalid character in request body: expected a JSON object');
    }
    return list(account, body as Record<string, unknown>, quirks);
  }

  function pickFault(header: string | undefined): Fault | undefined {
    if (header) return parseFault(header);
    const next = queued.shift();
    if (next) return next;
    if (settings.periodic && calls % settings.periodic.every === 0) return settings.periodic.fault;
    if (settings.random && random() < settings.random.probability) return settings.random.fault;
    return undefined;
  }

  async function injectFault(fault: Fault, signal: AbortSignal): Promise<Response> {
    switch (fault) {
      case 'rate-limit':
        return rpcError(429, 8, 'Too many requests; slow down.', {
          'retry-after': String(settings.retryAfterSeconds),
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
          status: [{ code: settings.statusCode, statusDetail: `Simulated ${settings.statusCode}.` }],
          job: [],
          pageKey: '',
        });
      case 'internal':
        return rpcError(500, 13, 'internal error');
      case 'bad-gateway':
        return html(502, '<html><body><h1>502 Bad Gateway</h1></body></html>');
      case 'html-500':
        return html(500, '<html><body><h1>500 Internal Server Error</h1></body></html>');
      case 'not-json':
        return new Response('OK', { status: 200, headers: { 'content-type': 'text/plain' } });
      case 'reset':
        throw new SimulatedReset('connection reset by simulator');
      case 'hang':
        await delay(Number.POSITIVE_INFINITY, signal);
        return rpcError(504, 4, 'unreachable');
    }
  }

  function authenticate(headers: Record<string, string>): Account | Response {
    const apiKey = headers['x-api-key'];
    const authorization = headers.authorization;
    const customerId = headers['customer-id'];
    if (!customerId) return rpcError(401, 16, 'Request does not contain customer-id-bin header.');
    let account: Account | undefined;
    if (apiKey) {
      account = accounts.find((candidate) => candidate.apiKeys.includes(apiKey));
    } else if (authorization) {
      const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
      account = token ? accounts.find((candidate) => candidate.bearerTokens.includes(token)) : undefined;
    } else {
      return rpcError(401, 16, 'Request is missing authentication: send x-api-key or a Bearer token.');
    }
    if (!account) return rpcError(401, 16, 'Invalid API key or token.');
    if (account.customerId !== customerId.trim()) {
      return rpcError(403, 7, `Permission denied for customer ${customerId.trim().slice(0, 20)}.`);
    }
    return account;
  }

  function list(account: Account, body: Record<string, unknown>, quirks: Quirk[]): Response {
    const nowSecs = Math.floor(now() / 1000);
    const field = (camel: string, snake: string) => body[camel] ?? body[snake];
    const rawKey = field('pageKey', 'page_key');
    let filter: PageFilter;
    let pageSize: number;
    let after: [number, string] | undefined;
    if (typeof rawKey === 'string' && rawKey !== '') {
      const key = decodePageKey(rawKey);
      if (!key || key.customerId !== account.customerId) {
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
    const matches = (jobsByCustomer.get(account.customerId) ?? []).filter((job) => {
      if (after && compareJobs(job, { createdAt: after[0], id: after[1] } as SimJob) <= 0) return false;
      if (filter.jobId !== undefined && job.id !== filter.jobId) return false;
      if (job.createdAt < filter.since) return false;
      if (filter.corpusIds?.length && !job.corpusIds.some((id) => filter.corpusIds?.includes(id)))
        return false;
      const snapshot = snapshotAt(job, nowSecs);
      return snapshot !== undefined && filter.states.includes(snapshot.state);
    });
    const size =
      quirks.includes('short-pages') && matches.length > pageSize ? Math.ceil(pageSize / 2) : pageSize;
    const page = matches.slice(0, size);
    const last = page.at(-1);
    const more = matches.length > page.length || (quirks.includes('trailing-empty-page') && page.length > 0);
    const pageKey =
      more && last
        ? encodePageKey({
            customerId: account.customerId,
            filter,
            pageSize,
            after: [last.createdAt, last.id],
          })
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
          status: [
            { code: 'INVALID_ARGUMENT', statusDetail: 'epochSecs: max allowed value is 180 days ago.' },
          ],
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

  async function admin(request: Request, url: URL): Promise<Response> {
    if (url.pathname === `${ADMIN_PATH}/stats`) return json(200, { calls, settings, queued });
    if (url.pathname === `${ADMIN_PATH}/reset` && request.method === 'POST') {
      simulator.reset();
      return json(200, { ok: true });
    }
    if (url.pathname === `${ADMIN_PATH}/config` && request.method === 'POST') {
      try {
        simulator.configure(parseFaultSettings(await request.json()));
        return json(200, settings);
      } catch (error) {
        return json(400, { error: (error as Error).message });
      }
    }
    return json(404, { error: `unknown admin path ${url.pathname}` });
  }

  const simulator: Simulator = {
    handle: async (request) => {
      // A Request's signal follows its parent only weakly: a hung handler that nothing else references would
      // be garbage-collected with it and never hear the abort. Hold every request until it is answered.
      active.add(request);
      try {
        return await handle(request);
      } catch (error) {
        if (error instanceof SimulatedReset || request.signal.aborted) throw error;
        // A bad knob value sent per request is the caller's mistake, reported like the upstream would.
        return rpcError(400, 3, (error as Error).message);
      } finally {
        active.delete(request);
      }
    },
    fetch: async (input, init) => {
      const request = new Request(input, init);
      try {
        return await simulator.handle(request);
      } catch (error) {
        if (request.signal.aborted) throw request.signal.reason;
        throw new TypeError('fetch failed', { cause: error });
      }
    },
    configure(partial) {
      settings = { ...settings, ...partial };
    },
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) queued.push(fault);
    },
    reset() {
      settings = { ...DEFAULT_FAULT_SETTINGS };
      queued = [];
      calls = 0;
      recorded.length = 0;
    },
    addJob(init = {}) {
      const customerId = init.customerId ?? accounts[0]?.customerId ?? '0';
      const createdAt = Math.floor(now() / 1000);
      const startAt = createdAt + (init.queuedForSecs ?? 10);
      const job: SimJob = {
        id: makeJobId(random),
        customerId,
        type: init.type ?? 'CORPUS_REBUILD_VECTOR_INDEX',
        corpusIds: init.corpusIds ?? [1],
        userHandle: init.userHandle ?? 'ada@example.com',
        createdAt,
        startAt,
        endAt: startAt + (init.runForSecs ?? 60),
        finalState: init.finalState ?? 'COMPLETED',
        retryWindow: 0,
      };
      const jobs = jobsByCustomer.get(customerId) ?? [];
      jobs.push(job);
      jobs.sort(compareJobs);
      jobsByCustomer.set(customerId, jobs);
      return job;
    },
    jobsOf: (customerId) => [...(jobsByCustomer.get(customerId) ?? [])],
    settings: () => settings,
    get calls() {
      return calls;
    },
    get inFlight() {
      return inFlight;
    },
    recorded,
  };
  return simulator;
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

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function rpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, { code, message, details: [] }, headers);
}

function html(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html' } });
}
