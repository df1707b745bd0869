// Attacks from anonymous or hostile clients, each reproducing one numbered defect of the hardening issue
// against the real gateway (yoga.fetch, the simulator's handler) with made-up or real demo credentials.
import { afterEach, describe, expect, it } from 'vitest';
import { BUDGET } from '../../src/plugins/budget';
import { encodeGlobalId } from '../../src/schema/global-id';
import { createGateway } from '../../src/server';
import type { FetchLike } from '../../src/upstream/client';
import { reportFigure } from '../support/figures';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';
import { until } from '../support/scheduler';

let harness: Harness;
afterEach(() => harness?.close());

const MADE_UP = { 'x-api-key': 'made-up-key', 'customer-id': '1' };

/** jobs(first: $n) nested `levels` times through corpora: depth 4 × levels. */
function nestedJobs(levels: number, first: string): string {
  let inner = 'jobId';
  for (let level = 0; level < levels; level++) {
    inner = `jobs(first: ${first}) { edges { node { ${level === 0 ? inner : `corpora { ${inner} }`} } } }`;
  }
  return inner;
}

describe('hostile clients: the request budget', () => {
  it('2. counts `first` from variables and defaults: the variable form of an over-cost query is refused like the literal one, before any call', async () => {
    harness = startHarness();
    const byVariable = await harness.query(`query($n: Int) { ${nestedJobs(3, '$n')} }`, { n: 100 });
    const byLiteral = await harness.query(`{ ${nestedJobs(3, '100')} }`);
    // Defaults count too: Corpus.jobs defaults to first = 20.
    const byDefault = await harness.query(
      `query($n: Int) { jobs(first: $n) { edges { node { corpora { jobs { edges { node { corpora { jobs(first: $n) { edges { node { jobId } } } } } } } } } } } }`,
      { n: 100 },
    );
    for (const result of [byVariable, byLiteral, byDefault]) {
      expect(result.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'OPERATION_LIMIT',
        limit: 'cost',
      });
    }
    expect(harness.sim.calls).toBe(0);
    // A variable below the bound is served.
    const small = await harness.query(`query($n: Int) { ${nestedJobs(2, '$n')} }`, { n: 5 });
    expect(small.errors).toBeUndefined();
    reportFigure('cost with variables', { refused: byVariable.errors?.[0]?.message });
  });

  it('3. refuses `nodes` with 20,000 ids (made-up key) before any upstream call, and caps what a smaller list may call', async () => {
    harness = startHarness();
    const ids = Array.from({ length: 20_000 }, (_, i) => encodeGlobalId('Job', `job-${i}`));
    const huge = await harness.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }, MADE_UP);
    expect(huge.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'list-items' });
    const over = await harness.query(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: ids.slice(0, BUDGET.maxUpstreamCalls + 1) },
      MADE_UP,
    );
    expect(over.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'upstream-calls' });
    expect(harness.sim.calls).toBe(0);
    const within = await harness.query(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids: ids.slice(0, BUDGET.maxUpstreamCalls) },
      HEADERS_A,
    );
    expect(within.data.nodes).toEqual(Array(BUDGET.maxUpstreamCalls).fill(null));
    expect(harness.sim.calls).toBeLessThanOrEqual(BUDGET.maxUpstreamCalls);
    reportFigure('nodes amplification', {
      ids: 20_000,
      upstreamCalls: 0,
      refused: huge.errors?.[0]?.message,
    });
  });

  it('3. refuses 1,000 Corpus representations, and lists at most 100 corpora per upstream call', async () => {
    harness = startHarness({ apiVersion: 'v1' });
    const reps = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ __typename: 'Corpus', id: i + 1 }));
    const query =
      'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Corpus { jobs(first: 1) { edges { node { jobId } } } } } }';
    const huge = await harness.query(query, { reps: reps(1000) });
    expect(huge.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'list-items' });
    expect(harness.sim.calls).toBe(0);
    // Within the list bound, the calls stay within the request's budget and no call names > 100 corpora.
    const within = await harness.query(query, { reps: reps(BUDGET.maxListItems) });
    expect(within.data._entities).toHaveLength(BUDGET.maxListItems);
    expect(harness.sim.calls).toBeLessThanOrEqual(BUDGET.maxUpstreamCalls);
    const largest = Math.max(...harness.sim.recorded.map((call: any) => call.body.corpusId?.length ?? 0));
    expect(largest).toBeLessThanOrEqual(100);
    reportFigure('entities amplification', { representations: 1000, upstreamCalls: 0 });
  });

  it('3. stops a request at the run-time budget of upstream calls (fills of short pages included)', async () => {
    // An upstream that serves one job per page and always has more: every listing follows keys to fill.
    let calls = 0;
    const fetch: FetchLike = async () => {
      calls++;
      const job = {
        id: `job-${calls}`,
        type: 'JOB__CORPUS_REBUILD_VECTOR_INDEX',
        state: 'JOB_STATE__QUEUED',
      };
      return Response.json({ job: [job], pageKey: `key-${calls}`, status: [] });
    };
    const gateway = createGateway({
      apiVersion: 'v1',
      upstreamUrl: 'http://upstream.test',
      fetch,
      retries: 0,
    });
    // 20 distinct listings admitted at 20 calls; filling them would take 20 × 10.
    const aliases = Array.from(
      { length: 20 },
      (_, i) => `a${i}: jobs(first: 100, filter: { corpusIds: [${i + 1}] }) { edges { node { jobId } } }`,
    ).join(' ');
    const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...HEADERS_A },
      body: JSON.stringify({ query: `{ ${aliases} }` }),
    });
    const result = (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(calls).toBe(BUDGET.maxUpstreamCalls);
    const refused = result.errors?.filter((error) => error.extensions?.limit === 'upstream-calls') ?? [];
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    reportFigure('run-time call budget', { upstreamCalls: calls, refusedFields: refused.length });
    await gateway.close();
  });
});

