// The graphql-ws attacks of the hardening issue (round 2), one function each, for `npm run attack`: each
// takes the base URL of a running gateway (`http://host:port`, a child process as in production), attacks
// its WebSocket endpoint for a bounded time, cleans up every socket it opened, and returns figures. With
// `pid`, the figures include the gateway's resident memory after the attack and its peak so far; with
// `logBytes` (bytes the gateway has written to stdout + stderr so far), how much the attack made it log.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

export interface AttackOptions {
  /** The gateway's process id, to read its memory from /proc. */
  pid?: number;
  /** Bytes the gateway has written to stdout and stderr so far. */
  logBytes?: () => number;
}

export interface MemoryFigures {
  rssMiB?: number;
  peakRssMiB?: number;
}

const VALID_KEY = 'demo-api-key';

function memoryOf(pid: number | undefined): MemoryFigures {
  if (pid === undefined) return {};
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mib = (field: string) =>
      Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024);
    return { rssMiB: mib('VmRSS'), peakRssMiB: mib('VmHWM') };
  } catch {
    return {};
  }
}

const wsUrl = (url: string) => `${url.replace(/^http/, 'ws')}/graphql`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Opened {
  socket: WebSocket;
  /** 'ack' once acknowledged; the close code once closed. */
  outcome: Promise<'ack' | number>;
}

/** A graphql-transport-ws socket that sends connection_init with `params` once open. */
function connect(url: string, params: Record<string, unknown>): Opened {
  const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws');
  socket.on('error', () => undefined);
  const outcome = new Promise<'ack' | number>((resolve) => {
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: params })));
    socket.on('message', (data) => {
      if (String(data).includes('"connection_ack"')) resolve('ack');
    });
    socket.once('close', (code) => resolve(code));
  });
  return { socket, outcome };
}

async function closeAll(sockets: readonly WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.terminate();
        }),
    ),
  );
}

function countCodes(outcomes: readonly ('ack' | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[String(outcome)] = (counts[String(outcome)] ?? 0) + 1;
  return counts;
}

/**
 * Connection flood: `count` sockets (default 3,000), each with its own made-up key, held open; meanwhile
 * /health and a query with a valid key must still be answered.
 */
export async function connectionFlood(url: string, options: AttackOptions & { count?: number } = {}) {
  const count = options.count ?? 3000;
  const opened: Opened[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, (_, j) =>
      connect(url, { 'x-api-key': `made-up-key-${i + j}` }),
    );
    opened.push(...batch);
    await Promise.all(batch.map((each) => each.outcome));
  }
  const outcomes = await Promise.all(opened.map((each) => each.outcome));
  const socketsHeld = opened.filter((each) => each.socket.readyState === WebSocket.OPEN).length;
  const health = await fetch(`${url}/health`).then(
    (response) => response.status,
    () => 0,
  );
  const query = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': VALID_KEY },
    body: JSON.stringify({ query: '{ jobs(first: 1) { edges { cursor } } }' }),
  }).then(
    async (response) => ((await response.json()) as { data?: unknown }).data !== undefined,
    () => false,
  );
  const memory = memoryOf(options.pid);
  await closeAll(opened.map((each) => each.socket));
  return {
    attempted: count,
    socketsHeld,
    /** Close code → sockets refused with it (1013: over the total or per-credential cap). */
    refused: countCodes(outcomes.filter((outcome) => outcome !== 'ack')),
    healthStatusWhileHeld: health,
    queryAnsweredWhileHeld: query,
    ...memory,
  };
}

/**
 * A client that does not read: it pauses its socket, then sends 1 MiB graphql-ws pings (up to 300, for at
 * most 4 s) and 600 queries with large results, and never reads a reply.
 */
export async function nonReadingClient(url: string, options: AttackOptions & { durationMs?: number } = {}) {
  const { socket, outcome } = connect(url, { 'x-api-key': VALID_KEY });
  if ((await outcome) !== 'ack') return { connected: false };
  socket.pause();
  let closedWith: number | undefined;
  socket.once('close', (code) => {
    closedWith = code;
  });
  const deadline = Date.now() + (options.durationMs ?? 4000);
  const ping = JSON.stringify({ type: 'ping', payload: { pad: 'p'.repeat(1024 * 1024 - 64) } });
  let pingsSent = 0;
  // The attacker's own queue stays at a few MiB: it sends as fast as the gateway takes the bytes.
  while (pingsSent < 300 && Date.now() < deadline && closedWith === undefined) {
    if (socket.bufferedAmount < 4 * 1024 * 1024) {
      socket.send(ping);
      pingsSent++;
    } else await sleep(10);
  }
  const fields =
    'id jobId type state isTerminal corpusKeys corpusIds createdAt startedAt completedAt userHandle comment';
  const big = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: jobs(first: 100, filter: { states: [QUEUED, STARTED, COMPLETED, FAILED, ABORTED] }) { edges { cursor node { ${fields} } } }`).join(' ')} }`;
  for (let i = 0; i < 600 && closedWith === undefined; i++) {
    socket.send(JSON.stringify({ id: `q${i}`, type: 'subscribe', payload: { query: big } }));
  }
  while (Date.now() < deadline + 2000 && closedWith === undefined) await sleep(50);
  const memory = memoryOf(options.pid);
  const bytesUnsent = socket.bufferedAmount;
  await closeAll([socket]);
  return {
    pingsSent,
    bytesSentMiB: Math.round((pingsSent * ping.length) / 1024 / 1024),
    queriesSent: 600,
    /** Bytes the gateway did not take from the attacker (it stopped reading). */
    bytesNotReadByGatewayMiB: Math.round(bytesUnsent / 1024 / 1024),
    /** The gateway cut the client (1008 or 1006) instead of buffering for it; undefined: still open. */
    closedByGateway: closedWith,
    ...memory,
  };
}

