// `npm run bench [-- --quick] [-- --write]`: what the gateway costs over calling the upstream directly, over a
// plain keep-alive proxy hop and against the ceiling (a GraphQL-free handler doing the same transform,
// ceiling.ts), measured side by side in one run; a second gateway with RESPONSE_CACHE_TTL_MS shows what the
// opt-in cache buys (the main gateway runs with it off). Ports are picked free; results are printed, and
// written to test/bench/results/node<major>.md/.svg only with --write. The system under test (proxy, gateway) is pinned
// to core 0 with taskset; this runner (autocannon) and the simulator share core 1. Interleaved A B C per
// repetition after a warm-up, medians reported. Every response is checked (status 200, no errors, the right
// number of jobs): a fast error is not a result. Loopback only; not part of `npm test`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { request } from 'undici';
import { freePort, gatewayCommand } from '../support/process';

const quick = process.argv.includes('--quick');
const REPS = quick ? 1 : 3;
const DURATION = quick ? 1 : 3;
const WARMUP = 1;
const write = process.argv.includes('--write');
const SIM_PORT = await freePort();
const PROXY_PORT = await freePort();
const GATEWAY_PORT = await freePort();
const MESH_PORT = await freePort();
const CEILING_PORT = await freePort();
const CACHED_PORT = await freePort();
const UNSHARED_PORT = await freePort();
const UNSHARED_V2_PORT = await freePort();
/** GraphQL Mesh + Hive Gateway over the OpenAPI document, when `npm run bench:mesh-setup` has prepared it. */
const MESH_SUPERGRAPH = 'test/bench/mesh/supergraph.graphql';
const withMesh = existsSync(MESH_SUPERGRAPH) && !process.argv.includes('--no-mesh');
const HEADERS = {
  'content-type': 'application/json',
  'x-api-key': 'demo-api-key',
  'customer-id': '1234567890',
};
const STATES = ['COMPLETED', 'FAILED', 'ABORTED', 'QUEUED', 'STARTED'];
const QUERY = `query Bench($first: Int!) {
  jobs(first: $first, filter: { states: [${STATES.join(', ')}] }) {
    edges { cursor node { id jobId type state isTerminal corpusIds createdAt startedAt completedAt userHandle } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type Target = 'direct' | 'proxy' | 'ceiling' | 'gateway' | 'unshared' | 'unshared-v2' | 'cached' | 'mesh';
/** The gateway rows, compared with the baselines in the ratio columns. */
const GATEWAYS: readonly Target[] = ['gateway', 'unshared', 'unshared-v2'];
const TARGETS: Target[] = [
  'direct',
  'proxy',
  'ceiling',
  'gateway',
  'unshared',
  'unshared-v2',
  'cached',
  ...(withMesh ? (['mesh'] as const) : []),
];
const MESH_QUERY = `query Bench($n: BigInt) {
  ListJobs(customer_id: 1234567890, input: { state: [${STATES.map((state) => `JOB_STATE__${state}`).join(', ')}], numResults: $n }) {
    ... on adminListJobsResponse { job { id type corpusId state tsCreate tsStart tsComplete userHandle } pageKey }
  }
}`;

interface Scenario {
  pageSize: number;
  connections: number;
  latencyMs: number;
}

const scenarios: Scenario[] = [];
for (const latencyMs of quick ? [0] : [0, 150]) {
  for (const pageSize of [20, 100]) {
    for (const connections of [1, 50]) scenarios.push({ pageSize, connections, latencyMs });
  }
}

const pin = (core: number, pid: number) => {
  try {
    execFileSync('taskset', ['-cp', String(core), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** The V8 flags `npm start` gives the gateway: every Node process under test gets them (a like-for-like ceiling). */
const V8_FLAGS = gatewayCommand().slice(0, -1);

/** Starts `node …args` pinned to a core (TypeScript entry points through tsx, built ones as they are). */
function start(name: string, core: number, args: string[], env: Record<string, string>): ChildProcess {
  const loader = args.at(-1)?.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const flags = args[0]?.startsWith('--') ? [] : V8_FLAGS;
  return spawnPinned(name, core, process.execPath, [...flags, ...loader, ...args], env);
}

function spawnPinned(
  name: string,
  core: number,
  command: string,
  args: string[],
  env: Record<string, string>,
) {
  const child = spawn('taskset', ['-c', String(core), command, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`${name} exited (${code ?? signal})\n`);
  });
  return child;
}

async function waitFor(url: string, init: Parameters<typeof request>[1] = {}) {
  for (let i = 0; i < 200; i++) {
    try {
      const response = await request(url, init);
      await response.body.text();
      if (response.statusCode < 500) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** A process and its descendants (a gateway may fork workers); taskset execs, so the pid is the program's. */
function processTree(pid: number): number[] {
  const pids = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) pids.push(...processTree(Number(child)));
    }
  } catch {}
  return pids;
}
const peakRssMiB = (pid: number) =>
  processTree(pid).reduce((sum, each) => {
    try {
      const status = readFileSync(`/proc/${each}/status`, 'utf8');
      return sum + Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      return sum;
    }
  }, 0);
const resetPeakRss = (pid: number) => {
  for (const each of processTree(pid)) {
    try {
      writeFileSync(`/proc/${each}/clear_refs`, '5');
    } catch {}
  }
};

function requestFor(target: Target, scenario: Scenario) {
  if (target === 'mesh') {
    return {
      url: `http://127.0.0.1:${MESH_PORT}/graphql`,
      body: JSON.stringify({ query: MESH_QUERY, variables: { n: scenario.pageSize } }),
      check: (body: string) => !body.includes('"errors"') && count(body, '"tsCreate":') === scenario.pageSize,
    };
  }
  if (
    target === 'gateway' ||
    target === 'unshared' ||
    target === 'unshared-v2' ||
    target === 'ceiling' ||
    target === 'cached'
  ) {
    const port = {
      gateway: GATEWAY_PORT,
      unshared: UNSHARED_PORT,
      'unshared-v2': UNSHARED_V2_PORT,
      ceiling: CEILING_PORT,
      cached: CACHED_PORT,
    }[target];
    return {
      url: `http://127.0.0.1:${port}/graphql`,
      body: JSON.stringify({ query: QUERY, variables: { first: scenario.pageSize } }),
      // Every edge has a cursor; an error or a short page fails the check.
      check: (body: string) => !body.includes('"errors"') && count(body, '"cursor":') === scenario.pageSize,
    };
  }
  return {
    url: `http://127.0.0.1:${target === 'direct' ? SIM_PORT : PROXY_PORT}/v1/list-jobs`,
    body: JSON.stringify({
      state: STATES.map((state) => `JOB_STATE__${state}`),
      numResults: scenario.pageSize,
    }),
    check: (body: string) =>
      body.startsWith('{"status":[]') && count(body, '"tsCreate":') === scenario.pageSize,
  };
}