describe('hostile clients: metrics', () => {
  const metricsText = async () => {
    const response = await harness.gateway.yoga.fetch('http://gateway.test/metrics');
    return { status: response.status, text: await response.text() };
  };

  it('4. keeps /metrics bounded under 2,000 distinct and 900 kB operation names, with no URL, Host or variables in labels', async () => {
    harness = startHarness();
    const send = (name: string, init: { method?: string; host?: string } = {}) =>
      harness.gateway.yoga.fetch(
        init.method === 'GET'
          ? `http://${init.host ?? 'gateway.test'}/graphql?query=${encodeURIComponent(`query ${name} { __typename }`)}&variables=${encodeURIComponent('{"secret":"tenant-b-variable"}')}`
          : `http://${init.host ?? 'gateway.test'}/graphql`,
        init.method === 'GET'
          ? { headers: { accept: 'application/json' } }
          : {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: `query ${name} { __typename }` }),
            },
      );
    for (let i = 0; i < 2000; i++) await send(`Op${i}`, { host: `h${i}.attacker.test` });
    for (let i = 0; i < 5; i++) await send(`Big${String(i).repeat(900_000)}`);
    await send('ViaGet', { method: 'GET' });
    const metrics = await metricsText();
    expect(metrics.status).toBe(200);
    expect(metrics.text.length).toBeLessThan(400_000);
    expect(metrics.text).not.toContain('attacker.test');
    expect(metrics.text).not.toContain('tenant-b-variable');
    expect(metrics.text).not.toMatch(/url=|path=/);
    expect(metrics.text).toContain('operationName="other"');
    // The process metrics operators use are there (read at scrape time).
    for (const name of [
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_max_seconds',
    ]) {
      expect(metrics.text).toMatch(new RegExp(`^jobs_gateway_${name} \\d`, 'm'));
    }
    expect(metrics.text).toContain('operationName="Op0"');
    reportFigure('metrics labels', { distinctNames: 2005, metricsBytes: metrics.text.length });
  });
});

