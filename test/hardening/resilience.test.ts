// Upstream resilience with fault injection through the simulator's knobs, measured: deadlines, retries,
// Retry-After, non-JSON errors and the circuit breaker. Prints its figures ([figures] lines).
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/server';
import { createSimulator } from '../../src/simulator/handler';
import { listenSimulator } from '../../src/simulator/server';
import { reportFigure } from '../support/figures';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';
import { until } from '../support/scheduler';

const LIST = '{ jobs(first: 5, filter: { states: [COMPLETED] }) { edges { node { jobId } } } }';
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function post(gateway: ReturnType<typeof createGateway>, query = LIST) {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...HEADERS_A },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: any[] }) };
}

describe('resilience', () => {
  it('turns a hanging upstream into UPSTREAM_TIMEOUT within the deadline for every request, leaking no socket', async () => {
    const sim = createSimulator();
    const running = await listenSimulator(sim);
    const deadline = 300;
    const gateway = createGateway({
      upstreamUrl: running.url,
      timeoutMs: deadline,
      retries: 2,
      breaker: { minimumCalls: 10_000, windowSize: 10_000 },
      upstreamConnections: 64,
      // One tenant sends all 50: let every one reach the upstream (the fair share is tested elsewhere).
      upstreamConcurrencyPerCredential: 64,
    });
    try {
      sim.configure({ random: { fault: 'hang', probability: 1 } });
      const requests = 50;
      const results = await Promise.all(
        Array.from({ length: requests }, async (_, i) => {
          const started = performance.now();
          // Distinct queries: identical ones of one credential would share a single upstream call.
          const result = await post(gateway, LIST.replace('first: 5', `first: ${i + 1}`));
          return { code: result.errors?.[0]?.extensions?.code, ms: performance.now() - started };
        }),
      );
      const timedOut = results.filter((result) => result.code === 'UPSTREAM_TIMEOUT').length;
      const slowest = Math.max(...results.map((result) => result.ms));
      // The upstream never answers: an answer at all means the deadline fired (how long it took is a figure).
      expect(timedOut).toBe(requests);
      // Every hung upstream request was abandoned: its handler ended when the gateway let go of it ...
      const releaseStarted = performance.now();
      await until(() => sim.calls >= requests && sim.inFlight === 0, 10_000).catch(() => {});
      const releasedAfterMs = Math.round(performance.now() - releaseStarted);
      expect({ calls: sim.calls, inFlight: sim.inFlight }).toEqual({ calls: requests, inFlight: 0 });
      const callsFirstStorm = sim.calls;
      const openSockets = () =>
        new Promise<number>((resolve) => running.server.getConnections((_error, count) => resolve(count)));
      const afterFirst = await openSockets();
      // ... and sockets stay within the pool: a second storm reuses them instead of adding more.
      await Promise.all(Array.from({ length: requests }, () => post(gateway)));
      await until(() => sim.inFlight === 0, 10_000);
      const afterSecond = await openSockets();
      expect(afterFirst).toBeLessThanOrEqual(64);
      expect(afterSecond).toBeLessThanOrEqual(64);
      await gateway.close();
      let afterClose = await openSockets();
      for (let i = 0; i < 200 && afterClose > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        afterClose = await openSockets();
      }
      expect(afterClose).toBe(0);
      reportFigure('hang', {
        requests,
        upstreamTimeout: `${timedOut}/${requests}`,
        deadlineMs: deadline,
        slowestMs: Math.round(slowest),
        upstreamCallsFirstStorm: callsFirstStorm,
        upstreamRequestsStillInFlight: sim.inFlight,
        allUpstreamRequestsReleasedAfterMs: releasedAfterMs,
        idleSocketsAfterStorm: afterFirst,
        idleSocketsAfterSecondStorm: afterSecond,
        socketsAfterClose: afterClose,
      });
    } finally {
      await gateway.close();
      await running.close();
    }
  });

  it.each(['unavailable', 'reset'] as const)(
    'survives one-in-three transient %s failures: at least 99 percent success with at most 2 retries each',
    async (fault) => {
      harness = startHarness({ retries: 2 });
      harness.sim.configure({ periodic: { fault, every: 3 } });
      const requests = 300;
      let ok = 0;
      for (let i = 0; i < requests; i++) {
        const result = await harness.query(LIST);
        if (!result.errors && result.data.jobs.edges.length === 5) ok++;
      }
      const retries = harness.sim.calls - requests;
      expect(ok / requests).toBeGreaterThanOrEqual(0.99);
      expect(harness.sim.calls).toBeLessThanOrEqual(requests * 3);
      reportFigure(`one-in-three ${fault}`, {
        requests,
        successRate: ok / requests,
        upstreamCalls: harness.sim.calls,
        retries,
        meanRetriesPerRequest: Number((retries / requests).toFixed(2)),
      });
    },
  );

  it('never retries a 429 sooner than Retry-After, and fails fast when Retry-After is past the deadline', async () => {
    const waits: number[] = [];
    harness = startHarness({
      retries: 2,
      timeoutMs: 10_000,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    harness.sim.configure({ retryAfterSeconds: 2 });
    harness.sim.failNext('rate-limit');
    const retried = await harness.query(LIST);
    expect(retried.errors).toBeUndefined();
    expect(waits).toEqual([expect.any(Number)]);
    expect(waits[0]).toBeGreaterThanOrEqual(2000);

    harness.sim.configure({ retryAfterSeconds: 30 });
    harness.sim.failNext('rate-limit', 3);
    const calls = harness.sim.calls;
    const limited = await harness.query(LIST);
    expect(limited.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 30 });
    expect(harness.sim.calls - calls).toBe(1);
    expect(waits).toHaveLength(1);
    reportFigure('429', {
      retryAfterSeconds: 2,
      waitedMs: waits[0],
      pastDeadline: 'RATE_LIMITED after 1 call, no wait',
    });
  });

  it('cancels the upstream call when the client goes away', async () => {
    harness = startHarness({ timeoutMs: 30_000 });
    harness.sim.failNext('hang');
    const controller = new AbortController();
    const pending = Promise.resolve(
      harness.gateway.yoga.fetch(
        new Request('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...HEADERS_A },
          body: JSON.stringify({ query: LIST }),
          signal: controller.signal,
        }),
      ),
    ).catch(() => undefined);
    await until(() => harness!.sim.inFlight === 1);
    const started = performance.now();
    controller.abort();
    await until(() => harness!.sim.inFlight === 0);
    await pending;
    reportFigure('client disconnect', { upstreamCancelledAfterMs: Math.round(performance.now() - started) });
  });

  it('maps an HTML 500 to UPSTREAM_ERROR without retrying it', async () => {
    harness = startHarness({ retries: 2 });
    harness.sim.failNext('html-500');
    const result = await harness.query(LIST);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      upstream: { httpStatus: 500 },
    });
    expect(harness.sim.calls).toBe(1);
  });

  it('opens the circuit breaker when the upstream is down, fails fast, stays ready, shows it in /metrics, and recovers', async () => {
    harness = startHarness({
      retries: 0,
      breaker: { windowSize: 10, minimumCalls: 3, failureRatio: 0.5, openMs: 5000 },
    });
    const ready = async () => (await harness!.gateway.yoga.fetch('http://gateway.test/ready')).status;
    expect(await ready()).toBe(200);
    harness.sim.configure({ random: { fault: 'unavailable', probability: 1 } });
    for (let i = 0; i < 3; i++) {
      expect((await harness.query(LIST)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    expect(harness.gateway.breaker.state()).toBe('open');
    // Readiness is about this process, not the upstream: every replica would leave the load balancer at once.
    expect(await ready()).toBe(200);
    const open = await (await harness.gateway.yoga.fetch('http://gateway.test/metrics')).text();
    expect(open).toMatch(/jobs_gateway_circuit_breaker_state 2/);
    const fastFails = 20;
    for (let i = 0; i < fastFails; i++) {
      const result = await harness.query(LIST);
      expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(result.errors?.[0]?.message).toMatch(/paused/);
    }
    expect(harness.sim.calls).toBe(3);
    // The upstream comes back; after the open period one trial call closes the circuit.
    harness.sim.configure({ random: null });
    harness.clock.advance(5000);
    expect(await ready()).toBe(200);
    expect((await harness.query(LIST)).errors).toBeUndefined();
    expect(harness.gateway.breaker.state()).toBe('closed');
    expect(harness.sim.calls).toBe(4);
    const metrics = await (await harness.gateway.yoga.fetch('http://gateway.test/metrics')).text();
    expect(metrics).toMatch(/jobs_gateway_upstream_calls_total\{outcome="circuit-open",status="none"\} 20/);
    expect(metrics).toMatch(/jobs_gateway_circuit_breaker_state 0/);
    reportFigure('breaker', {
      failuresToOpen: 3,
      rule: '≥ 50% of the last 10 calls failed, at least 3 calls',
      fastFailsWhileOpen: fastFails,
      upstreamCallsWhileOpen: 0,
      recovered: true,
    });
  });
});
