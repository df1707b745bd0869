// The real gateway (createGateway → yoga.fetch) in front of the real simulator handler, on a manual clock.
// No ports: requests go through yoga.fetch, the upstream through the simulator's in-process fetch.
import { createGateway, type GatewayOptions } from '../../src/server';
import type { SimJob } from '../../src/simulator/dataset';
import { snapshotAt } from '../../src/simulator/dataset';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { JOB_STATES } from '../../src/upstream/model';
import type { ApiVersion } from '../../src/upstream/versions';
import { CUSTOMER_A } from './accounts';
import { type ManualClock, manualClock } from './clock';

export const HEADERS_A = { 'x-api-key': 'demo-api-key', 'customer-id': CUSTOMER_A };
export const HEADERS_B = { 'x-api-key': 'demo-api-key-2', 'customer-id': '2222222222' };

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: (string | number)[] }[];
}

/** Both upstream API versions, for `describe.each(VERSIONS)`. */
export const VERSIONS: readonly ApiVersion[] = ['v1', 'v2'];

export interface Harness {
  /** The upstream API version the gateway speaks to the simulator. */
  version: ApiVersion;
  /** A simulator job's id as this version shows it (v2: `job_` + the v1 id). */
  jobId(job: SimJob): string;
  sim: Simulator;
  clock: ManualClock;
  gateway: ReturnType<typeof createGateway>;
  query<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export function startHarness(options: Partial<GatewayOptions> = {}): Harness {
  const clock = manualClock();
  const sim = createSimulator({ now: clock.now });
  const version = options.apiVersion ?? 'v2';
  const gateway = createGateway({
    apiVersion: version,
    upstreamUrl: 'http://upstream.test',
    fetch: sim.fetch,
    now: clock.now,
    retries: 0,
    timeoutMs: 2000,
    random: () => 0,
    ...options,
  });
  return {
    version,
    jobId: (job) => (version === 'v2' ? `job_${job.id}` : job.id),
    sim,
    clock,
    gateway,
    async query(query, variables = {}, headers = HEADERS_A) {
      const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: response.status, ...body };
    },
    close: () => gateway.close(),
  };
}

/**
 * The simulator's jobs of a customer that a filter matches now, in upstream order (the expected list), as
 * the harness's API version shows them: v1 lists the last 180 days by default and no v2-only job types.
 */
export function expectedJobs(
  harness: Harness,
  customerId: string,
  filter: { states?: readonly string[]; corpusIds?: number[]; corpusKeys?: string[]; since?: number } = {},
) {
  const nowSecs = Math.floor(harness.clock.now() / 1000);
  const since = filter.since ?? (harness.version === 'v1' ? nowSecs - 180 * 86_400 : 0);
  const states = filter.states ?? ['QUEUED', 'STARTED'];
  return harness.sim.jobsOf(customerId).filter((job) => {
    if (job.createdAt < since || job.createdAt > nowSecs) return false;
    if (harness.version === 'v1' && job.v2Only) return false;
    if (filter.corpusIds && !job.corpusIds.some((id) => filter.corpusIds?.includes(id))) return false;
    if (filter.corpusKeys && !job.corpusKeys.some((key) => filter.corpusKeys?.includes(key))) return false;
    const snapshot = snapshotAt(job, nowSecs);
    return snapshot !== undefined && states.includes(snapshot.state);
  });
}

export const ALL_STATE_NAMES = [...JOB_STATES];

export const JOB_FIELDS =
  'id jobId type state isTerminal corpusKeys corpusIds createdAt startedAt completedAt userHandle comment';
