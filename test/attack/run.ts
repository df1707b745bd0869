// `npm run attack`: replays the hardening issues' attacks against the built gateway (`dist/main.mjs`, a
// child process as in production) and prints, per attack, what an operator wants to know: is the process
// alive, its peak RSS during that attack, sockets the attacker held, operations refused, upstream polls
// while Redis is paused, and what the attacker got. Client-side attacks share one gateway in front of the
// simulator (its peak RSS is reset before each); each heavy WebSocket attack, the stream-reservation lock
// and the paused Redis get a fresh gateway (NODE_ENV=production) so that their peaks are their own; a
// hostile upstream written here (huge bodies, echoed keys, huge enum values, long page keys) gets its own.
// Loopback only, bounded (a watchdog ends the run at two minutes), writes no file, and leaves nothing
// running: every child, redis-server and server is stopped in `finally`, and children are killed on exit.
// Labels `r1 #N` / `r2 #N` name the numbered item of the first and the second (issue 19) hardening issue.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createSimulator, type Simulator } from '../../src/simulator/handler';
import { listenSimulator } from '../../src/simulator/server';
import { CUSTOMER_B } from '../support/accounts';
import { gatewayCommand } from '../support/process';
import { type RunningRedis, startRedis } from '../support/redis';
import { attackRedisPaused, attackStreamReservations, peakRssMiB, streamOnce } from './streams';
import {
  connectionFlood,
  connectionParamsInjection,
  invalidSubscribes,
  nonReadingClient,
  pendingOperations,
} from './websocket';

