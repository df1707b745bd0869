// `npm run attack`: replays the hardening issue's attacks against the built gateway (`dist/main.mjs`, a
// child process as in production) and prints what an operator wants to know: is the process alive, its
// peak RSS, the most upstream calls one request caused, the size of /metrics, what was refused. Two
// gateways run: one in front of the simulator (client-side attacks), one in front of a hostile upstream
// written here (huge bodies, echoed keys, huge enum values, long page keys). Loopback only, bounded
// (well under two minutes), writes no file.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { listenSimulator } from '../../src/simulator/server';
import { gatewayCommand } from '../support/process';

const KEY = { 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' };
const started = performance.now();
let attacked: ChildProcess | undefined;
const note = (attack: string, outcome: string) => {
  process.stdout.write(
    `  ${attack}: ${outcome}${attacked ? ` (peak RSS so far ${peakRssMiB(attacked)})` : ''}\n`,
  );
};

// --- the simulator, counting upstream calls per GraphQL request (the gateway forwards x-request-id) ---
const simulator = createSimulator();
simulator.configure({ latencyMs: 200 });
const callsByRequest = new Map<string, number>();
const counting = {
  handle(request: Request) {
    const id = request.headers.get('x-request-id') ?? 'none';
    callsByRequest.set(id, (callsByRequest.get(id) ?? 0) + 1);
    return simulator.handle(request);
  },
} as unknown as Simulator;
const upstream = await listenSimulator(counting);

// --- a hostile upstream: behaviour chosen by the request id the gateway forwards ---
const hostile = createServer((req, res) => {
  req.resume();
  const id = String(req.headers['x-request-id'] ?? '');
  const key = String(req.headers['x-api-key'] ?? '');
  const job = (extra: object = {}) => ({
    id: 'j1',
    type: 'JOB__CORPUS_REBUILD_VECTOR_INDEX',
    state: 'JOB_STATE__QUEUED',
    corpusId: [1],
    ...extra,
  });
  if (id.startsWith('huge')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1024 * 1024, 32);
    let sent = 0;
    const pump = () => {
      while (sent < 200 && res.write(chunk)) sent++;
      if (sent >= 200) res.end();
      else res.once('drain', pump);
    };
    res.on('close', () => {
      sent = 200;
    });
    pump();
    return;
  }
  res.writeHead(id.startsWith('echo') ? 400 : 200, {
    'content-type': id.startsWith('echo') ? `application/${key.toUpperCase()}` : 'application/json',
  });
  if (id.startsWith('echo')) res.end(JSON.stringify({ code: 3, message: `bad key ${[...key].join(' ')}` }));
  else if (id.startsWith('enum'))
    res.end(JSON.stringify({ job: [job({ state: 'X'.repeat(1 << 20) })], pageKey: '' }));
  else if (id.startsWith('longkey')) res.end(JSON.stringify({ job: [job()], pageKey: 'k'.repeat(5000) }));
  else res.end(JSON.stringify({ job: [job()], pageKey: '' }));
});
await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
const hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;

interface Gateway {
  child: ChildProcess;
  url: string;
  /** The longest log line written so far (bytes). */
  longestLogLine: () => number;
}