/** 3,000 operations at once on one socket with a made-up key (each waits on the upstream). */
export async function pendingOperations(url: string, options: AttackOptions & { count?: number } = {}) {
  const count = options.count ?? 3000;
  const { socket, outcome } = connect(url, { 'x-api-key': 'made-up-key-pending' });
  if ((await outcome) !== 'ack') return { connected: false };
  const answers = new Map<string, string>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: string; type: string; payload?: any };
    if (!message.id || answers.has(message.id)) return;
    if (message.type === 'error') answers.set(message.id, message.payload?.[0]?.extensions?.code ?? 'error');
    if (message.type === 'next')
      answers.set(message.id, message.payload?.errors?.[0]?.extensions?.code ?? 'data');
  });
  for (let i = 0; i < count; i++) {
    const payload = { query: `{ job(jobId: "job_${i}") { state } }` };
    socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload }));
  }
  const memoryWhilePending = memoryOf(options.pid);
  const deadline = Date.now() + 10_000;
  while (answers.size < count && Date.now() < deadline) await sleep(50);
  await closeAll([socket]);
  const codes = countCodes([...answers.values()] as never);
  return {
    sent: count,
    answered: answers.size,
    /** Refused on arrival: over the per-socket cap on operations at once. */
    operationsRefused: codes.RATE_LIMITED ?? 0,
    answers: codes,
    ...memoryWhilePending,
  };
}

/** Invalid subscribe messages on one socket, up to 158,000, for at most `durationMs` (default 4 s). */
export async function invalidSubscribes(url: string, options: AttackOptions & { durationMs?: number } = {}) {
  const { socket, outcome } = connect(url, { 'x-api-key': 'made-up-key-invalid' });
  if ((await outcome) !== 'ack') return { connected: false };
  let answered = 0;
  socket.on('message', () => {
    answered++;
  });
  const deadline = Date.now() + (options.durationMs ?? 4000);
  const invalid = [
    '{',
    '{ nope }',
    'query A { __typename } query B { __typename }',
    '{ jobs(first: 0) { edges { cursor } } }',
  ];
  let sent = 0;
  while (sent < 158_000 && Date.now() < deadline) {
    if (socket.bufferedAmount > 1024 * 1024) {
      await sleep(5);
      continue;
    }
    const query = invalid[sent % invalid.length];
    socket.send(JSON.stringify({ id: `i${sent}`, type: 'subscribe', payload: { query } }));
    sent++;
    if (sent % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const memory = memoryOf(options.pid);
  const open = socket.readyState === WebSocket.OPEN;
  await closeAll([socket]);
  return { sent, answered, socketOpen: open, ...memory };
}

/**
 * connectionParams with CR/LF/NUL (a forged JSON log line, then 100 KiB) on 200 sockets: each must be refused
 * with 4400, and the gateway's output must not grow with what was sent.
 */
export async function connectionParamsInjection(
  url: string,
  options: AttackOptions & { count?: number } = {},
) {
  const count = options.count ?? 200;
  const before = options.logBytes?.();
  const forged = `\r\n{"level":60,"msg":"forged"}\n\u0000${'x'.repeat(100 * 1024)}`;
  const opened = Array.from({ length: count }, (_, i) =>
    connect(url, i % 2 ? { 'x-api-key': `made-up${forged}` } : { authorization: `Bearer made-up${forged}` }),
  );
  const outcomes = await Promise.all(opened.map((each) => each.outcome));
  await closeAll(opened.map((each) => each.socket));
  // Let the gateway's asynchronous log writer catch up before counting.
  await sleep(1500);
  const after = options.logBytes?.();
  return {
    sockets: count,
    bytesSentKiB: Math.round((count * forged.length) / 1024),
    outcomes: countCodes(outcomes),
    logBytesWritten: before !== undefined && after !== undefined ? after - before : undefined,
    ...memoryOf(options.pid),
  };
}
