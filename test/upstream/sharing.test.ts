// Sharing upstream calls within one credential, through the real server: identical calls in flight share
// one upstream call (never across credentials; a caller that leaves does not cancel the others), and the
// opt-in response cache (RESPONSE_CACHE_TTL_MS) reuses answers until they expire or a watched job changes.
import { afterEach, describe, expect, it } from 'vitest';
import { reportFigure } from '../support/figures';
import { type Harness, HEADERS_A, HEADERS_B, startHarness } from '../support/gateway';
import { manualScheduler, until } from '../support/scheduler';
import { readEvents } from '../support/sse';

const LIST = '{ jobs(first: 5, filter: { states: [COMPLETED] }) { edges { node { jobId } } } }';
let harness: Harness;
afterEach(() => harness?.close());

const ask = (headers: Record<string, string> = HEADERS_A, signal?: AbortSignal) =>
  Promise.resolve(
    harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: LIST }),
      signal,
    }),
  ).then(async (response) => (await response.json()) as { data?: any; errors?: unknown });

describe('sharing upstream calls', () => {
  it('20 identical requests of one credential in flight cost one upstream call; another credential gets its own', async () => {
    harness = startHarness();
    harness.sim.configure({ latencyMs: 30 });
    const results = await Promise.all([...Array.from({ length: 20 }, () => ask()), ask(HEADERS_B)]);
    for (const result of results) expect(result.errors).toBeUndefined();
    const mine = results.slice(0, 20).map((result) => JSON.stringify(result.data));
    expect(new Set(mine).size).toBe(1);
    expect(JSON.stringify(results[20]!.data)).not.toBe(mine[0]);
    expect(harness.sim.calls).toBe(2);
    reportFigure('in-flight sharing', { requests: 21, credentials: 2, upstreamCalls: harness.sim.calls });
  });

  it('UPSTREAM_CALL_SHARING=false: every request makes its own upstream call', async () => {
    harness = startHarness({ shareCallsInFlight: false });
    harness.sim.configure({ latencyMs: 30 });
    const results = await Promise.all(Array.from({ length: 20 }, () => ask()));
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(harness.sim.calls).toBe(20);
  });

  it('a caller that leaves does not cancel the call the others wait for; when all leave, it is cancelled', async () => {
    harness = startHarness();
    harness.sim.configure({ latencyMs: 50 });
    const leaving = new AbortController();
    const first = ask(HEADERS_A, leaving.signal).catch(() => 'cancelled');
    const second = ask();
    await until(() => harness.sim.inFlight === 1);
    leaving.abort();
    expect(await first).toBe('cancelled');
    expect((await second).errors).toBeUndefined();
    expect(harness.sim.calls).toBe(1);
    // Everybody leaves a hanging call: it is cancelled upstream.
    harness.sim.failNext('hang');
    const all = [new AbortController(), new AbortController()];
    const gone = all.map((controller) => ask(HEADERS_A, controller.signal).catch(() => 'cancelled'));
    await until(() => harness.sim.inFlight === 1);
    for (const controller of all) controller.abort();
    expect(await Promise.all(gone)).toEqual(['cancelled', 'cancelled']);
    await until(() => harness.sim.inFlight === 0);
  });

  it('RESPONSE_CACHE_TTL_MS reuses an answer per credential until it expires or a watched job of theirs changes', async () => {
    const scheduler = manualScheduler();
    harness = startHarness({
      responseCacheTtlMs: 10_000,
      scheduler: scheduler.schedule,
      pollIntervalMs: 1000,
    });
    await ask();
    await ask();
    expect(harness.sim.calls).toBe(1);
    await ask(HEADERS_B);
    expect(harness.sim.calls).toBe(2);
    harness.clock.advance(10_001);
    await ask();
    expect(harness.sim.calls).toBe(3);
    // A change seen by jobUpdated drops the credential's kept answers.
    await ask();
    const kept = harness.sim.calls;
    const job = harness.sim.addJob({ queuedForSecs: 1, runForSecs: 100 });
    const controller = new AbortController();
    const stream = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
      body: JSON.stringify({
        query: `subscription { jobUpdated(jobId: "${harness.jobId(job)}") { state } }`,
      }),
      signal: controller.signal,
    });
    expect(await readEvents(stream, 1, true)).toEqual([{ data: { jobUpdated: { state: 'QUEUED' } } }]);
    await ask();
    expect(harness.sim.calls).toBe(kept + 1); // the subscription's first poll; the list is still kept
    // Well within the TTL: only the change can make the next list call go upstream.
    harness.clock.advance(2000);
    await until(() => scheduler.pending === 1);
    scheduler.tick();
    await until(() => harness.sim.calls === kept + 2);
    await ask();
    expect(harness.sim.calls).toBe(kept + 3);
    controller.abort();
  });
});
