// jobsChanged across replicas, as production runs them: a real redis-server (started here on a free port),
// the simulator over loopback, and two built gateway processes sharing REDIS_URL and CURSOR_SECRET. One
// replica polls each live list for the whole fleet; when it dies, the other takes over. Without
// redis-server on PATH these tests skip (test/fleet/fleet.test.ts says so, or fails under
// REQUIRE_REDIS_TESTS).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { reportFigure } from '../support/figures';
import { freePort, gatewayCommand, listeningUrl } from '../support/process';
import { until } from '../support/scheduler';

const INTERVAL = 200;
const SECRET = 'fleet-test-secret-of-at-least-32-characters';
const KEY = { 'x-api-key': 'demo-api-key' };
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;

async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
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
  return { child, url: await listeningUrl(child) };
}

interface Change {
  snapshot: boolean;
  hasMore: boolean;
  removedJobIds: string[];
  jobs: { jobId: string; state: string }[];
}

/** A live list over SSE: its `jobsChanged` events one by one, as they arrive. */
async function openList(
  replica: Replica,
  first: number,
  headers: Record<string, string> = KEY,
  requestId = '',
) {
  const controller = new AbortController();
  const response = await fetch(`${replica.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...headers,
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify({
      query: `subscription { jobsChanged(first: ${first}) { snapshot hasMore removedJobIds jobs { jobId state } } }`,
    }),
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async (): Promise<Change> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (/^event: next/m.test(block) && data) {
          const payload = JSON.parse(data);
          if (payload.errors) throw new Error(JSON.stringify(payload.errors));
          return payload.data.jobsChanged as Change;
        }
        continue;
      }
      const { done, value } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += value;
    }
  };
  return { next, close: () => controller.abort() };
}

/** List calls (GET /v2/jobs) as the upstream saw them: when, for which `limit`, from which request. */
function listLog(sim: Simulator) {
  const calls: { at: number; limit: string; requestId: string; credential: string }[] = [];
  const handle = sim.handle.bind(sim);
  sim.handle = async (request: Request) => {
    const url = new URL(request.url);
    if (url.pathname === '/v2/jobs') {
      calls.push({
        at: performance.now(),
        limit: url.searchParams.get('limit') ?? '',
        requestId: request.headers.get('x-request-id') ?? '',
        credential: request.headers.get('x-api-key') ?? request.headers.get('authorization') ?? '',
      });
    }
    return handle(request);
  };
  return calls;
}

describe.skipIf(!hasRedis)('live lists over several replicas with Redis', () => {
  let redis: ChildProcess;
  let redisPort: number;
  let sim: Simulator;
  let upstream: RunningSimulator;
  let calls: ReturnType<typeof listLog>;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    sim = createSimulator();
    calls = listLog(sim);
    upstream = await listenSimulator(sim);
    for (let i = 0; i < 2; i++)
      replicas.push(await startReplica(upstream.url, `redis://127.0.0.1:${redisPort}`));
  }, 30_000);

  afterAll(async () => {
    for (const replica of replicas) replica.child.kill('SIGKILL');
    redis?.kill('SIGKILL');
    await upstream?.close();
  });

  it('(a) 50 subscribers over both replicas: one upstream list call per interval fleet-wide, everyone sees the change', async () => {
    const first = 100;
    const lists = await Promise.all(Array.from({ length: 50 }, (_, i) => openList(replicas[i % 2]!, first)));
    const snapshots = await Promise.all(lists.map((list) => list.next()));
    for (const snapshot of snapshots) {
      expect(snapshot.snapshot).toBe(true);
      expect(snapshot.jobs.length).toBeGreaterThan(0);
    }
    const mine = () => calls.filter((call) => call.limit === String(first));
    const from = mine().length;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 10 * INTERVAL));
    const job = sim.addJob({ queuedForSecs: 300, runForSecs: 300 });
    for (const list of lists) {
      let change = await list.next();
      // (A job of the simulator's own arrivals may come first.)
      while (!change.jobs.some((item) => item.jobId === `job_${job.id}`)) change = await list.next();
      expect(change.snapshot).toBe(false);
    }
    const intervals = (performance.now() - started) / INTERVAL;
    const polled = mine().length - from;
    reportFigure('live list fleet calls', {
      subscribers: 50,
      replicas: 2,
      listCalls: polled,
      intervals: Math.round(intervals * 10) / 10,
    });
    // One per interval (and a look more at most); two replicas polling would double it.
    expect(polled).toBeLessThanOrEqual(Math.ceil(intervals) + 2);
    expect(polled).toBeGreaterThanOrEqual(Math.floor(intervals / 2));
    for (const list of lists) list.close();
  });

  it('(b) never shares a live list between different credentials', async () => {
    const first = 98;
    const withKey = await openList(replicas[0]!, first, KEY);
    const withToken = await openList(replicas[1]!, first, { authorization: 'Bearer demo-token' });
    await withKey.next();
    await withToken.next();
    await until(
      () =>
        new Set(calls.filter((call) => call.limit === String(first)).map((call) => call.credential)).size ===
        2,
      5000,
    );
    withKey.close();
    withToken.close();
  });

  it('(c) when the polling replica dies, the survivor polls within two intervals and its subscribers go on', async () => {
    const first = 97;
    const onA = await openList(replicas[0]!, first, KEY, 'replica-a');
    const onB = await openList(replicas[1]!, first, KEY, 'replica-b');
    await onA.next();
    await onB.next();
    const mine = () => calls.filter((call) => call.limit === String(first));
    await until(() => mine().length >= 4, 5000);
    const leader = mine().at(-1)!.requestId === 'replica-a' ? 0 : 1;
    const survivor = leader === 0 ? onB : onA;
    const killedAt = performance.now();
    replicas[leader]!.child.kill('SIGKILL');
    await until(() => mine().some((call) => call.at > killedAt), 5000);
    const takeover = mine().find((call) => call.at > killedAt)!;
    const failoverMs = Math.round(takeover.at - killedAt);
    reportFigure('live list fleet failover', {
      intervalMs: INTERVAL,
      failoverMs,
      intervals: Math.round((failoverMs / INTERVAL) * 10) / 10,
    });
    expect(takeover.requestId).toBe(leader === 0 ? 'replica-b' : 'replica-a');
    expect(failoverMs).toBeLessThanOrEqual(2 * INTERVAL + 150);
    const job = sim.addJob({ queuedForSecs: 300, runForSecs: 300 });
    let change = await survivor.next();
    while (!change.jobs.some((item) => item.jobId === `job_${job.id}`)) change = await survivor.next();
    onA.close();
    onB.close();
    replicas[leader] = await startReplica(upstream.url, `redis://127.0.0.1:${redisPort}`);
  });

  it('(d) while Redis is away every replica polls its own lists, and the streams go on', async () => {
    const first = 96;
    const lists = [
      await openList(replicas[0]!, first, KEY, 'd-a'),
      await openList(replicas[1]!, first, KEY, 'd-b'),
    ];
    for (const list of lists) expect((await list.next()).snapshot).toBe(true);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    const killedAt = performance.now();
    // Both replicas poll for themselves now.
    await until(() => {
      const since = calls.filter((call) => call.limit === String(first) && call.at > killedAt);
      return since.some((call) => call.requestId === 'd-a') && since.some((call) => call.requestId === 'd-b');
    }, 10_000);
    const job = sim.addJob({ queuedForSecs: 300, runForSecs: 300 });
    for (const list of lists) {
      let change = await list.next();
      while (!change.jobs.some((item) => item.jobId === `job_${job.id}`)) change = await list.next();
    }
    redis = await startRedis(redisPort);
    for (const list of lists) list.close();
  });
});