const KEY = { 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' };
const OTHER_TENANT = { 'x-api-key': 'demo-api-key-2', 'customer-id': CUSTOMER_B };
// No shutdown delay: nothing balances load here, and each gateway stops between attacks.
const PRODUCTION = { NODE_ENV: 'production', SHUTDOWN_DELAY_MS: '0' };
const BOUND_MS = 120_000;
const started = performance.now();

interface Gateway {
  child: ChildProcess;
  url: string;
  /** The longest log line written since the last `markLog()` (bytes). */
  longestLogLine: () => number;
  markLog: () => void;
  /** Bytes written to stdout and stderr so far. */
  logBytes: () => number;
  /** Log lines at level error or fatal so far. */
  errorLines: () => number;
}

/** One printed row: an attack and what it did to the gateway. */
interface Row {
  attack: string;
  alive: boolean;
  peakRssMiB?: number;
  socketsHeld?: number;
  refused?: number;
  pollsWhilePaused?: string;
  result: string;
}
type Outcome = Omit<Row, 'attack' | 'alive' | 'peakRssMiB'>;
const rows: Row[] = [];

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
// Whatever ends the run, no gateway or redis-server outlives it.
process.on('exit', () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
const watchdog = setTimeout(() => {
  process.stdout.write(`\nthe attack run passed its bound of ${BOUND_MS / 1000} s: stopped\n`);
  process.exit(1);
}, BOUND_MS);
watchdog.unref();

const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Resolves once `value()` has not changed for `ms` (at most 5 s): a gateway's late writes, calls still coming. */
async function settled(value: () => number, ms: number): Promise<void> {
  const until = Date.now() + 5000;
  let last = value();
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (value() === last) return;
    last = value();
  }
}

/** Resets a process's peak RSS (VmHWM) to its current RSS, so that the next attack's peak is its own. */
function resetPeak(child: ChildProcess): void {
  try {
    writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not allowed: the peak stays the process's peak so far.
  }
}

function record(gateway: Gateway, attack: string, outcome: Outcome): void {
  const row: Row = {
    attack,
    alive: isAlive(gateway.child),
    peakRssMiB: peakRssMiB(gateway.child.pid),
    ...outcome,
  };
  rows.push(row);
  const extras = [
    `alive: ${row.alive}`,
    `peak RSS ${row.peakRssMiB ?? 'n/a'} MiB`,
    row.socketsHeld === undefined ? '' : `sockets held ${row.socketsHeld}`,
    row.refused === undefined ? '' : `refused ${row.refused}`,
    row.pollsWhilePaused === undefined ? '' : `polls while Redis paused ${row.pollsWhilePaused}`,
  ].filter(Boolean);
  process.stdout.write(`  ${attack}: ${row.result}\n      [${extras.join(', ')}]\n`);
}

async function startGateway(
  upstreamUrl: string,
  version: 'v1' | 'v2',
  env: Record<string, string> = {},
): Promise<Gateway> {
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
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let longestLine = 0;
  let bytes = 0;
  let errors = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    process.stderr.write(chunk);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (const line of String(chunk).split('\n')) {
        longestLine = Math.max(longestLine, line.length);
        if (/"level":(50|60)/.test(line)) errors++;
      }
      if (out.length < 4096) out += String(chunk);
      const match = /jobs-gateway on (http:\/\/\S+)\/graphql/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited early with ${code}: ${out}`)));
  });
  // The start-up lines written after the address (a warning, `listening`) belong to no attack.
  await settled(() => bytes, 300);
  return {
    child,
    url,
    longestLogLine: () => longestLine,
    markLog: () => {
      longestLine = 0;
    },
    logBytes: () => bytes,
    errorLines: () => errors,
  };
}

/** SIGTERM (the gateway drains), SIGKILL if it has not exited after 5 s. */
async function stopGateway(gateway: Gateway): Promise<void> {
  const { child } = gateway;
  if (isAlive(child)) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(force);
  }
  children.delete(child);
}

/** Runs `attack` on a gateway of its own (production mode unless `env` says otherwise), then stops it. */
async function onFreshGateway(
  name: string,
  attack: (gateway: Gateway) => Promise<Outcome>,
  env: Record<string, string> = PRODUCTION,
): Promise<void> {
  const gateway = await startGateway(upstream.url, 'v2', env);
  try {
    record(gateway, name, await attack(gateway));
  } finally {
    await stopGateway(gateway);
  }
}

/** Runs `attack` on a shared gateway, its peak RSS reset first. */
async function onShared(gateway: Gateway, name: string, attack: () => Promise<Outcome>): Promise<void> {
  resetPeak(gateway.child);
  record(gateway, name, await attack());
}

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
const sum = (counts: Record<string, number> | undefined) =>
  Object.values(counts ?? {}).reduce((total, count) => total + count, 0);
const tally = (values: readonly string[]) =>
  Object.entries(
    values.reduce<Record<string, number>>((counts, value) => {
      counts[value] = (counts[value] ?? 0) + 1;
      return counts;
    }, {}),
  )
    .map(([value, count]) => `${count} × ${value}`)
    .join(', ');

/** One operation over graphql-ws with a made-up key: the code of its first error, or 'data'. */
async function overWebSocket(url: string, query: string): Promise<{ code: string; text: string }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  socket.on('error', () => undefined);
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ code: 'no answer in 5 s', text: '' }), 5000);
      socket.once('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': 'made-up-key' } })),
      );
      socket.on('message', (data) => {
        const text = String(data);
        const message = JSON.parse(text) as { type: string; payload?: any };
        if (message.type === 'connection_ack')
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        const errors = message.type === 'error' ? message.payload : message.payload?.errors;
        if (message.type === 'error' || message.type === 'next') {
          clearTimeout(timer);
          resolve({ code: errors?.[0]?.extensions?.code ?? 'data', text });
        }
      });
      socket.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code: `closed ${code}`, text: '' });
      });
    });
  } finally {
    socket.terminate();
  }
}

// --- the simulator, counting upstream calls per GraphQL request (the gateway forwards x-request-id) and
// polls of single jobs (what job watches do) ---
const simulator = createSimulator();
simulator.configure({ latencyMs: 200 });
const callsByRequest = new Map<string, number>();
let jobPolls = 0;
const counting = {
  handle(request: Request) {
    const id = request.headers.get('x-request-id') ?? 'none';
    callsByRequest.set(id, (callsByRequest.get(id) ?? 0) + 1);
    if (new URL(request.url).pathname.startsWith('/v2/jobs/')) jobPolls++;
    return simulator.handle(request);
  },
} as unknown as Simulator;
const upstream = await listenSimulator(counting);
cleanups.push(() => upstream.close());
const callsOf = (prefix: string) =>
  [...callsByRequest.entries()]
    .filter(([id]) => id.startsWith(prefix))
    .reduce((total, [, calls]) => total + calls, 0);

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
  else if (id.startsWith('longkey'))
    res.end(JSON.stringify({ job: [job()], pageKey: 'k'.repeat(16 * 1024 + 1) }));
  else res.end(JSON.stringify({ job: [job()], pageKey: '' }));
});
await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
cleanups.push(() => {
  hostile.closeAllConnections();
  return new Promise((resolve) => hostile.close(resolve));
});
const hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;

let redis: RunningRedis | undefined;
let exitCode = 1;
try {
  // ===== round 1: client attacks on one gateway (development mode) =====
  const main = await startGateway(upstream.url, 'v2');
  cleanups.push(() => stopGateway(main));
  process.stdout.write(`attacking ${main.url} (simulator with 200 ms latency)\n`);

  // 1. clients that cancel while their upstream calls are queued or starting
  await onShared(main, 'r1 #1 cancel race (200 × 20 aliases)', async () => {
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
          { signal: controller.signal },
        ).then(
          (response) => response.text(),
          () => cancelled++,
        );
      }),
    );
    // A gateway busy with 200 requests may learn of a client's leaving after it has started calls.
    await settled(() => callsOf('cancel-'), 500);
    const perRequest = [...callsByRequest.entries()].filter(([id]) => id.startsWith('cancel-'));
    return {
      result: `${cancelled} cancelled; ${callsOf('cancel-')} upstream calls in all, at most ${Math.max(0, ...perRequest.map(([, calls]) => calls))} for one request`,
    };
  });

  // 2. the cost limit with variables
  await onShared(main, 'r1 #2 cost bypass with first: $n = 100', async () => {
    let inner = 'jobId';
    for (let level = 0; level < 3; level++) {
      inner = `jobs(first: $n) { edges { node { ${level === 0 ? inner : `corpora { ${inner} }`} } } }`;
    }
    const code = await codeOf(
      await post(
        main,
        { query: `query($n: Int) { ${inner} }`, variables: { n: 100 } },
        { ...KEY, 'x-request-id': 'cost-1' },
      ),
    );
    return {
      refused: code === 'BAD_USER_INPUT' ? 1 : 0,
      result: `${code}, ${callsOf('cost-')} upstream calls`,
    };
  });

  // 3. amplification: nodes with 20,000 ids, _entities with 1,000 corpora
  await onShared(main, 'r1 #3 nodes(20,000 ids) / _entities(1,000 corpora)', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => Buffer.from(`Job:job-${i}`).toString('base64url'));
    const nodes = await codeOf(
      await post(
        main,
        { query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids } },
        { 'x-api-key': 'made-up', 'x-request-id': 'amplify-nodes' },
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
        { ...KEY, 'x-request-id': 'amplify-entities' },
      ),
    );
    return {
      refused: [nodes, entities].filter((code) => code === 'BAD_USER_INPUT').length,
      result: `${nodes} / ${entities}, ${callsOf('amplify-')} upstream calls`,
    };
  });

  // 6. subscription floods: junk second header, and stream reservations
  await onShared(main, 'r1 #6 2,000 subscriptions (junk 2nd header) / 1,500 reservations', async () => {
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
    return {
      socketsHeld: firsts.length - refused,
      refused: refused + reservationsRefused,
      result: `${refused} subscriptions refused, ${loops} poll loop(s) / ${reservationsRefused} reservations refused`,
    };
  });

  // 10 (round 2). inputs that used to reach INTERNAL_SERVER_ERROR with an error-level stack
  await onShared(
    main,
    'r2 #10 200 × mutation { x } (no credentials) / Job entity without jobId',
    async () => {
      const logBefore = main.logBytes();
      const errorsBefore = main.errorLines();
      const codes: string[] = [];
      for (let i = 0; i < 100; i += 20) {
        codes.push(
          ...(await Promise.all(
            Array.from({ length: 20 }, async (_, j) => [
              await codeOf(
                await post(main, { query: 'mutation { x }' }, { 'x-request-id': `mutation-${i + j}` }),
              ),
              await codeOf(
                await post(
                  main,
                  {
                    query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { state } } }',
                    variables: { r: [{ __typename: 'Job' }] },
                  },
                  { ...KEY, 'x-request-id': `entity-${i + j}` },
                ),
              ),
            ]),
          ).then((pairs) => pairs.flat())),
        );
      }
      // The logger writes asynchronously: what these requests logged has arrived once the output is quiet.
      await settled(() => main.logBytes(), 300);
      return {
        refused: codes.filter((code) => code !== 'INTERNAL_SERVER_ERROR').length,
        result: `${tally(codes)}; log +${main.logBytes() - logBefore} bytes, ${main.errorLines() - errorsBefore} error-level lines, ${callsOf('mutation-') + callsOf('entity-')} upstream calls`,
      };
    },
  );

  // 11 (round 2). job ids that are dot segments or empty
  await onShared(main, 'r2 #11 job ids ".", "..", "" (job, node, _entities)', async () => {
    const codes: string[] = [];
    for (const [i, jobId] of ['.', '..', ''].entries()) {
      codes.push(
        await codeOf(
          await post(
            main,
            { query: 'query($id: String!) { job(jobId: $id) { state } }', variables: { id: jobId } },
            { ...KEY, 'x-request-id': `dots-job-${i}` },
          ),
        ),
        await codeOf(
          await post(
            main,
            {
              query: 'query($id: ID!) { node(id: $id) { id } }',
              variables: { id: Buffer.from(`Job:${jobId}`).toString('base64url') },
            },
            { ...KEY, 'x-request-id': `dots-node-${i}` },
          ),
        ),
        await codeOf(
          await post(
            main,
            {
              query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { state } } }',
              variables: { r: [{ __typename: 'Job', jobId }] },
            },
            { ...KEY, 'x-request-id': `dots-entity-${i}` },
          ),
        ),
      );
    }
    // A control: a real id makes its call, so the 0 above is counted, not missed.
    const control = await codeOf(
      await post(
        main,
        { query: '{ job(jobId: "job-0") { state } }' },
        { ...KEY, 'x-request-id': 'control-1' },
      ),
    );
    return {
      refused: codes.filter((code) => code === 'BAD_USER_INPUT').length,
      result: `${tally(codes)}, ${callsOf('dots-')} upstream calls (control "job-0": ${control}, ${callsOf('control-')} call)`,
    };
  });
  // The heaviest last: RSS a process has grown to stays, so each attack above has a peak of its own.
  // 5. the body limit on /graphql/stream
  await onShared(main, 'r1 #5 64 MiB body on /graphql/stream', async () => {
    // Another tenant: KEY's reservations are taken by the attack above.
    const headers = OTHER_TENANT;
    const token = await (await fetch(`${main.url}/graphql/stream`, { method: 'PUT', headers })).text();
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(64 * 1024 * 1024) } });
    const result = await fetch(`${main.url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token, ...headers },
      body: big,
    }).then(
      (answer) => `HTTP ${answer.status}`,
      () => 'refused (the gateway answered 413 and closed the connection mid-upload)',
    );
    return { refused: result.startsWith('HTTP 2') ? 0 : 1, result };
  });

  // 4. metric label growth: 2,000 operation names, 100 names of 900 kB (on a gateway of its own: its peak
  // is this attack's, not memory the subscription flood left behind)
  await onFreshGateway(
    'r1 #4 2,100 operation names (100 of 900 kB)',
    async (gateway) => {
      for (let i = 0; i < 2000; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            post(gateway, { query: `query Op${i + j} { __typename }` }, {}).then((r) => r.text()),
          ),
        );
      }
      let refused = 0;
      for (let i = 0; i < 100; i += 10) {
        const codes = await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            post(
              gateway,
              { query: `query Big${String(i + j)}${'x'.repeat(900_000)} { __typename }` },
              {},
            ).then(codeOf),
          ),
        );
        refused += codes.filter((code) => code === 'BAD_USER_INPUT').length;
      }
      const metrics = await fetch(`${gateway.url}/metrics`);
      const text = await metrics.text();
      return {
        refused,
        result: `${refused} of 100 huge documents refused before parsing; /metrics HTTP ${metrics.status}, ${Math.round(text.length / 1024)} KiB`,
      };
    },
    {},
  );

  const mainAlive = isAlive(main.child);
  const health = (await fetch(`${main.url}/health`)).status;
  await stopGateway(main);

  // ===== round 1, 8–10: a hostile upstream =====
  // The hostile upstream speaks v1's wire format (the client that bounds it is the same for both versions).
  const second = await startGateway(hostileUrl, 'v1');
  cleanups.push(() => stopGateway(second));
  const ask = async (prefix: string, query = '{ job(jobId: "j1") { state } }') => {
    const response = await post(second, { query }, { ...KEY, 'x-request-id': `${prefix}-1` });
    const text = await response.text();
    return { text, code: JSON.parse(text).errors?.[0]?.extensions?.code ?? 'ok' };
  };
  await onShared(second, 'r1 #8 200 MB upstream body', async () => ({ result: (await ask('huge')).code }));
  await onShared(second, 'r1 #9 upstream echoes the key (spaced, upper case)', async () => {
    const echo = await ask('echo');
    const leaked = echo.text
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .includes('demoapikey');
    return { result: `${echo.code}, key in the response: ${leaked}` };
  });
  await onShared(second, 'r1 #9 1 MB enum value', async () => {
    second.markLog();
    const enumResult = await ask('enum');
    await settled(() => second.logBytes(), 300);
    return { result: `${enumResult.code}, longest log line: ${second.longestLogLine()} bytes` };
  });
  await onShared(second, 'r1 #10 page key of 16 KiB + 1 byte', async () => ({
    result: (await ask('longkey', '{ jobs(first: 1) { pageInfo { endCursor } } }')).code,
  }));
  await stopGateway(second);

  // ===== round 2: the WebSocket endpoint, a fresh production gateway per attack =====
  process.stdout.write('\nround 2: a fresh gateway (NODE_ENV=production) per attack\n');
  const wsOptions = (gateway: Gateway) => ({ pid: gateway.child.pid, logBytes: gateway.logBytes });
  await onFreshGateway('r2 #1 WS connection flood: 3,000 sockets, a made-up key each', async (gateway) => {
    const figures = await connectionFlood(gateway.url, wsOptions(gateway));
    return {
      socketsHeld: figures.socketsHeld,
      refused: sum(figures.refused),
      result: `closes ${JSON.stringify(figures.refused)}; while held: /health ${figures.healthStatusWhileHeld}, a tenant's query answered: ${figures.queryAnsweredWhileHeld}`,
    };
  });
  await onFreshGateway(
    'r2 #2 WS client that does not read: 1 MiB pings, then 600 large queries',
    async (gateway) => {
      const figures = await nonReadingClient(gateway.url, wsOptions(gateway));
      if (!('pingsSent' in figures)) return { result: 'not connected' };
      return {
        socketsHeld: 1,
        result: `${figures.pingsSent} pings (${figures.bytesSentMiB} MiB) taken, ${figures.bytesNotReadByGatewayMiB} MiB left unread by the gateway, client cut with ${figures.closedByGateway ?? 'nothing (still open)'}`,
      };
    },
  );
  await onFreshGateway('r2 #3 WS 3,000 pending operations on one socket (made-up key)', async (gateway) => {
    const figures = await pendingOperations(gateway.url, wsOptions(gateway));
    if (!('answered' in figures)) return { result: 'not connected' };
    return {
      socketsHeld: 1,
      refused: figures.operationsRefused,
      result: `${figures.answered} of ${figures.sent} answered: ${JSON.stringify(figures.answers)}; RSS while pending ${figures.rssMiB} MiB`,
    };
  });
  await onFreshGateway('r2 #4 WS invalid subscribe messages for 4 s', async (gateway) => {
    const figures = await invalidSubscribes(gateway.url, wsOptions(gateway));
    if (!('sent' in figures)) return { result: 'not connected' };
    return {
      socketsHeld: 1,
      result: `${figures.sent} sent, ${figures.answered} answered (reading slowed), socket open: ${figures.socketOpen}`,
    };
  });
  await onFreshGateway(
    'r2 #8 WS connectionParams with CR/LF/NUL + 100 KiB, 200 sockets',
    async (gateway) => {
      const figures = await connectionParamsInjection(gateway.url, wsOptions(gateway));
      return {
        refused: sum(figures.outcomes) - (figures.outcomes.ack ?? 0),
        result: `${figures.bytesSentKiB} KiB sent; closes ${JSON.stringify(figures.outcomes)}; log +${figures.logBytesWritten} bytes (LOG_LEVEL=info)`,
      };
    },
    { ...PRODUCTION, LOG_LEVEL: 'info' },
  );

  // ===== round 2: the production surface and /graphql/stream =====
  await onFreshGateway(
    'r2 #7 production: introspection and suggestions over WS / /graphql/stream',
    async (gateway) => {
      const introspection = '{ __schema { queryType { name } } }';
      const typo = '{ jobs(first: 1, filter: { states: [QUEUD] }) { edges { cursor } } }';
      const ws = await overWebSocket(gateway.url, introspection);
      const wsTypo = await overWebSocket(gateway.url, typo);
      const stream = (await streamOnce(gateway.url, {}, introspection)) as any;
      const streamTypo = (await streamOnce(gateway.url, {}, typo)) as any;
      const streamCode = stream?.errors?.[0]?.extensions?.code ?? JSON.stringify(stream);
      const suggested = [wsTypo.text, JSON.stringify(streamTypo)].some((text) =>
        text.includes('Did you mean'),
      );
      const refused = [ws.code, streamCode].filter((code) => code === 'GRAPHQL_VALIDATION_FAILED').length;
      return {
        refused,
        result: `__schema over WS (made-up key): ${ws.code}; over /graphql/stream (no credentials): ${streamCode}; "Did you mean" in an enum error: ${suggested}`,
      };
    },
  );
  await onFreshGateway('r2 #6 /graphql/stream locked by idle streams (3 × 1,000)', async (gateway) => {
    const figures = await attackStreamReservations({
      url: gateway.url,
      otherTenant: OTHER_TENANT,
      child: gateway.child,
    });
    const other = figures.otherTenant as any;
    return {
      socketsHeld: figures.anonymousHeld + figures.oneCredentialHeld,
      refused: 2 * figures.anonymousAttempts - figures.anonymousHeld - figures.oneCredentialHeld,
      result: `anonymous ${figures.anonymousHeld}/${figures.anonymousAttempts} held, one key ${figures.oneCredentialHeld}/${figures.oneCredentialAttempts}, then ${figures.madeUpKeysAttempts} made-up keys; refused by ${figures.refusedBy.join(', ')}; another tenant's { __typename }: ${JSON.stringify(other?.data ?? other)}`,
    };
  });

  // ===== round 2: Redis paused (SIGSTOP) under 20 job watches =====
  redis = await startRedis();
  children.add(redis.process);
  const pollIntervalMs = 250;
  await onFreshGateway(
    'r2 #5 Redis paused (SIGSTOP) for 3 s under 20 job watches',
    async (gateway) => {
      const figures = await attackRedisPaused({
        url: gateway.url,
        redis: redis!.process,
        headers: KEY,
        newJobId: () => `job_${simulator.addJob({ queuedForSecs: 3600, runForSecs: 3600 }).id}`,
        polls: () => jobPolls,
        pollIntervalMs,
        child: gateway.child,
      });
      return {
        pollsWhilePaused: `${figures.pollsWhilePaused} (before ${figures.pollsBefore}, after ${figures.pollsAfter})`,
        result: `polls per ${figures.pauseMs / 1000} s at ${pollIntervalMs} ms: ${figures.pollsBefore} before, ${figures.pollsWhilePaused} paused, ${figures.pollsAfter} after SIGCONT; a watch started during the pause got ${figures.newSubscriptionFirstEvent}; coordination metric ${figures.coordinationMetric.before} → ${figures.coordinationMetric.paused} → ${figures.coordinationMetric.after}`,
      };
    },
    {
      ...PRODUCTION,
      REDIS_URL: redis.url,
      CURSOR_SECRET: 'attack-run-cursor-secret-0123456789abcdef',
      JOB_POLL_INTERVAL_MS: String(pollIntervalMs),
    },
  );

  // The requests this run names (a subscription's polls carry its request id too, one per interval).
  const [busiest, maxCalls] = [...callsByRequest.entries()]
    .filter(([id]) => /^(cancel|cost|amplify|mutation|entity|dots|control)-/.test(id))
    .reduce((most, entry) => (entry[1] > most[1] ? entry : most), ['none', 0]);
  const allAlive = mainAlive && rows.every((row) => row.alive);
  const worstPeak = Math.max(...rows.map((row) => row.peakRssMiB ?? 0));
  const cell = (value: unknown) => (value === undefined ? '—' : String(value));
  process.stdout.write(
    `\nsummary (peak RSS: during that attack; goal ≤ 300 MiB)\n${rows
      .map(
        (row) =>
          `  ${row.attack.padEnd(76)} alive ${cell(row.alive).padEnd(5)} peak ${cell(row.peakRssMiB).padStart(4)} MiB  held ${cell(row.socketsHeld).padStart(5)}  refused ${cell(row.refused).padStart(5)}${row.pollsWhilePaused ? `  polls while Redis paused ${row.pollsWhilePaused}` : ''}`,
      )
      .join('\n')}
  every process alive:            ${allAlive} (/health ${health} after round 1)
  highest peak RSS of an attack:  ${worstPeak} MiB
  max upstream calls per query:   ${maxCalls} (request id ${busiest})
  duration:                       ${Math.round((performance.now() - started) / 1000)} s
`,
  );
  exitCode = allAlive && health === 200 ? 0 : 1;
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  await redis?.stop();
}
process.exit(exitCode);
