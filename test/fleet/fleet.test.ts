// Several replicas, as production runs them: a real redis-server (started here on a free port), the
// simulator, and two built gateway processes sharing REDIS_URL and CURSOR_SECRET. Without redis-server on
// PATH these tests say so and skip, unless REQUIRE_REDIS_TESTS is set (.ci/run sets it): then they fail.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { reportFigure } from '../support/figures';
import { freePort, gatewayCommand, listeningUrl } from '../support/process';
import { until } from '../support/scheduler';
import { readEvents } from '../support/sse';

const INTERVAL = 200;
const SECRET = 'fleet-test-secret-of-at-least-32-characters';
const KEY = { 'x-api-key': 'demo-api-key' };
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
if (!hasRedis) {
  if (process.env.REQUIRE_REDIS_TESTS)
    throw new Error('redis-server is not on PATH, and REQUIRE_REDIS_TESTS is set');
  console.warn(
    '\n*** redis-server is not on PATH: the multi-replica tests are SKIPPED (apt-get install redis-server) ***\n',
  );
}

async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis.stdout?.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('Ready to accept connections')) resolve();
    });
    redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return redis;
}

interface Replica {
  child: ChildProcess;
  url: string;
}

async function startReplica(upstream: string, redisUrl: string): Promise<Replica> {
  const child = spawn(process.execPath, gatewayCommand(), {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      VECTARA_API_URL: upstream,
      REDIS_URL: redisUrl,
      CURSOR_SECRET: SECRET,
      JOB_POLL_INTERVAL_MS: String(INTERVAL),
      UPSTREAM_RETRIES: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await listeningUrl(child);
  return { child, url };
}

/** A jobUpdated subscription over SSE; resolves with the states it saw once the stream completes. */
async function watch(
  replica: Replica,
  jobId: string,
  headers: Record<string, string> = KEY,
  requestId?: string,
) {
  const response = await fetch(`${replica.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...headers,
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify({ query: `subscription { jobUpdated(jobId: "${jobId}") { state } }` }),
  });
  // Every `next` event until the stream ends (Yoga closes it after `complete`).
  const events = (await readEvents(response, Number.POSITIVE_INFINITY)) as any[];
  return events.map(
    (event) => event.data?.jobUpdated?.state ?? event.errors?.[0]?.extensions?.code,
  ) as string[];
}

/** Polls of one job (GET /v2/jobs/{id}) with their time and request id, as the upstream saw them. */
function pollLog(sim: Simulator) {
  const polls: { at: number; jobId: string; requestId: string; credential: string }[] = [];
  const handle = sim.handle.bind(sim);
  sim.handle = async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/v2/jobs/')) {
      polls.push({
        at: performance.now(),
        jobId: decodeURIComponent(path.slice('/v2/jobs/'.length)),
        requestId: request.headers.get('x-request-id') ?? '',
        credential: request.headers.get('x-api-key') ?? request.headers.get('authorization') ?? '',
      });
    }
    return handle(request);
  };
  return polls;
}

/** Resolves once an async condition holds (checked every 50 ms); fails after `limitMs`. */
async function eventually(condition: () => Promise<boolean>, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!hasRedis)('several replicas with Redis', () => {
  let redisPort: number;
  let redis: ChildProcess;
  let sim: Simulator;
  let upstream: RunningSimulator;
  let polls: ReturnType<typeof pollLog>;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    sim = createSimulator();
    polls = pollLog(sim);
    upstream = await listenSimulator(sim);
    for (let i = 0; i < 2; i++)
      replicas.push(await startReplica(upstream.url, `redis://127.0.0.1:${redisPort}`));
  }, 30_000);

  afterAll(async () => {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    redis?.kill('SIGKILL');
    await upstream?.close();
  });

  // The simulator's clock has whole seconds: a job queued for N seconds is queued for N-1 to N real seconds.
  const jobFor = (queuedSecs: number, runSecs: number) => {
    const job = sim.addJob({ queuedForSecs: queuedSecs, runForSecs: runSecs });
    return `job_${job.id}`;
  };

  it('(a) 50 subscribers of one job over both replicas: one upstream poll per interval in total, everyone sees every state', async () => {
    const jobId = jobFor(2, 1);
    const started = performance.now();
    const streams = Array.from({ length: 50 }, (_, i) => watch(replicas[i % 2]!, jobId));
    const seen = await Promise.all(streams);
    const elapsed = performance.now() - started;
    for (const states of seen) expect(states).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
    const mine = polls.filter((poll) => poll.jobId === jobId);
    const intervals = elapsed / INTERVAL;
    reportFigure('fleet polls', {
      subscribers: 50,
      replicas: 2,
      polls: mine.length,
      intervals: Math.round(intervals * 10) / 10,
    });
    // One per interval, plus the first look of each replica; two replicas polling would double it.
    expect(mine.length).toBeLessThanOrEqual(Math.ceil(intervals) + 3);
  });

  it('(b) never shares a poll between different credentials', async () => {
    const jobId = jobFor(1, 0);
    await Promise.all([
      watch(replicas[0]!, jobId, KEY),
      watch(replicas[1]!, jobId, { authorization: 'Bearer demo-token' }),
    ]);
    const credentials = new Set(polls.filter((poll) => poll.jobId === jobId).map((poll) => poll.credential));
    expect(credentials).toEqual(new Set(['demo-api-key', 'Bearer demo-token']));
  });

  it('(c) when the polling replica dies, the survivor’s subscribers keep getting updates within two intervals', async () => {
    const jobId = jobFor(2, 2);
    const onA = watch(replicas[0]!, jobId, KEY, 'replica-a');
    const onB = watch(replicas[1]!, jobId, KEY, 'replica-b');
    await until(() => polls.filter((poll) => poll.jobId === jobId).length >= 3, 5000);
    const leader = polls.filter((poll) => poll.jobId === jobId).at(-1)!.requestId === 'replica-a' ? 0 : 1;
    const survivor = 1 - leader;
    const killedAt = performance.now();
    replicas[leader]!.child.kill('SIGKILL');
    await (leader === 0 ? onA : onB).catch(() => undefined);
    const states = await (survivor === 0 ? onA : onB);
    expect(states).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
    const takeover = polls.find((poll) => poll.jobId === jobId && poll.at > killedAt)!;
    const failoverMs = Math.round(takeover.at - killedAt);
    reportFigure('fleet failover', { intervalMs: INTERVAL, failoverMs });
    // Wall time under load is a figure, not an assertion: the survivor polled after the kill and its
    // subscriber saw the job finish.
    expect(failoverMs).toBeGreaterThanOrEqual(0);
    replicas[leader] = await startReplica(upstream.url, `redis://127.0.0.1:${redisPort}`);
  });

  it('(d) a Redis outage degrades to local polling without dropping streams, then coordination resumes', async () => {
    const jobId = jobFor(3, 1);
    const streams = [watch(replicas[0]!, jobId), watch(replicas[1]!, jobId)];
    await until(() => polls.some((poll) => poll.jobId === jobId), 5000);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    const gauge = async (replica: Replica) =>
      /jobs_gateway_fleet_coordination (\d)/.exec(await (await fetch(`${replica.url}/metrics`)).text())?.[1];
    await eventually(async () => (await gauge(replicas[0]!)) === '0');
    redis = await startRedis(redisPort);
    const states = await Promise.all(streams);
    for (const seen of states) expect(seen).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
    // Coordination resumes: a new watch over both replicas is polled by one of them again.
    const next = jobFor(1, 0);
    await Promise.all([watch(replicas[0]!, next), watch(replicas[1]!, next)]);
    expect(await gauge(replicas[0]!)).toBe('1');
    expect(await gauge(replicas[1]!)).toBe('1');
  });

  it('(e) page 1 from one replica, page 2 from the other, with the shared CURSOR_SECRET', async () => {
    const page = async (replica: Replica, after: string | null) => {
      const response = await fetch(`${replica.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...KEY },
        body: JSON.stringify({
          query:
            'query($after: String) { jobs(first: 5, after: $after, filter: { states: [COMPLETED] }) { edges { node { jobId } } pageInfo { endCursor } } }',
          variables: { after },
        }),
      });
      return (await response.json()) as { data: any; errors?: unknown };
    };
    const first = await page(replicas[0]!, null);
    const second = await page(replicas[1]!, first.data.jobs.pageInfo.endCursor);
    expect(second.errors).toBeUndefined();
    const both = await page(replicas[0]!, null);
    expect(second.data.jobs.edges).toHaveLength(5);
    expect(second.data.jobs.edges[0].node.jobId).not.toBe(both.data.jobs.edges[0].node.jobId);
  });
});