async function startGateway(upstreamUrl: string, version: 'v1' | 'v2'): Promise<Gateway> {
  const child = spawn(process.execPath, gatewayCommand(), {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      VECTARA_API_URL: upstreamUrl,
      VECTARA_API_VERSION: version,
      LOG_LEVEL: 'warn',
      UPSTREAM_RETRIES: '0',
      UPSTREAM_TIMEOUT_MS: '5000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let longestLine = 0;
  child.stderr?.on('data', (chunk) => process.stderr.write(chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of String(chunk).split('\n')) longestLine = Math.max(longestLine, line.length);
      if (out.length < 4096) out += String(chunk);
      const match = /jobs-gateway on (http:\/\/\S+)\/graphql/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited early with ${code}`)));
  });
  return { child, url, longestLogLine: () => longestLine };
}

const peakRssMiB = (child: ChildProcess) => {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return `${Math.round(kb / 1024)} MiB`;
  } catch {
    return 'n/a';
  }
};

const post = (
  gateway: Gateway,
  body: unknown,
  headers: Record<string, string> = KEY,
  init: RequestInit = {},
) =>
  fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
const codeOf = async (response: Response) => {
  const text = await response.text();
  try {
    return (
      (JSON.parse(text).errors?.[0]?.extensions?.code as string | undefined) ?? `HTTP ${response.status}`
    );
  } catch {
    return `HTTP ${response.status}`;
  }
};

const main = await startGateway(upstream.url, 'v2');
attacked = main.child;
process.stdout.write(`attacking ${main.url} (simulator with 200 ms latency)\n`);

// 1. clients that cancel while their upstream calls are queued or starting
{
  const aliases = Array.from({ length: 20 }, (_, i) => `j${i}: job(jobId: "job-${i}") { state }`).join(' ');
  let cancelled = 0;
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 20 + (i % 61));
      await post(
        main,
        { query: `{ ${aliases} }` },
        { ...KEY, 'x-request-id': `cancel-${i}` },
        {
          signal: controller.signal,
        },
      ).then(
        (response) => response.text(),
        () => cancelled++,
      );
    }),
  );
  note(
    '1 cancel race (200 × 20 aliases)',
    `${cancelled} cancelled, gateway alive: ${main.child.exitCode === null}`,
  );
}

// 2. the cost limit with variables
{
  let inner = 'jobId';
  for (let level = 0; level < 3; level++) {
    inner = `jobs(first: $n) { edges { node { ${level === 0 ? inner : `corpora { ${inner} }`} } } }`;
  }
  const code = await codeOf(
    await post(main, { query: `query($n: Int) { ${inner} }`, variables: { n: 100 } }),
  );
  note('2 cost bypass with first: $n = 100', code);
}

// 3. amplification: nodes with 20,000 ids, _entities with 1,000 corpora
{
  const ids = Array.from({ length: 20_000 }, (_, i) => Buffer.from(`Job:job-${i}`).toString('base64url'));
  const nodes = await codeOf(
    await post(
      main,
      { query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids } },
      {
        'x-api-key': 'made-up',
        'x-request-id': 'nodes-1',
      },
    ),
  );
  const reps = Array.from({ length: 1000 }, (_, i) => ({ __typename: 'Corpus', id: i + 1 }));
  const entities = await codeOf(
    await post(
      main,
      {
        query:
          'query($r: [_Any!]!) { _entities(representations: $r) { ... on Corpus { jobs { edges { node { jobId } } } } } }',
        variables: { r: reps },
      },
      { ...KEY, 'x-request-id': 'entities-1' },
    ),
  );
  note('3 nodes(20,000 ids) / _entities(1,000 corpora)', `${nodes} / ${entities}`);
}

// 4. metric label growth: 2,000 operation names, 100 names of 900 kB
{
  for (let i = 0; i < 2000; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        post(main, { query: `query Op${i + j} { __typename }` }, {}).then((r) => r.text()),
      ),
    );
  }
  for (let i = 0; i < 100; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        post(main, { query: `query Big${String(i + j)}${'x'.repeat(900_000)} { __typename }` }, {}).then(
          (r) => r.text(),
        ),
      ),
    );
  }
  const metrics = await fetch(`${main.url}/metrics`);
  const text = await metrics.text();
  note('4 2,100 operation names', `/metrics HTTP ${metrics.status}, ${Math.round(text.length / 1024)} KiB`);
}

// 5. the body limit on /graphql/stream
{
  const token = await (await fetch(`${main.url}/graphql/stream`, { method: 'PUT', headers: KEY })).text();
  const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(64 * 1024 * 1024) } });
  const response = await fetch(`${main.url}/graphql/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token, ...KEY },
    body: big,
  }).then(
    (answer) => `HTTP ${answer.status}`,
    () => 'refused (the gateway answered 413 and closed the connection mid-upload)',
  );
  note('5 64 MiB body on /graphql/stream', response);
}