function count(text: string, needle: string): number {
  let n = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  bad: number;
  total: number;
  /** Upstream calls the simulator saw during the run. */
  upstreamCalls: number;
}

async function simulatorCalls(): Promise<number> {
  const response = await request(`http://127.0.0.1:${SIM_PORT}/_simulator/stats`);
  return ((await response.body.json()) as { calls: number }).calls;
}

async function measure(target: Target, scenario: Scenario, seconds: number): Promise<Sample> {
  const { url, body, check } = requestFor(target, scenario);
  let bad = 0;
  let total = 0;
  const callsBefore = await simulatorCalls();
  // autocannon's latency histogram keeps whole milliseconds; its per-response event has the exact time.
  const latencies: number[] = [];
  const run = (
    autocannon as unknown as (options: autocannon.Options) => EventEmitter & Promise<autocannon.Result>
  )({
    url,
    connections: scenario.connections,
    duration: seconds,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        headers: HEADERS,
        body,
        onResponse: (status: number, responseBody: string) => {
          total++;
          if (status !== 200 || !check(responseBody)) bad++;
        },
      },
    ],
  });
  run.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const result = await run;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  const upstreamCalls = (await simulatorCalls()) - callsBefore;
  return {
    upstreamCalls,
    rps: result.requests.average,
    p50: percentile(0.5),
    p99: percentile(0.99),
    bad: bad + result.errors,
    total,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

let stopping = false;
const children: ChildProcess[] = [];
const pinned = pin(1, process.pid);
const simulator = start('simulator', 1, ['src/simulator/main.ts'], { SIMULATOR_PORT: String(SIM_PORT) });
const proxy = start('proxy', 0, ['test/bench/proxy.ts'], {
  PORT: String(PROXY_PORT),
  UPSTREAM_URL: `http://127.0.0.1:${SIM_PORT}`,
  NODE_ENV: 'production',
});
// The gateway as `npm start` runs it: the esbuild bundle (`npm run bench` builds it first).
const gatewayEnv = {
  HOST: '127.0.0.1',
  VECTARA_API_URL: `http://127.0.0.1:${SIM_PORT}`,
  // The direct, proxy and ceiling baselines call POST /v1/list-jobs: the gateways speak the same version here.
  VECTARA_API_VERSION: 'v1',
  NODE_ENV: 'production',
  LOG_LEVEL: 'silent',
  // No load balancer to wait for: stop at once when the run ends.
  SHUTDOWN_DELAY_MS: '0',
};
// The gateway as deployed (defaults: identical calls in flight shared, no response cache), and the same
// without sharing: every GraphQL page makes its own upstream call, like the ceiling (like for like).
const gateway = start('gateway', 0, gatewayCommand(), { ...gatewayEnv, PORT: String(GATEWAY_PORT) });
const unshared = start('unshared', 0, gatewayCommand(), {
  ...gatewayEnv,
  PORT: String(UNSHARED_PORT),
  UPSTREAM_CALL_SHARING: 'false',
});
// The same, speaking the live API's version (GET /v2/jobs on the simulator): what v2 costs over v1.
const unsharedV2 = start('unshared-v2', 0, gatewayCommand(), {
  ...gatewayEnv,
  PORT: String(UNSHARED_V2_PORT),
  VECTARA_API_VERSION: 'v2',
  UPSTREAM_CALL_SHARING: 'false',
});
const ceiling = start('ceiling', 0, ['test/bench/ceiling.ts'], {
  PORT: String(CEILING_PORT),
  UPSTREAM_URL: `http://127.0.0.1:${SIM_PORT}`,
  NODE_ENV: 'production',
});
const cached = start('cached', 0, gatewayCommand(), {
  ...gatewayEnv,
  PORT: String(CACHED_PORT),
  RESPONSE_CACHE_TTL_MS: '1000',
});
const mesh = withMesh
  ? spawnPinned(
      'mesh',
      0,
      'test/bench/mesh/node_modules/.bin/hive-gateway',
      ['supergraph', MESH_SUPERGRAPH, '--host', '127.0.0.1', '--port', String(MESH_PORT), '--fork', '1'],
      { UPSTREAM_URL: `http://127.0.0.1:${SIM_PORT}`, NODE_ENV: 'production' },
    )
  : undefined;
children.push(simulator, proxy, gateway, unshared, unsharedV2, ceiling, cached, ...(mesh ? [mesh] : []));
const SUT: Partial<Record<Target, ChildProcess>> = {
  proxy,
  gateway,
  unshared,
  'unshared-v2': unsharedV2,
  mesh,
  ceiling,
  cached,
};

interface Row extends Scenario {
  target: Target;
  rps: number;
  p50: number;
  p99: number;
  peakRss: number | null;
  checked: number;
  bad: number;
  upstreamCalls: number;
}
const rows: Row[] = [];
const startedAt = Date.now();
let federatedCalls = Number.NaN;

/** Upstream calls of one federated fetch: six corpora's first pages (`_entities` → Corpus.jobs(first: 3)). */
async function federatedQueryCalls(): Promise<number> {
  const before = await simulatorCalls();
  const representations = [1, 2, 3, 4, 5, 6].map((id) => ({ __typename: 'Corpus', id }));
  const response = await request(`http://127.0.0.1:${GATEWAY_PORT}/graphql`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({
      query:
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Corpus { jobs(first: 3, states: [COMPLETED, FAILED]) { edges { node { jobId } } } } } }',
      variables: { r: representations },
    }),
  });
  const text = await response.body.text();
  if (text.includes('"errors"')) throw new Error(`federated query failed: ${text.slice(0, 200)}`);
  return (await simulatorCalls()) - before;
}
try {
  await waitFor(`http://127.0.0.1:${SIM_PORT}/_simulator/stats`);
  await waitFor(`http://127.0.0.1:${PROXY_PORT}/_simulator/stats`);
  await waitFor(`http://127.0.0.1:${GATEWAY_PORT}/health`);
  await waitFor(`http://127.0.0.1:${CACHED_PORT}/health`);
  await waitFor(`http://127.0.0.1:${CEILING_PORT}/`, { method: 'GET' });
  federatedCalls = await federatedQueryCalls();
  if (withMesh) await waitFor(`http://127.0.0.1:${MESH_PORT}/healthcheck`);
  for (const scenario of scenarios) {
    await request(`http://127.0.0.1:${SIM_PORT}/_simulator/config`, {
      method: 'POST',
      body: JSON.stringify({ latencyMs: scenario.latencyMs }),
    }).then((response) => response.body.text());
    const label = `page ${scenario.pageSize}, ${scenario.connections} conn, upstream +${scenario.latencyMs} ms`;
    process.stdout.write(`${label}\n`);
    for (const target of TARGETS) await measure(target, scenario, WARMUP);
    for (const child of Object.values(SUT)) if (child) resetPeakRss(child.pid!);
    const samples = new Map<Target, Sample[]>(TARGETS.map((target) => [target, []]));
    for (let rep = 0; rep < REPS; rep++) {
      for (const target of TARGETS) samples.get(target)!.push(await measure(target, scenario, DURATION));
    }
    for (const target of TARGETS) {
      const list = samples.get(target)!;
      const row: Row = {
        ...scenario,
        target,
        rps: median(list.map((sample) => sample.rps)),
        p50: median(list.map((sample) => sample.p50)),
        p99: median(list.map((sample) => sample.p99)),
        peakRss: target === 'direct' ? null : peakRssMiB(SUT[target]!.pid!),
        checked: list.reduce((sum, sample) => sum + sample.total, 0),
        bad: list.reduce((sum, sample) => sum + sample.bad, 0),
        upstreamCalls: list.reduce((sum, sample) => sum + sample.upstreamCalls, 0),
      };
      rows.push(row);
      process.stdout.write(
        `  ${target.padEnd(8)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(1)} ms  ${row.peakRss ? `${row.peakRss.toFixed(0)} MiB` : ''}  ${row.bad ? `BAD ${row.bad}/${row.checked}` : `${row.checked} checked`}\n`,
      );
    }
  }
} finally {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
}

