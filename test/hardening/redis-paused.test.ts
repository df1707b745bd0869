// A paused Redis (SIGSTOP: the connection stays open, nothing answers — like `DEBUG SLEEP`, a failover or a
// partition) must not freeze job watches: a real redis-server is paused while the real gateway (yoga.fetch,
// the real scheduler, a short poll interval) watches jobs of the real simulator. Polls go on locally, a new
// subscription gets its first event, the coordination metric says 0 and one warning is logged; after
// SIGCONT coordination resumes. Progress is observed by events (polls seen by the upstream), never timed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { createGateway, type Gateway } from '../../src/server';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import type { WatchCoordinator } from '../../src/watch/coordinator';
import { createRedisCoordinator } from '../../src/watch/redis-coordinator';
import { reportFigure } from '../support/figures';
import { HEADERS_A } from '../support/gateway';
import { hasRedis, type RunningRedis, requireRedisOrWarn, startRedis } from '../support/redis';
import { until } from '../support/scheduler';
import { readEvents } from '../support/sse';

requireRedisOrWarn('the paused-Redis tests are');

const INTERVAL = 100;
const COMMAND_TIMEOUT = 150;

describe.skipIf(!hasRedis)('a paused Redis (SIGSTOP)', () => {
  let redis: RunningRedis;
  let sim: Simulator;
  let gateway: Gateway;
  let coordinator: WatchCoordinator;
  const lines: string[] = [];
  /** Polls of single jobs as the upstream saw them. */
  const polls: { at: number; jobId: string }[] = [];
  const streams: AbortController[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sim = createSimulator();
    const handle = sim.handle.bind(sim);
    sim.handle = async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path.startsWith('/v2/jobs/')) polls.push({ at: performance.now(), jobId: path.slice(9) });
      return handle(request);
    };
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    coordinator = createRedisCoordinator({ url: redis.url, commandTimeoutMs: COMMAND_TIMEOUT, logger });
    gateway = createGateway({
      upstreamUrl: 'http://upstream.test',
      fetch: sim.fetch,
      pollIntervalMs: INTERVAL,
      retries: 0,
      coordinator,
      logger,
    });
  }, 20_000);

  afterAll(async () => {
    for (const stream of streams) stream.abort();
    await gateway?.close();
    await coordinator?.close();
    await redis?.stop();
  });

  /** A jobUpdated subscription over SSE that stays open; resolves with its first event. */
  const watch = async (jobId: string) => {
    const controller = new AbortController();
    streams.push(controller);
    const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
      body: JSON.stringify({ query: `subscription { jobUpdated(jobId: "${jobId}") { jobId state } }` }),
      signal: controller.signal,
    });
    const [first] = (await readEvents(response, 1, true)) as any[];
    return first;
  };
  const gauge = async () =>
    /jobs_gateway_fleet_coordination (\d)/.exec(
      await (await gateway.yoga.fetch('http://gateway.test/metrics')).text(),
    )?.[1];
  const pollsOf = (jobId: string) => polls.filter((poll) => poll.jobId === jobId).length;
  const warnings = () => lines.filter((line) => line.includes('Redis unreachable'));
  const newJob = () => `job_${sim.addJob({ queuedForSecs: 10_000, runForSecs: 10_000 }).id}`;

  it('keeps polling locally, serves new subscriptions, reports 0 and warns once; resumes after SIGCONT', async () => {
    const watched = newJob();
    expect((await watch(watched)).data.jobUpdated.state).toBe('QUEUED');
    await until(() => pollsOf(watched) >= 3, 5000);
    // (A slow start under load may have counted as an outage already: only what the pause adds counts.)
    await until(() => coordinator.coordinated, 10_000);
    expect(await gauge()).toBe('1');
    const warningsBefore = warnings().length;

    redis.process.kill('SIGSTOP');
    const pausedAt = performance.now();
    const before = pollsOf(watched);
    // Polls of the running watch go on without Redis.
    await until(() => pollsOf(watched) >= before + 5, 10_000);
    const firstLocal = polls.find((poll) => poll.jobId === watched && poll.at > pausedAt + COMMAND_TIMEOUT);
    // A new subscription gets its first event while Redis is still paused.
    const late = newJob();
    expect((await watch(late)).data.jobUpdated).toEqual({ jobId: late, state: 'QUEUED' });
    expect(await gauge()).toBe('0');
    expect(coordinator.coordinated).toBe(false);
    expect(warnings()).toHaveLength(warningsBefore + 1);
    expect(JSON.parse(warnings().at(-1)!)).toMatchObject({ level: 40, reason: 'timeout' });
    const pauseMs = performance.now() - pausedAt;
    const pollsWhilePaused = pollsOf(watched) - before;

    redis.process.kill('SIGCONT');
    await until(() => coordinator.coordinated, 10_000);
    expect(await gauge()).toBe('1');
    expect(lines.some((line) => line.includes('coordination over Redis resumed'))).toBe(true);
    // Coordinated again: a new watch is served, and the old ones go on.
    const after = newJob();
    expect((await watch(after)).data.jobUpdated.state).toBe('QUEUED');
    const resumed = pollsOf(watched);
    await until(() => pollsOf(watched) >= resumed + 3, 5000);
    expect(warnings()).toHaveLength(warningsBefore + 1);
    reportFigure('redis paused', {
      intervalMs: INTERVAL,
      commandTimeoutMs: COMMAND_TIMEOUT,
      pauseMs: Math.round(pauseMs),
      pollsWhilePaused,
      firstLocalPollAfterMs: firstLocal ? Math.round(firstLocal.at - pausedAt) : null,
    });
  });
});