// 6. subscription floods: junk second header, and stream reservations
{
  const job = simulator.addJob({ queuedForSecs: 3600, runForSecs: 3600 });
  const controllers: AbortController[] = [];
  const firsts = await Promise.all(
    Array.from({ length: 2000 }, async (_, i) => {
      const controller = new AbortController();
      controllers.push(controller);
      const response = await post(
        main,
        { query: `subscription { jobUpdated(jobId: "job_${job.id}") { state } }` },
        { ...KEY, authorization: `Bearer junk-${i}`, accept: 'text/event-stream' },
        { signal: controller.signal },
      );
      const reader = response.body!.getReader();
      let text = '';
      while (!text.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        if (text.startsWith(':')) text = text.replace(/^:[^\n]*\n\n/, '');
      }
      reader.releaseLock();
      return text.includes('RATE_LIMITED') ? 'refused' : 'served';
    }),
  );
  const refused = firsts.filter((outcome) => outcome === 'refused').length;
  const metrics = await (await fetch(`${main.url}/metrics`)).text();
  const loops = /jobs_gateway_job_poll_loops (\d+)/.exec(metrics)?.[1];
  for (const controller of controllers) controller.abort();
  let reservationsRefused = 0;
  for (let i = 0; i < 1500; i += 100) {
    const statuses = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`${main.url}/graphql/stream`, { method: 'PUT', headers: KEY }).then((r) => r.status),
      ),
    );
    reservationsRefused += statuses.filter((status) => status === 429).length;
  }
  note(
    '6 2,000 subscriptions (junk 2nd header) / 1,500 reservations',
    `${refused} refused, ${loops} poll loop(s) / ${reservationsRefused} refused`,
  );
}

// 8–10. a hostile upstream
// The hostile upstream speaks v1's wire format (the client that bounds it is the same for both versions).
const second = await startGateway(hostileUrl, 'v1');
attacked = second.child;
{
  const ask = async (prefix: string, query = '{ job(jobId: "j1") { state } }') => {
    const response = await post(second, { query }, { ...KEY, 'x-request-id': `${prefix}-1` });
    const text = await response.text();
    return { text, code: JSON.parse(text).errors?.[0]?.extensions?.code ?? 'ok' };
  };
  const huge = await ask('huge');
  note('8 200 MB upstream body', huge.code);
  const echo = await ask('echo');
  const leaked = echo.text
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .includes('demoapikey');
  note('9 upstream echoes the key (spaced, upper case)', `${echo.code}, key in response: ${leaked}`);
  const enumResult = await ask('enum');
  note('9 1 MB enum value', `${enumResult.code}, longest log line: ${second.longestLogLine()} bytes`);
  const longKey = await ask('longkey', '{ jobs(first: 1) { pageInfo { endCursor } } }');
  note('10 5,000-byte page key', longKey.code);
}

const alive = [main, second].every((gateway) => gateway.child.exitCode === null);
const health = (await fetch(`${main.url}/health`)).status;
const maxCalls = Math.max(
  ...[...callsByRequest.entries()].filter(([id]) => id !== 'none').map(([, calls]) => calls),
);
process.stdout.write(`
summary
  process alive:                  ${alive} (/health ${health})
  peak RSS (client attacks):      ${peakRssMiB(main.child)}
  peak RSS (hostile upstream):    ${peakRssMiB(second.child)}
  max upstream calls per request: ${maxCalls}
  duration:                       ${Math.round((performance.now() - started) / 1000)} s
`);
for (const gateway of [main, second]) gateway.child.kill('SIGTERM');
await Promise.all(
  [main, second].map((gateway) => new Promise((resolve) => gateway.child.once('exit', resolve))),
);
await upstream.close();
hostile.closeAllConnections();
hostile.close();
process.exit(alive && health === 200 ? 0 : 1);
