// The `npm start` entry point as a process: a bad environment exits 2 with one line; a good one serves
// /health, and SIGTERM shuts it down cleanly (exit 0), letting in-flight requests finish first.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/persisted/manifest';
import { createSimulator } from '../src/simulator/handler';
import { listenSimulator } from '../src/simulator/server';
import { listeningUrl } from './support/process';
import { until } from './support/scheduler';

// The bundle `npm start` runs (built once by the global setup): what production starts, and a fast start.
const ENTRY = ['dist/main.mjs'];

/** `src/main.ts` on an ephemeral loopback port; resolves once it prints where it listens. */
async function startGatewayProcess(upstreamUrl: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ENTRY, {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      VECTARA_API_URL: upstreamUrl,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await listeningUrl(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exited };
}

/** A response body as it streams: `seen` once the job's first state arrived, `all` once the server ended it
 * (a reset or truncated stream rejects). */
function watchBody(response: Response): { seen: Promise<void>; all: Promise<string> } {
  let onSeen!: () => void;
  const seen = new Promise<void>((resolve) => {
    onSeen = resolve;
  });
  const all = (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      text += read.value;
      if (text.includes('"state"')) onSeen();
    }
    return text;
  })();
  return { seen, all };
}

/** `npm start`'s bundle run to its end with extra environment: its exit code and stderr's lines. */
function runEntry(env: Record<string, string>): { status: number | null; lines: string[] } {
  const result = spawnSync(process.execPath, ENTRY, {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 15_000,
  });
  return { status: result.status, lines: result.stderr.trim().split('\n') };
}

describe('main', () => {
  it.each([
    ['PORT', 'abc'],
    ['VECTARA_API_URL', 'not a url'],
    ['UPSTREAM_TIMEOUT_MS', '-1'],
  ])('exits with code 2 and one line when %s=%s', (name, value) => {
    const { status, lines } = runEntry({ [name]: value });
    expect(status).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^jobs-gateway: Invalid ${name} `));
  });

  it.each([
    [
      'a document the schema does not have',
      () => JSON.stringify({ [sha256Hex('{ nope }')]: '{ nope }' }),
      /does not fit this gateway's schema/,
    ],
    ['a file that is not JSON', () => '{not json', /is not JSON/],
    [
      "an id that is not its text's sha256",
      () => JSON.stringify({ ['0'.repeat(64)]: '{ __typename }' }),
      /sha256/,
    ],
  ])(
    'exits with code 2 and one line for a PERSISTED_DOCUMENTS manifest with %s',
    (_name, content, message) => {
      const dir = mkdtempSync(join(tmpdir(), 'jobs-gateway-manifest-'));
      try {
        const file = join(dir, 'persisted-documents.json');
        writeFileSync(file, content());
        const { status, lines } = runEntry({ PERSISTED_DOCUMENTS: file, LOG_LEVEL: 'silent' });
        expect(status).toBe(2);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^jobs-gateway: Invalid PERSISTED_DOCUMENTS: /);
        expect(lines[0]).toMatch(message);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('on SIGTERM lets an in-flight request finish before exiting', async () => {
    const sim = createSimulator();
    sim.configure({ latencyMs: 400 });
    const upstream = await listenSimulator(sim);
    const { child, url, exited } = await startGatewayProcess(upstream.url);
    try {
      const inFlight = fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'demo-api-key',
          'customer-id': '1234567890',
        },
        body: JSON.stringify({ query: '{ jobs(first: 2) { edges { node { jobId } } } }' }),
      });
      await until(() => sim.inFlight > 0);
      child.kill('SIGTERM');
      const response = await inFlight;
      const body = (await response.json()) as { data?: any; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data.jobs.edges).toHaveLength(2);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
    }
  });

  it('serves /health and /ready, then stops cleanly on SIGTERM', async () => {
    const { child, url, exited } = await startGatewayProcess('http://127.0.0.1:9');
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('on SIGTERM ends SSE and /graphql/stream streams cleanly, without complete (the job runs on), before any forced close', async () => {
    const sim = createSimulator();
    const upstream = await listenSimulator(sim);
    const { child, url, exited } = await startGatewayProcess(upstream.url, { LOG_LEVEL: 'info' });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    const headers = { 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' };
    try {
      const job = sim.addJob({ queuedForSecs: 3600, runForSecs: 3600 });
      const query = `subscription { jobUpdated(jobId: "job_${job.id}") { state } }`;
      const sse = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
        body: JSON.stringify({ query }),
      });
      const token = await (await fetch(`${url}/graphql/stream`, { method: 'PUT', headers })).text();
      const streamHeaders = { 'x-graphql-event-stream-token': token, ...headers };
      const stream = await fetch(`${url}/graphql/stream`, {
        headers: { accept: 'text/event-stream', ...streamHeaders },
      });
      const operation = await fetch(`${url}/graphql/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...streamHeaders },
        body: JSON.stringify({ query, extensions: { operationId: 'watch-1' } }),
      });
      expect([sse.status, stream.status, operation.status]).toEqual([200, 200, 202]);
      const bodies = [watchBody(sse), watchBody(stream)];
      // Both streams carry the job before the signal.
      await Promise.all(bodies.map((body) => body.seen));
      child.kill('SIGTERM');
      const [sseText, streamText] = await Promise.all(bodies.map((body) => body.all));
      for (const text of [sseText, streamText]) {
        expect(text).toContain('"state":"QUEUED"');
        expect(text).not.toContain('event: complete');
      }
      expect(await exited).toBe(0);
      expect(out).not.toContain('cut requests');
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
    }
  }, 30_000);

  it('exits with code 2 and one line when its port is already in use (gateway and simulator)', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as { port: number }).port);
    try {
      for (const [entry, env] of [
        ['dist/main.mjs', { PORT: port, HOST: '127.0.0.1' }],
        ['dist/simulator/main.mjs', { SIMULATOR_PORT: port, SIMULATOR_HOST: '127.0.0.1' }],
      ] as const) {
        const result = spawnSync(process.execPath, [entry], {
          env: { ...process.env, LOG_LEVEL: 'silent', ...env },
          encoding: 'utf8',
          timeout: 15_000,
        });
        expect(result.status, result.stderr).toBe(2);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(
          new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use`),
        );
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('npm start runs the built bundle, and SIGTERM to the npm process stops the server (no orphan)', async () => {
    const child = spawn('npm', ['start'], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        VECTARA_API_URL: 'http://127.0.0.1:9',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await listeningUrl(child);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    await exited;
    // npm waited for its child: the server is gone with it, nothing answers on its port any more.
    const after = await fetch(`${url}/health`).then(
      () => 'still serving',
      () => 'stopped',
    );
    expect(after).toBe('stopped');
  });

  it('writes its logs asynchronously and flushes every line before exiting on SIGTERM', async () => {
    const sim = createSimulator();
    const upstream = await listenSimulator(sim);
    const { child, url, exited } = await startGatewayProcess(upstream.url, { LOG_LEVEL: 'info' });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'demo-api-key' },
        body: JSON.stringify({ query: 'query LoggedOnce { jobs(first: 1) { edges { cursor } } }' }),
      });
      expect(response.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; operation?: string });
      expect(lines.some((line) => line.msg === 'graphql operation' && line.operation === 'LoggedOnce')).toBe(
        true,
      );
      expect(lines.some((line) => line.msg.startsWith('shutting down'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
    }
  });
});