describe('hostile clients: web and process', () => {
  const preflight = (origin: string) =>
    harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-api-key',
      },
    });

  it('CORS: off by default (no reflected origin), an explicit allow-list never with credentials', async () => {
    harness = startHarness();
    const off = await preflight('https://evil.example');
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    expect(off.headers.get('access-control-allow-credentials')).toBeNull();
    await harness.close();
    harness = startHarness({ corsOrigins: ['https://app.example', 'https://admin.example'] });
    const allowed = await preflight('https://app.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });

  it('/ready answers 503 as soon as draining starts', async () => {
    harness = startHarness();
    const ready = async () => (await harness.gateway.yoga.fetch('http://gateway.test/ready')).status;
    expect(await ready()).toBe(200);
    harness.gateway.drain();
    expect(await ready()).toBe(503);
    expect(await (await harness.gateway.yoga.fetch('http://gateway.test/ready')).text()).toBe('draining');
  });

  it("one tenant's fan-out cannot take the whole upstream socket pool", async () => {
    const running = new Map<string, number>();
    let peakA = 0;
    const waiting: (() => void)[] = [];
    const fetch: FetchLike = async (_input, init) => {
      const key = (init?.headers as Record<string, string> | undefined)?.['x-api-key'] ?? '';
      running.set(key, (running.get(key) ?? 0) + 1);
      peakA = Math.max(peakA, running.get('tenant-a') ?? 0);
      if (key === 'tenant-a') await new Promise<void>((resolve) => waiting.push(resolve));
      running.set(key, (running.get(key) ?? 0) - 1);
      return Response.json({ job: [], pageKey: '', status: [] });
    };
    const gateway = createGateway({
      upstreamUrl: 'http://upstream.test',
      fetch,
      retries: 0,
      timeoutMs: 10_000,
    });
    const ask = (key: string, query: string) =>
      gateway.yoga.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key, 'customer-id': '1' },
        body: JSON.stringify({ query }),
      });
    const aliases = (n: number) =>
      Array.from({ length: 20 }, (_, i) => `j${i}: job(jobId: "a-${n}-${i}") { state }`).join(' ');
    const flood = Array.from({ length: 10 }, (_, n) => ask('tenant-a', `{ ${aliases(n)} }`));
    await until(() => peakA >= 32);
    const other = await ask('tenant-b', '{ job(jobId: "b") { state } }');
    expect(((await other.json()) as any).data).toEqual({ job: null });
    expect(peakA).toBe(32);
    while (waiting.length > 0 || (running.get('tenant-a') ?? 0) > 0) {
      for (const release of waiting.splice(0)) release();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(flood);
    reportFigure('fair share', { tenantAPeakConcurrentCalls: peakA, tenantBServedDuringFlood: true });
    await gateway.close();
  });

  it('one tenant failing cannot open the breaker for the others', async () => {
    harness = startHarness({
      breaker: { windowSize: 10, minimumCalls: 4, failureRatio: 0.5, openMs: 60_000 },
    });
    const list = '{ jobs(first: 1) { edges { node { jobId } } } }';
    // Tenant B's calls fail transiently (503) while tenant A's succeed.
    for (let i = 0; i < 8; i++) {
      harness.sim.configure({ random: { fault: 'unavailable', probability: 1 } });
      const b = await harness.query(list, {}, { 'x-api-key': 'demo-api-key-2', 'customer-id': '2222222222' });
      expect(b.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      harness.sim.configure({ random: null });
      const a = await harness.query(list);
      expect(a.errors).toBeUndefined();
    }
    expect(harness.gateway.breaker.state()).toBe('closed');
    // When several tenants fail, it opens.
    harness.sim.configure({ random: { fault: 'unavailable', probability: 1 } });
    for (let i = 0; i < 4; i++) await harness.query(list);
    expect(harness.gateway.breaker.state()).toBe('open');
  });
});

describe('hostile clients: parsed-document cache', () => {
  it('caches ordinary queries but never a huge query text (1,000 distinct 900 kB queries would hold ~1 GB)', async () => {
    const { createDocumentCache, MAX_CACHED_QUERY_CHARS } = await import('../../src/plugins/document-cache');
    const cache = createDocumentCache<{ doc: number }>();
    cache.set('{ __typename }', { doc: 1 });
    expect(cache.get('{ __typename }')).toEqual({ doc: 1 });
    const huge = `query Q${'x'.repeat(MAX_CACHED_QUERY_CHARS)} { __typename }`;
    cache.set(huge, { doc: 2 });
    expect(cache.get(huge)).toBeUndefined();
  });
});