const seconds = Math.round((Date.now() - startedAt) / 1000);
const find = (scenario: Scenario, target: Target) =>
  rows.find(
    (row) =>
      row.target === target &&
      row.pageSize === scenario.pageSize &&
      row.connections === scenario.connections &&
      row.latencyMs === scenario.latencyMs,
  )!;
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const lines = [
  '# Benchmark: gateway vs plain proxy vs direct',
  '',
  `${new Date().toISOString()} on ${machine}; ${quick ? 'quick run' : 'full run'}: ${REPS} × ${DURATION} s per target and scenario after a ${WARMUP} s warm-up, interleaved, medians; ${seconds} s in all.`,
  `System under test pinned to core 0${pinned ? '' : ' (taskset failed: unpinned)'}, autocannon + simulator on core 1; NODE_ENV=production, logging off; every Node process runs with the gateway's npm-start V8 flags (${V8_FLAGS.join(' ')}).`,
  'Gateway query: `jobs(first: N)` selecting every Job field plus cursors and pageInfo; direct/proxy: the equivalent `POST /v1/list-jobs`' +
    (withMesh
      ? '; mesh: GraphQL Mesh (compose) + Hive Gateway serving the OpenAPI document, `ListJobs` selecting every job field (`npm run bench:mesh-setup`).'
      : '.'),
  '',
  `| page | conns | upstream | target | req/s | p50 ms | p99 ms | peak RSS MiB | ÷ proxy | ÷ ceiling | ÷ direct${withMesh ? ' | ÷ mesh' : ''} | checked |`,
  `|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:${withMesh ? '|---:' : ''}|---|`,
];
for (const scenario of scenarios) {
  const proxyRow = find(scenario, 'proxy');
  const directRow = find(scenario, 'direct');
  for (const target of TARGETS) {
    const row = find(scenario, target);
    const meshRatio = withMesh
      ? ` | ${GATEWAYS.includes(target) ? `${(row.rps / find(scenario, 'mesh').rps).toFixed(2)}×` : ''}`
      : '';
    const ceilingRow = find(scenario, 'ceiling');
    const ratios =
      (GATEWAYS.includes(target)
        ? `${(row.rps / proxyRow.rps).toFixed(2)}× | ${(row.rps / ceilingRow.rps).toFixed(2)}× | ${(row.rps / directRow.rps).toFixed(2)}×`
        : ' |  | ') + meshRatio;
    lines.push(
      `| ${row.pageSize} | ${row.connections} | +${row.latencyMs} ms | ${target} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(1)} | ${row.peakRss?.toFixed(0) ?? '–'} | ${ratios} | ${row.bad ? `**${row.bad} bad** of ${row.checked}` : `${row.checked} ok`} |`,
    );
  }
}
lines.push('');
const latencyRows = scenarios
  .filter((scenario) => scenario.connections === 1 && scenario.latencyMs === 0)
  .map((scenario) => {
    const added = find(scenario, 'gateway').p50 - find(scenario, 'proxy').p50;
    return `page ${scenario.pageSize}: ${added.toFixed(2)} ms`;
  });
