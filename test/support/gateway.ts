// The real gateway (createGateway → yoga.fetch) in front of the real simulator handler, on a manual clock.
// No ports: requests go through yoga.fetch, the upstream through the simulator's in-process fetch.
import { createGateway, type GatewayOptions } from '../../src/server';
import { snapshotAt } from '../../src/simulator/dataset';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { JOB_STATES } from '../../src/upstream/model';
import { CUSTOMER_A } from './accounts';
import { type ManualClock, manualClock } from './clock';

export const HEADERS_A = { 'x-api-key': 'demo-api-key', 'customer-id': CUSTOMER_A };
export const HEADERS_B = { 'x-api-key': 'demo-api-key-2', 'customer-id': '2222222222' };

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: (string | number)[] }[];
}

export interface Harness {
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
  const gateway = createGateway({
    upstreamUrl: 'http://upstream.test',
    fetch: sim.fetch,
    now: clock.now,
    retries: 0,
    timeoutMs: 2000,
    random: () => 0,
    ...options,
  });
  return {
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

/** The simulator's jobs of a customer that a filter matches now, in upstream order (the expected list). */
export function expectedJobs(
  harness: Harness,
  customerId: string,
  filter: { states?: readonly string[]; corpusIds?: number[]; since?: number } = {},
) {
  const nowSecs = Math.floor(harness.clock.now() / 1000);
  const since = filter.since ?? nowSecs - 180 * 86_400;
  const states = filter.states ?? ['QUEUED', 'STARTED'];
  return harness.sim.jobsOf(customerId).filter((job) => {
    if (job.createdAt < since || job.createdAt > nowSecs) return false;
    if (filter.corpusIds && !job.corpusIds.some((id) => filter.corpusIds?.includes(id))) return false;
    const snapshot = snapshotAt(job, nowSecs);
    return snapshot !== undefined && states.includes(snapshot.state);
  });
}

export const ALL_STATE_NAMES = [...JOB_STATES];

export const JOB_FIELDS =
  'id jobId type state isTerminal corpusIds createdAt startedAt completedAt userHandle';
