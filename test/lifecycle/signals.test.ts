// Stopping the real processes every way an operator does (SPEC §9): SIGTERM to node alone (a container's
// PID 1), to npm alone, to npm and node together (a terminal's Ctrl+C, systemd's default kill mode), and
// Ctrl+C on the demo. Each time: one drain however many signals arrive, exit 0, an open SSE subscription to
// a running job ends cleanly without `complete` (so that clients subscribe again), and every log line
// written before the signal is on stdout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { freePort, gatewayCommand, logLines, type RunningProcess, startProcess } from '../support/process';
import { subscribeRaw } from './event-stream';

const HEADERS = { 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' };
const WATCH = (jobId: string) => `subscription { jobUpdated(jobId: "${jobId}") { jobId state } }`;

let upstream: RunningSimulator;
let runningJobId: string;

beforeAll(async () => {
  const simulator = createSimulator();
  upstream = await listenSimulator(simulator);
  // A job that stays STARTED for the whole run: its stream must not look finished.
  runningJobId = `job_${simulator.addJob({ queuedForSecs: 0, runForSecs: 3600 }).id}`;
});
afterAll(() => upstream.close());

function gatewayEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    VECTARA_API_URL: upstream.url,
    // A short delay: the drain's first step runs (and repeated signals land in it) without slowing the suite.
    SHUTDOWN_DELAY_MS: '300',
    ...extra,
  };
}

async function ask(url: string, query: string): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...HEADERS },
    body: JSON.stringify({ query }),
  });
}

/**
 * The common check: a subscription and a logged query before the signal; after it, one drain, a clean end
 * of the stream without `complete`, exit 0, and the earlier log line on stdout.
 */
async function stopAndCheck(
  running: RunningProcess,
  jobId: string,
  send: () => void,
  options: { expectLogs: boolean } = { expectLogs: true },
) {
  try {
    const stream = subscribeRaw(running.url, WATCH(jobId), HEADERS);
    const first = await stream.first;
    expect(first.data?.jobUpdated?.state).toBe('STARTED');
    const response = await ask(running.url, 'query BeforeTheSignal { jobs(first: 1) { edges { cursor } } }');
    expect(response.status).toBe(200);
    send();
    const end = await stream.end;
    expect(end).toMatchObject({ completed: false, cut: false });
    const { code } = await running.exited;
    const lines = logLines(running.stdout());
    if (options.expectLogs) {
      expect(
        lines.some((line) => line.msg === 'graphql operation' && line.operation === 'BeforeTheSignal'),
      ).toBe(true);
    }
    // One drain: a single "shutting down", then "shut down" (logged just before exit 0).
    expect(lines.filter((line) => line.msg.startsWith('shutting down'))).toHaveLength(1);
    expect(lines.at(-1)?.msg).toBe('shut down');
    expect(running.stderr()).toBe('');
    return code;
  } finally {
    running.kill();
  }
}

describe('signals', () => {
  it('SIGTERM to node (the image: node is PID 1): exit 0, stream ended without complete, logs flushed', async () => {
    const running = await startProcess(process.execPath, gatewayCommand(), { env: gatewayEnv() });
    const code = await stopAndCheck(running, runningJobId, () => {
      running.signal('SIGTERM');
      running.signal('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('SIGTERM to npm only (`npm start`): npm forwards it, one drain, exit 0', async () => {
    const running = await startProcess('npm', ['start'], { env: gatewayEnv() });
    const code = await stopAndCheck(running, runningJobId, () => running.signal('SIGTERM'));
    expect(code).toBe(0);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the process group (npm and node both get it, twice): one drain, exit 0',
    async (signal) => {
      const running = await startProcess('npm', ['start'], { env: gatewayEnv(), detached: true });
      const code = await stopAndCheck(running, runningJobId, () => {
        running.signal(signal, 'group');
        running.signal(signal, 'group');
      });
      expect(code).toBe(0);
    },
  );

  it('Ctrl+C on `npm run demo` (SIGINT to npm and node, twice): one drain, exit 0', async () => {
    const port = await freePort();
    const running = await startProcess('npm', ['run', 'demo'], {
      env: gatewayEnv({ PORT: String(port), SIMULATOR_PORT: '0', LOG_LEVEL: 'debug' }),
      detached: true,
      ready: /GraphiQL:\s+(http:\/\/\S+)\/graphql/,
    });
    running.url = running.url.replace('localhost', '127.0.0.1');
    // A job of the demo's own simulator that is running now.
    const page = (await (
      await ask(running.url, '{ jobs(first: 1, filter: { states: [STARTED] }) { edges { node { jobId } } } }')
    ).json()) as { data: { jobs: { edges: { node: { jobId: string } }[] } } };
    const jobId = page.data.jobs.edges[0]!.node.jobId;
    const code = await stopAndCheck(running, jobId, () => {
      running.signal('SIGINT', 'group');
      running.signal('SIGINT', 'group');
    });
    expect(code).toBe(0);
  });

  it('`npm run simulator` on SIGINT to npm and node: finishes the request in flight, then exits 0', async () => {
    const running = await startProcess('npm', ['run', 'simulator'], {
      env: { ...process.env, SIMULATOR_PORT: '0', SIMULATOR_LATENCY_MS: '500' },
      detached: true,
      ready: /simulator on (http:\/\/\S+?):\s/,
    });
    try {
      const inFlight = fetch(`${running.url}/v2/jobs?limit=1`, { headers: { 'x-api-key': 'demo-api-key' } });
      // The request has reached the simulator (its stats count it) before the signal.
      for (let calls = 0; calls === 0; ) {
        const stats = await fetch(`${running.url}/_simulator/stats`);
        calls = ((await stats.json()) as { calls: number }).calls;
      }
      running.signal('SIGINT', 'group');
      running.signal('SIGINT', 'group');
      expect((await inFlight).status).toBe(200);
      expect((await running.exited).code).toBe(0);
      expect(running.stderr()).toBe('');
    } finally {
      running.kill();
    }
  });
});