lines.push(`Added median latency over the proxy at 1 connection: ${latencyRows.join('; ')}.`, '');
const callsPerPage = (target: Target) => {
  const of = rows.filter((row) => row.target === target);
  return (
    of.reduce((sum, row) => sum + row.upstreamCalls, 0) / of.reduce((sum, row) => sum + row.checked, 0)
  ).toFixed(3);
};
lines.push(
  `Upstream calls per GraphQL page (simulator count / responses, requests still in flight at the end of a run included): gateway ${callsPerPage('gateway')} (identical requests in flight share calls), unshared ${callsPerPage('unshared')}, unshared-v2 ${callsPerPage('unshared-v2')}.`,
  `Upstream calls for one federated fetch of six corpora's first pages (\`_entities\` → \`Corpus.jobs(first: 3)\`): ${federatedCalls}.`,
  "`gateway`: the gateway with its defaults (identical upstream calls of one credential in flight are shared; the bench's requests are all identical, so at 50 connections they share calls). `unshared`: UPSTREAM_CALL_SHARING=false, every GraphQL page makes its own upstream call — like for like with the ceiling; `unshared-v2`: the same speaking Vectara API v2 (`GET /v2/jobs`) to the simulator, the baselines staying on v1. `cached`: the defaults plus RESPONSE_CACHE_TTL_MS=1000 (the bench's identical requests are answered from it). Ratio columns: the row's req/s ÷ the baseline's.",
  '',
);
const markdown = lines.join('\n');
process.stdout.write(`\n${markdown}\n`);
if (write) {
  // One file per Node major: the README shows Node 20 (these machines) and 24 (what the image runs).
  const base = `test/bench/results/node${process.versions.node.split('.')[0]}`;
  writeFileSync(`${base}.md`, `${markdown}\n`);
  writeFileSync(`${base}.svg`, chart());
  process.stdout.write(`wrote ${base}.md and ${base}.svg\n`);
} else process.stdout.write('(not written: add --write to update test/bench/results/)\n');
if (rows.some((row) => row.bad > 0)) process.exitCode = 1;

