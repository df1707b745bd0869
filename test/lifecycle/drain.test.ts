// The drain sequence of SPEC §9 on a real process, step by step: after SIGTERM `/ready` answers 503 at once
// while new connections are still served (with `Connection: close`) for SHUTDOWN_DELAY_MS; a keep-alive
// connection opened before the signal is closed after its next response, and a subscription opened on it
// during the delay is served, then ended without `complete` when the delay ends, not held open until a
// forced close. A request that outlives SHUTDOWN_TIMEOUT_MS is cut and the process still exits 0.
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { gatewayCommand, logLines, startProcess } from '../support/process';

const HEADERS = { 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' };

let simulator: Simulator;
let upstream: RunningSimulator;

beforeAll(async () => {
  simulator = createSimulator();
  upstream = await listenSimulator(simulator);
});
afterAll(() => upstream.close());

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The request went over a connection that an earlier request had opened. */
  reusedSocket: boolean;
}

/** One HTTP request over `agent` (false: a new connection); the whole body. */
function call(
  url: string,
  path: string,
  agent: Agent | false,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { agent, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            reusedSocket: req.reusedSocket,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const graphql = (query: string, accept = 'application/json') => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept, ...HEADERS },
  body: JSON.stringify({ query }),
});

describe('drain', () => {
  it('/ready 503 during SHUTDOWN_DELAY_MS while new and kept-alive connections are served with Connection: close', async () => {
    const job = simulator.addJob({ queuedForSecs: 0, runForSecs: 3600 });
    const running = await startProcess(process.execPath, gatewayCommand(), {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        VECTARA_API_URL: upstream.url,
        // Long enough for the steps below to happen inside it on a loaded machine; the test does not wait it out.
        SHUTDOWN_DELAY_MS: '4000',
      },
    });
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await call(running.url, '/health', keepAlive);
      expect(before).toMatchObject({ status: 200, reusedSocket: false });
      expect(before.headers.connection).toBe('keep-alive');

      running.signal('SIGTERM');
      let ready: Answer;
      do ready = await call(running.url, '/ready', false);
      while (ready.status === 200);
      expect(ready).toMatchObject({ status: 503, body: 'draining' });
      expect(ready.headers.connection).toBe('close');

      // A load balancer that has not yet seen the 503 still gets answers on new connections.
      const fresh = await call(
        running.url,
        '/graphql',
        false,
        graphql('{ jobs(first: 1) { edges { cursor } } }'),
      );
      expect(fresh.status).toBe(200);
      expect(JSON.parse(fresh.body).errors).toBeUndefined();
      expect(fresh.headers.connection).toBe('close');

      // A subscription on the connection kept alive from before the signal: served, then ended when the delay
      // ends, without `complete` (the job is running): the client subscribes again elsewhere.
      const stream = await call(
        running.url,
        '/graphql',
        keepAlive,
        graphql(`subscription { jobUpdated(jobId: "job_${job.id}") { state } }`, 'text/event-stream'),
      );
      expect(stream.reusedSocket).toBe(true);
      expect(stream.status).toBe(200);
      expect(stream.body).toContain('event: next');
      expect(stream.body).toContain('"state":"STARTED"');
      expect(stream.body).not.toContain('event: complete');

      expect((await running.exited).code).toBe(0);
      const lines = logLines(running.stdout());
      // Nothing was left for a forced close: every connection had ended by itself.
      expect(lines.some((line) => line.msg.startsWith('cut requests'))).toBe(false);
      expect(lines.at(-1)?.msg).toBe('shut down');
    } finally {
      keepAlive.destroy();
      running.kill();
    }
  });

  it('cuts a request that outlives SHUTDOWN_TIMEOUT_MS, logs it, and still exits 0', async () => {
    const slow = createSimulator();
    slow.configure({ latencyMs: 60_000 });
    const slowUpstream = await listenSimulator(slow);
    const running = await startProcess(process.execPath, gatewayCommand(), {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        VECTARA_API_URL: slowUpstream.url,
        SHUTDOWN_DELAY_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '300',
      },
    });
    try {
      const stuck = call(
        running.url,
        '/graphql',
        false,
        graphql('{ jobs(first: 1) { edges { cursor } } }'),
      ).catch((error: NodeJS.ErrnoException) => error.code);
      while (slow.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      running.signal('SIGTERM');
      expect(await stuck).toBe('ECONNRESET');
      expect((await running.exited).code).toBe(0);
      const cut = logLines(running.stdout()).find((line) => line.msg.startsWith('cut requests'));
      expect(cut).toMatchObject({ level: 40, cut: 1, timeoutMs: 300 });
    } finally {
      running.kill();
      await slowUpstream.close();
    }
  });
});
