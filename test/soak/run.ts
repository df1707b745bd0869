// `npm run soak [-- --minutes N --rate R --api v2|v1 --write]`: N minutes (default 10) at a fixed request
// rate against the gateway (a child process, as in production, on a free port) in front of the simulator
// with faults sprinkled in (5% 503, every 40th request reset). Reports the gateway's RSS after a one-minute
// warm-up and at the end, event-loop lag, and GraphQL outcomes by code (warm-up excluded). Loopback only;
// stops by itself; writes test/soak/results/latest.md only with --write. Not part of `npm test`.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { DEMO_ACCOUNTS } from '../../src/simulator/dataset';
import { createSimulator } from '../../src/simulator/handler';
import { listenSimulator } from '../../src/simulator/server';
import { gatewayCommand } from '../support/process';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const minutes = option('minutes', 10);
const rate = option('rate', 150);
const api = args.includes('--api') ? args[args.indexOf('--api') + 1] : 'v2';
if (api !== 'v1' && api !== 'v2') throw new Error('--api must be v1 or v2');

const simulator = createSimulator();
simulator.configure({
  random: { fault: 'unavailable', probability: 0.05 },
  periodic: { fault: 'reset', every: 40 },
});
const upstream = await listenSimulator(simulator);
// The gateway as `npm start` runs it: the esbuild bundle (`npm run soak` builds it first).
const gateway = spawn(process.execPath, gatewayCommand(), {
  env: {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    VECTARA_API_URL: upstream.url,
    VECTARA_API_VERSION: api,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    // No load balancer to wait for: stop at once when the run ends.
    SHUTDOWN_DELAY_MS: '0',
    UPSTREAM_TIMEOUT_MS: '5000',
    UPSTREAM_RETRIES: '2',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// The port the gateway really listens on (it picked a free one).
const base = await new Promise<string>((resolve, reject) => {
  let out = '';
  gateway.stdout?.on('data', (chunk) => {
    out += String(chunk);
    const match = /jobs-gateway on (http:\/\/\S+)\/graphql/.exec(out);
    if (match) resolve(match[1]!.replace('localhost', '127.0.0.1'));
  });
  gateway.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
});
process.stdout.write(
  `soak: ${minutes} min at ${rate} req/s against ${base} (Vectara API ${api}), after a 1-minute warm-up\n`,
);
const agent = new Agent({ connections: 64 });

async function waitReady() {
  for (let i = 0; i < 100; i++) {
    try {
      const response = await request(`${base}/health`, { dispatcher: agent });
      await response.body.text();
      if (response.statusCode === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('gateway did not start');
}

async function metric(name: string): Promise<number> {
  const response = await request(`${base}/metrics`, { dispatcher: agent });
  const text = await response.body.text();
  const line = text.split('\n').find((row) => row.startsWith(`${name} `) || row.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
}

const [account, second] = DEMO_ACCOUNTS;
const accounts = [account!, second!];
// The jobs the upstream serves, as the version names them: v1 keeps a 180-day window and shows no v2-only
// job types; v2 shows every job, its id prefixed with `job_`.
const windowStart = api === 'v1' ? Date.now() / 1000 - 179 * 86_400 : 0;
const jobIds = new Map(
  accounts.map((a) => [
    a.customerId,
    simulator
      .jobsOf(a.customerId)
      .filter((job) => job.createdAt > windowStart && (api === 'v2' || !job.v2Only))
      .map((job) => (api === 'v2' ? `job_${job.id}` : job.id)),
  ]),
);
const outcomes = new Map<string, number>();
let unexpected = 0;
const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

/** One request of a realistic mix; checks the answer and counts its outcome. */
async function one(n: number) {
  const who = accounts[n % accounts.length]!;
  const headers = {
    'content-type': 'application/json',
    'x-api-key': who.apiKeys[0]!,
    'customer-id': who.customerId,
  };
  const ids = jobIds.get(who.customerId)!;
  const kind = n % 10;
  let body: { query: string; variables?: Record<string, unknown> };
  if (kind < 6) {
    body = {
      query:
        'query($f: Int) { jobs(first: $f, filter: { states: [COMPLETED, FAILED, QUEUED, STARTED] }) { edges { cursor node { id jobId state createdAt } } pageInfo { hasNextPage endCursor } } }',
      variables: { f: 20 },
    };
  } else if (kind < 9) {
    body = {
      query: 'query($id: String!) { job(jobId: $id) { jobId state } }',
      variables: { id: ids[n % ids.length] },
    };
  } else {
    body = { query: '{ jobs(first: 0) { edges { cursor } } }' }; // deliberate BAD_USER_INPUT
  }
  try {
    const response = await request(`${base}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      dispatcher: agent,
    });
    const text = await response.body.text();
    if (response.statusCode >= 500) {
      unexpected++;
      count(`http ${response.statusCode}`);
      return;
    }
    const result = JSON.parse(text) as { data?: any; errors?: { extensions?: { code?: string } }[] };
    const code = result.errors?.[0]?.extensions?.code;
    if (code) {
      count(code);
      const expected =
        kind === 9 ? code === 'BAD_USER_INPUT' : code.startsWith('UPSTREAM_') || code === 'RATE_LIMITED';
      if (!expected) unexpected++;
      return;
    }
    if (kind === 9) unexpected++;
    const leaked =
      kind < 6
        ? result.data.jobs.edges.some((edge: any) => !ids.includes(edge.node.jobId))
        : result.data.job?.jobId !== ids[n % ids.length];
    if (leaked) unexpected++;
    count(leaked ? 'WRONG_DATA' : 'ok');
  } catch (error) {
    unexpected++;
    count(`request error ${(error as Error).message}`);
  }
}

let counter = 0;
let maxLag = 0;

/** Sends `rate` requests a second for `durationMs`, reporting once a minute when asked; returns the count. */
async function drive(durationMs: number, report: boolean): Promise<number> {
  const started = Date.now();
  const end = started + durationMs;
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let nextReport = started + 60_000;
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (sent < due) {
      sent++;
      const call = one(counter++).finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    if (report && Date.now() >= nextReport) {
      nextReport += 60_000;
      const lag = await metric('jobs_gateway_nodejs_eventloop_lag_max_seconds');
      maxLag = Math.max(maxLag, lag);
      const rss = await metric('jobs_gateway_process_resident_memory_bytes');
      process.stdout.write(
        `  ${Math.round((Date.now() - started) / 60_000)} min: ${sent} requests, RSS ${(rss / 2 ** 20).toFixed(1)} MiB, loop lag max ${(lag * 1000).toFixed(1)} ms, unexpected ${unexpected}\n`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  return sent;
}

try {
  await waitReady();
  // Warm-up: one minute at the soak's own rate, so that the baseline is the steady state, not a cold heap.
  await drive(60_000, false);
  // Outcomes and errors count from here on: the warm-up is not part of the soak.
  outcomes.clear();
  unexpected = 0;
  const callsBefore = simulator.calls;
  const rssStart = await metric('jobs_gateway_process_resident_memory_bytes');
  const sent = await drive(minutes * 60_000, true);
  const rssEnd = await metric('jobs_gateway_process_resident_memory_bytes');
  maxLag = Math.max(maxLag, await metric('jobs_gateway_nodejs_eventloop_lag_max_seconds'));
  const growth = ((rssEnd - rssStart) / rssStart) * 100;
  const rows = [...outcomes.entries()].sort((a, b) => b[1] - a[1]);
  const report = [
    `# Soak result`,
    ``,
    `${new Date().toISOString()}: ${minutes} min at ${rate} req/s (${sent} requests) against the simulator with 5% 503s,`,
    `every 40th upstream request reset; gateway in its own process (Vectara API ${api}), NODE_ENV=production, UPSTREAM_RETRIES=2.`,
    ``,
    `| figure | value |`,
    `|---|---|`,
    `| RSS after a 1-minute warm-up at the same rate | ${(rssStart / 2 ** 20).toFixed(1)} MiB |`,
    `| RSS at the end | ${(rssEnd / 2 ** 20).toFixed(1)} MiB |`,
    `| RSS growth | ${growth.toFixed(1)} % |`,
    `| event-loop lag max (worst minute) | ${(maxLag * 1000).toFixed(1)} ms |`,
    `| upstream calls (simulator, after the warm-up) | ${simulator.calls - callsBefore} |`,
    `| unexpected errors | ${unexpected} |`,
    ``,
    `| outcome | count |`,
    `|---|---|`,
    ...rows.map(([key, value]) => `| ${key} | ${value} |`),
    ``,
  ].join('\n');
  process.stdout.write(`\n${report}`);
  if (args.includes('--write')) {
    mkdirSync('test/soak/results', { recursive: true });
    writeFileSync('test/soak/results/latest.md', report);
  }
  process.exitCode = unexpected === 0 && growth < 10 ? 0 : 1;
} finally {
  gateway.kill('SIGTERM');
  await agent.close();
  await upstream.close();
}
