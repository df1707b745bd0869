// The ceiling for a transforming gateway on Node: a GraphQL-free handler that does exactly the transform the
// gateway does for the bench's `jobs(first: N)` query — undici keep-alive call to POST /v1/list-jobs, JSON.parse,
// enum names without prefix, ISO dates, Relay global ids, keyed cursors (the gateway's own codec), the same
// response shape, JSON.stringify, write — and nothing else (no parsing, validation, limits, logs, metrics).
// Benchmark baseline only: the gateway's throughput ÷ this one is how close it comes to the physical limit.
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { createCursorCodec, filterFingerprint } from '../../src/pagination/cursor';
import { serveBaseline } from './baseline-server';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4010';
const port = Number(process.env.PORT ?? 4030);
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
const codec = createCursorCodec(Buffer.from('x'.repeat(32)));
const STATES = ['COMPLETED', 'FAILED', 'ABORTED', 'QUEUED', 'STARTED'] as const;
const filterPrint = filterFingerprint({ states: STATES });
const credentialPrint = createHash('sha256').update('demo-api-key').digest('base64url').slice(0, 22);
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'ABORTED']);

const iso = (value: unknown) => {
  const seconds = Number(value);
  return seconds > 0 ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : null;
};

serveBaseline('ceiling', port, agent, async (req, received, res) => {
  if (req.method === 'GET') {
    res.end('ok'); // readiness for the bench runner
    return;
  }
  const { variables } = JSON.parse(received.toString()) as { variables: { first: number } };
  const first = variables.first;
  const answer = await request(`${upstream}/v1/list-jobs`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': String(req.headers['x-api-key']),
      'customer-id': String(req.headers['customer-id']),
    },
    body: JSON.stringify({ state: STATES.map((state) => `JOB_STATE__${state}`), numResults: first }),
    dispatcher: agent,
  });
  const page = (await answer.body.json()) as { job: Record<string, any>[]; pageKey: string };
  const cursorAt = codec.forPage(filterPrint, credentialPrint, { mode: 's', pageSize: first });
  const next = page.pageKey
    ? codec.forPage(filterPrint, credentialPrint, { mode: 'k', pageSize: first, pageKey: page.pageKey })(0)
    : codec.endCursor(filterPrint, credentialPrint);
  const edges = page.job.map((job, index) => {
    const state = String(job.state).replace('JOB_STATE__', '');
    return {
      cursor: index + 1 < page.job.length ? cursorAt(index + 1) : next,
      node: {
        id: Buffer.from(`Job:${job.id}`).toString('base64url'),
        jobId: job.id,
        type: String(job.type).replace('JOB__', ''),
        state,
        isTerminal: TERMINAL.has(state),
        corpusIds: (job.corpusId as unknown[]).map(Number),
        createdAt: iso(job.tsCreate),
        startedAt: iso(job.tsStart),
        completedAt: iso(job.tsComplete),
        userHandle: job.userHandle || null,
      },
    };
  });
  const body = JSON.stringify({
    data: {
      jobs: {
        edges,
        pageInfo: { hasNextPage: page.pageKey !== '', endCursor: edges.at(-1)?.cursor ?? null },
      },
    },
  });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(body);
});