/** Throughput per scenario and target as grouped horizontal bars. */
function chart(): string {
  const colors: Record<Target, string> = {
    direct: '#9e9e9e',
    proxy: '#5c6bc0',
    ceiling: '#8d6e63',
    gateway: '#e6522c',
    unshared: '#ab47bc',
    'unshared-v2': '#7e57c2',
    cached: '#ffa726',
    mesh: '#26a69a',
  };
  const barHeight = 14;
  const groupGap = 16;
  const left = 230;
  const width = 1000;
  const max = Math.max(...rows.map((row) => row.rps));
  let y = 40;
  const parts: string[] = [];
  for (const scenario of scenarios) {
    parts.push(
      `<text x="8" y="${y + barHeight * 1.5 + 4}" font-size="12">page ${scenario.pageSize}, ${scenario.connections} conn, +${scenario.latencyMs} ms</text>`,
    );
    for (const target of TARGETS) {
      const row = find(scenario, target);
      const w = Math.max(1, (row.rps / max) * (width - left - 80));
      parts.push(
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight - 2}" fill="${colors[target]}"/>`,
      );
      parts.push(
        `<text x="${left + w + 4}" y="${y + barHeight - 4}" font-size="11">${row.rps.toFixed(0)}</text>`,
      );
      y += barHeight;
    }
    y += groupGap;
  }
  const legend = TARGETS.map(
    (target, index) =>
      `<rect x="${left + index * 110}" y="12" width="12" height="12" fill="${colors[target]}"/><text x="${left + index * 110 + 16}" y="22" font-size="12">${target}</text>`,
  ).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif"><text x="8" y="22" font-size="13" font-weight="bold">req/s (higher is better)</text>${legend}${parts.join('')}</svg>\n`;
}
