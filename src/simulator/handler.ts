// The upstream simulator: a `(Request) => Response` implementation of both API versions over one set of
// accounts and jobs — `POST /v1/list-jobs` (v1.ts, per ../shared/upstream/README.md) and `GET /v2/jobs`,
// `GET /v2/jobs/{job_id}` (v2.ts, per upstream/v2.md) — with one fault and quirk engine (faults.ts) that each
// version answers in its own error shapes. It holds no sockets; the launcher in server.ts serves it over
// node:http, tests call it in-process through `simulator.fetch`.

import { sleep as delay } from '../upstream/retry';
import {
  type Account,
  arrivalAt,
  compareJobs,
  corpusKeyOf,
  type DatasetSpec,
  DEMO_ACCOUNTS,
  DEMO_DATASETS,
  type FinalState,
  generateJobs,
  makeJobId,
  type SimJob,
  seededRandom,
} from './dataset';
import {
  DEFAULT_FAULT_SETTINGS,
  type Fault,
  type FaultSettings,
  parseFault,
  parseFaultSettings,
  parseQuirks,
} from './faults';
import { json, type RouteContext, type Routes } from './routes';
import { rpcError, v1Routes } from './v1';
import { v2Routes } from './v2';

export const ADMIN_PATH = '/_simulator';
const ROUTES: readonly Routes[] = [v1Routes, v2Routes];

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
  method: string;
  /** Path and query string, e.g. `/v2/jobs?state=queued&limit=10`. */
  url: string;
  headers: Record<string, string>;
  /** The JSON body (v1), or undefined (v2 GETs). */
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
  /** Requests to the API (either version) since the last reset (counts every attempt, faults included). */
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

  let requestIds = 0;
  const specs = new Map((options.datasets ?? DEMO_DATASETS).map((spec) => [spec.customerId, spec]));
  /** Per customer: how many of the dataset's arrivals (dataset.ts arrivalAt) are in its jobs already. */
  const arrived = new Map<string, number>();

  /** A customer's jobs as of now: the arrivals due by now join the list first (the clock drives them). */
  function currentJobs(customerId: string): SimJob[] {
    const jobs = jobsByCustomer.get(customerId);
    const spec = specs.get(customerId);
    if (!jobs || !spec?.arrivalEverySecs) return jobs ?? [];
    const nowSecs = Math.floor(now() / 1000);
    let n = arrived.get(customerId) ?? 0;
    let added = false;
    for (let next = arrivalAt(spec, anchor, n); next && next.createdAt <= nowSecs; ) {
      jobs.push(next);
      added = true;
      next = arrivalAt(spec, anchor, ++n);
    }
    arrived.set(customerId, n);
    if (added) jobs.sort(compareJobs);
    return jobs;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith(ADMIN_PATH)) return admin(request, url);
    const routes = ROUTES.find((candidate) => candidate.handles(url));
    const headers = Object.fromEntries(
      [...request.headers].map(([name, value]) => [name.toLowerCase(), value]),
    );
    const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const context: RouteContext = {
      request,
      url,
      headers,
      body,
      quirks: settings.quirks,
      settings,
      nowSecs: Math.floor(now() / 1000),
      authenticate: () => authenticate(headers),
      jobsOf: currentJobs,
      requestId: () => (++requestIds).toString(16).padStart(32, '0'),
    };
    if (!routes)
      return (url.pathname.startsWith('/v2/') ? v2Routes : v1Routes).notFound(url.pathname, context);
    calls++;
    inFlight++;
    let response: Response;
    try {
      response = await serve(routes, context);
    } catch (error) {
      if (error instanceof SimulatedReset || request.signal.aborted) throw error;
      // A bad knob value sent per request is the caller's mistake, reported like the upstream would.
      response = routes.badKnob((error as Error).message, context);
    } finally {
      inFlight--;
    }
    recorded.push({
      method: request.method,
      url: url.pathname + url.search,
      headers,
      body,
      status: response.status,
    });
    if (recorded.length > RECORD_LIMIT) recorded.shift();
    return response;
  }

  async function serve(routes: Routes, context: RouteContext): Promise<Response> {
    const { headers } = context;
    const latency = Number(headers['x-simulator-latency-ms'] ?? settings.latencyMs);
    if (latency > 0) await delay(latency, context.request.signal);
    const fault = pickFault(headers['x-simulator-fault']);
    if (headers['x-simulator-quirks']) context.quirks = parseQuirks(headers['x-simulator-quirks']);
    if (fault === 'reset') throw new SimulatedReset('connection reset by simulator');
    if (fault === 'hang') {
      await delay(Number.POSITIVE_INFINITY, context.request.signal);
      return rpcError(504, 4, 'unreachable');
    }
    if (fault) return routes.fault(fault, context);
    return routes.serve(context);
  }

  function pickFault(header: string | undefined): Fault | undefined {
    if (header) return parseFault(header);
    const next = queued.shift();
    if (next) return next;
    if (settings.periodic && calls % settings.periodic.every === 0) return settings.periodic.fault;
    if (settings.random && random() < settings.random.probability) return settings.random.fault;
    return undefined;
  }

  /** The account of an x-api-key or a bearer token (customer-id is each version's business). */
  function authenticate(headers: Record<string, string>): Account | 'missing' | 'invalid' {
    const apiKey = headers['x-api-key'];
    const authorization = headers.authorization;
    if (apiKey) return accounts.find((candidate) => candidate.apiKeys.includes(apiKey)) ?? 'invalid';
    if (!authorization) return 'missing';
    const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
    return (token && accounts.find((candidate) => candidate.bearerTokens.includes(token))) || 'invalid';
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
      const corpusIds = init.corpusIds ?? [1];
      const job: SimJob = {
        id: makeJobId(random),
        customerId,
        type: init.type ?? 'CORPUS_REBUILD_VECTOR_INDEX',
        corpusIds,
        corpusKeys: corpusIds.map((id) => corpusKeyOf(specs.get(customerId), id)),
        userHandle: init.userHandle ?? 'ada@example.com',
        createdAt,
        startAt,
        endAt: startAt + (init.runForSecs ?? 60),
        finalState: init.finalState ?? 'COMPLETED',
        retryWindow: 0,
      };
      const jobs = currentJobs(customerId);
      jobs.push(job);
      jobs.sort(compareJobs);
      jobsByCustomer.set(customerId, jobs);
      return job;
    },
    jobsOf: (customerId) => [...currentJobs(customerId)],
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
