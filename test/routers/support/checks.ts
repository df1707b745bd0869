// The checks every router must pass (SPEC §8), written once and run against each router in front of a
// fresh stack (support/stack.ts) per world: v2 with the owner keying Corpus by `key`, v1 keyed by `id`.
// Each check asserts what the router's client sees, what the owner subgraph received and how many upstream
// calls the simulator served.
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { snapshotAt } from '../../../src/simulator/dataset';
import type { ApiVersion } from '../../../src/upstream/versions';
import { CUSTOMER_A, CUSTOMER_B } from '../../support/accounts';
import { CORPORA, type KeyField, type Stack, type StackOptions, startStack } from './stack';

export const CREDENTIALS = { 'x-api-key': 'demo-api-key', 'customer-id': CUSTOMER_A };
const OTHER_CREDENTIALS = { 'x-api-key': 'demo-api-key-2', 'customer-id': CUSTOMER_B };
const CREDENTIAL_HEADERS = ['x-api-key', 'authorization', 'customer-id'];

export interface Router {
  /** HTTP GraphQL endpoint (queries, and SSE subscriptions when `sse`). */
  url: string;
  /** graphql-ws endpoint, when the router serves subscriptions over WebSocket. */
  wsUrl?: string;
  sse: boolean;
  stop(): Promise<void>;
}

export interface RouterSuite {
  name: string;
  /** The gateway settings the docs ask this router's users for. */
  gateway?: StackOptions;
  start(stack: Stack): Promise<Router>;
}

interface Result {
  data?: any;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

async function post(router: Router, query: string, headers: Record<string, string>): Promise<Result> {
  const response = await fetch(router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as Result;
  } catch {
    throw new Error(`HTTP ${response.status} from the router: ${text.slice(0, 300)}`);
  }
}

const codes = (result: Result) => [...new Set(result.errors?.map((error) => error.extensions?.code))];

/** Events of a subscription until it completes or errors (a bound on events, in case it never ends). */
async function collect(
  subscribe: (sink: {
    next: (value: Result) => void;
    error: (error: unknown) => void;
    complete: () => void;
  }) => () => void,
  until: (value: Result) => boolean,
): Promise<{ events: Result[]; error?: unknown }> {
  const events: Result[] = [];
  return new Promise((resolve) => {
    let stop = () => {};
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      stop();
      resolve({ events, error });
    };
    stop = subscribe({
      next: (value) => {
        events.push(value);
        if (until(value) || events.length >= 50) finish();
      },
      error: (error) => finish(error),
      complete: () => finish(),
    });
  });
}

function subscribeSse(router: Router, query: string, headers: Record<string, string>) {
  const client = createSseClient({ url: router.url, headers, retryAttempts: 0 });
  return collect(
    (sink) => client.subscribe({ query }, sink as never),
    (value) => value.data?.jobUpdated?.isTerminal === true,
  ).finally(() => client.dispose());
}

function subscribeWs(router: Router, query: string, connectionParams: Record<string, string>) {
  const client = createWsClient({
    url: router.wsUrl!,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
  return collect(
    (sink) => client.subscribe({ query }, sink as never),
    (value) => value.data?.jobUpdated?.isTerminal === true,
  ).finally(() => client.dispose());
}

const WORLDS: [ApiVersion, KeyField][] = [
  ['v2', 'key'],
  ['v1', 'id'],
];

export function routerChecks(suite: RouterSuite): void {
  describe.each(WORLDS)(`${suite.name} (upstream %s, owner keys Corpus by %s)`, (version, keyField) => {
    let stack: Stack;
    let router: Router;
    beforeAll(async () => {
      stack = await startStack(version, keyField, suite.gateway);
      router = await suite.start(stack);
    }, 90_000);
    afterAll(async () => {
      await router?.stop();
      await stack?.close();
    }, 30_000);

    const jobIdOf = (id: string) => (version === 'v2' ? `job_${id}` : id);
    const ownerOf = (value: unknown) =>
      CORPORA.find((corpus) => (keyField === 'id' ? corpus.id === value : corpus.key === value))!;

    it('runs a query across both subgraphs with one upstream call, credentials reaching only this subgraph', async () => {
      const calls = stack.sim.calls;
      stack.corporaHeaders.length = 0;
      const result = await post(
        router,
        `{ corpora { ${keyField} name jobs(first: 4, states: [COMPLETED, FAILED]) {
            edges { node { jobId state corpora { ${keyField} name } } } pageInfo { hasNextPage } } } }`,
        CREDENTIALS,
      );
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      expect(result.data.corpora.map((corpus: any) => corpus.name)).toEqual(CORPORA.map((c) => c.name));
      let listed = 0;
      for (const corpus of result.data.corpora) {
        const owned = ownerOf(corpus[keyField]);
        // The corpus's finished jobs as the simulator shows them now (its clock is the real one).
        const nowSecs = Math.floor(Date.now() / 1000);
        const expected = stack.sim.jobsOf(CUSTOMER_A).filter((job) => {
          const state = snapshotAt(job, nowSecs)?.state;
          return job.corpusIds.includes(owned.id) && (state === 'COMPLETED' || state === 'FAILED');
        });
        expect(corpus.jobs.edges.length).toBe(Math.min(4, expected.length));
        listed += corpus.jobs.edges.length;
        for (const { node } of corpus.jobs.edges) {
          // Job → Corpus entity references resolve back to the owner's names.
          expect(node.corpora.map((ref: any) => ref.name)).toContain(owned.name);
        }
      }
      expect(listed).toBeGreaterThan(0);
      // Six corpora's first pages: one upstream call, carrying the caller's credential.
      expect(stack.sim.calls - calls).toBe(1);
      expect(stack.sim.recorded.at(-1)?.headers['x-api-key']).toBe('demo-api-key');
      // The owner subgraph never sees Vectara credentials.
      expect(stack.corporaHeaders.length).toBeGreaterThan(0);
      for (const headers of stack.corporaHeaders) {
        for (const name of CREDENTIAL_HEADERS) expect(headers[name]).toBeUndefined();
      }
    });

    it(`resolves Corpus entities by ${keyField} from a job (this subgraph first, then the owner)`, async () => {
      const calls = stack.sim.calls;
      const result = await post(
        router,
        `{ jobs(first: 5, filter: { states: [COMPLETED] }) { edges { node { jobId corpora { ${keyField} name } } } } }`,
        CREDENTIALS,
      );
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      const corpora = result.data.jobs.edges.flatMap((edge: any) => edge.node.corpora);
      expect(corpora.length).toBeGreaterThan(0);
      for (const corpus of corpora) expect(corpus.name).toBe(ownerOf(corpus[keyField]).name);
      expect(stack.sim.calls - calls).toBe(1);
    });

    it('keeps the owner fields when this subgraph cannot answer: no credentials (UNAUTHENTICATED)', async () => {
      const calls = stack.sim.calls;
      const result = await post(
        router,
        `{ corpora { ${keyField} name jobs { edges { node { jobId } } } } }`,
        {},
      );
      expect(result.data?.corpora).toEqual(
        CORPORA.map((corpus) => ({ [keyField]: corpus[keyField], name: corpus.name, jobs: null })),
      );
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
      expect(stack.sim.calls - calls).toBe(0);
    });

    it('keeps the owner fields when this subgraph cannot answer: upstream outage (UPSTREAM_UNAVAILABLE)', async () => {
      stack.sim.configure({ periodic: { fault: 'unavailable', every: 1 } });
      try {
        const result = await post(
          router,
          `{ corpora { ${keyField} name jobs { edges { node { jobId } } } } }`,
          CREDENTIALS,
        );
        expect(result.data?.corpora.map((corpus: any) => [corpus.name, corpus.jobs])).toEqual(
          CORPORA.map((corpus) => [corpus.name, null]),
        );
        expect(codes(result)).toEqual(['UPSTREAM_UNAVAILABLE']);
      } finally {
        stack.sim.configure({ periodic: null });
      }
    });

    it('passes UNAUTHENTICATED on for a missing credential (HTTP query)', async () => {
      const result = await post(router, '{ jobs { edges { node { jobId } } } }', {});
      expect(codes(result)).toEqual(['UNAUTHENTICATED']);
      expect(result.data?.jobs ?? null).toBeNull();
    });

    if (version !== 'v2') {
      // Last in this world: it takes the gateway down.
      it('keeps the owner fields when this subgraph is down', async () => {
        await stack.stopJobs();
        const result = await post(
          router,
          `{ corpora { ${keyField} name jobs { edges { node { jobId } } } } }`,
          {
            ...CREDENTIALS,
          },
        );
        expect(result.data?.corpora.map((corpus: any) => [corpus.name, corpus.jobs])).toEqual(
          CORPORA.map((corpus) => [corpus.name, null]),
        );
        expect(result.errors?.length, JSON.stringify(result.errors)).toBeGreaterThan(0);
      });
      return;
    }
    const watch = () => {
      const job = stack.sim.addJob({ customerId: CUSTOMER_A, queuedForSecs: 1, runForSecs: 1 });
      return `subscription { jobUpdated(jobId: "${jobIdOf(job.id)}") { jobId state isTerminal } }`;
    };
    const expectFinished = ({ events, error }: { events: Result[]; error?: unknown }) => {
      expect(error, String(error)).toBeUndefined();
      // Every event is the watched job; the stream reaches its terminal state through the router.
      expect(
        events.every((event) => event.data?.jobUpdated?.jobId),
        JSON.stringify(events),
      ).toBe(true);
      expect(events.at(-1)?.data?.jobUpdated, JSON.stringify(events)).toMatchObject({
        state: 'COMPLETED',
        isTerminal: true,
      });
    };

    it('streams jobUpdated to an SSE client until the job finishes', async (context) => {
      if (!router.sse) context.skip();
      expectFinished(await subscribeSse(router, watch(), CREDENTIALS));
    });

    it('streams jobUpdated to a graphql-ws client until the job finishes', async (context) => {
      if (!router.wsUrl) context.skip();
      expectFinished(await subscribeWs(router, watch(), CREDENTIALS));
    });

    const errorCodes = ({ events, error }: { events: Result[]; error?: unknown }) =>
      [...events, ...(Array.isArray(error) ? [{ errors: error }] : [])].flatMap((result) =>
        codes(result as Result),
      );

    it('passes the error on for a subscription without credentials (SSE)', async (context) => {
      if (!router.sse) context.skip();
      const outcome = await subscribeSse(router, watch(), {});
      expect(outcome.events.some((event) => event.data?.jobUpdated)).toBe(false);
      expect(errorCodes(outcome), JSON.stringify(outcome.events)).toEqual(['UNAUTHENTICATED']);
    });

    it('passes the error on for a subscription without credentials (graphql-ws)', async (context) => {
      if (!router.wsUrl) context.skip();
      const outcome = await subscribeWs(router, watch(), {});
      expect(outcome.events.some((event) => event.data?.jobUpdated)).toBe(false);
      expect(errorCodes(outcome), JSON.stringify(outcome.events)).toEqual(['UNAUTHENTICATED']);
    });

    it("keeps each subscriber's credential: another account watching the same job gets NOT_FOUND", async (context) => {
      if (!router.wsUrl) context.skip();
      const query = watch();
      // Both at once, so a router that shared one subgraph connection between them would show it.
      const [own, other] = await Promise.all([
        subscribeWs(router, query, CREDENTIALS),
        subscribeWs(router, query, OTHER_CREDENTIALS),
      ]);
      expectFinished(own);
      expect(other.events.some((event) => event.data?.jobUpdated)).toBe(false);
      expect(errorCodes(other)).toEqual(['NOT_FOUND']);
    });
  });
}
