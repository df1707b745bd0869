// The built gateway's edges as an operator meets them (SPEC §6, §9): `.env` is read from the working
// directory and the environment wins; a malformed `.env` or a HOST that cannot be listened on is one line
// and exit 2; a log line written on an idle server reaches stdout within about a second; a bug (uncaught
// exception, unhandled rejection) is logged at fatal level, with everything logged before it, then exit 1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../../src/simulator/server';
import { freePort, gatewayCommand, logLines, type RunningProcess, startProcess } from '../support/process';

/** The `npm start` command with the bundle's absolute path, to run from another working directory. */
const COMMAND = gatewayCommand().map((arg) => (arg.endsWith('.mjs') ? resolve(arg) : arg));
const PLANT = resolve('test/lifecycle/fixtures/plant-failure.mjs');

let upstream: RunningSimulator;
const folders: string[] = [];

beforeAll(async () => {
  upstream = await listenSimulator(createSimulator());
});
afterAll(async () => {
  await upstream.close();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A fresh working directory holding `.env` with `text` (or none). */
function workingDirectory(text?: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'jobs-gateway-env-'));
  folders.push(folder);
  if (text !== undefined) writeFileSync(join(folder, '.env'), text);
  return folder;
}

/** Only PATH from this process: what the gateway sees comes from the test, not from the shell. */
const bareEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH, ...env });

async function stop(running: RunningProcess) {
  running.signal('SIGTERM');
  await running.exited;
  running.kill();
}

describe('.env', () => {
  it('is read at start, variables already in the environment win, and the log names what it set (no values)', async () => {
    const [fromFile, fromEnvironment] = [await freePort(), await freePort()];
    const cwd = workingDirectory(
      [
        '# a comment',
        `PORT=${fromFile}`,
        'HOST=127.0.0.1',
        `VECTARA_API_URL=${upstream.url}`,
        'export LOG_LEVEL=info',
        'CURSOR_SECRET="a-shared-secret-of-at-least-32-characters"',
        '',
      ].join('\n'),
    );
    const running = await startProcess(process.execPath, COMMAND, {
      cwd,
      env: bareEnv({ PORT: String(fromEnvironment) }),
    });
    try {
      expect(running.url).toBe(`http://127.0.0.1:${fromEnvironment}`);
      // VECTARA_API_URL came from the file: a query reaches the simulator.
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'demo-api-key' },
        body: JSON.stringify({ query: '{ jobs(first: 1) { edges { cursor } } }' }),
      });
      expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
      await stop(running);
      const lines = logLines(running.stdout());
      const read = lines.find((line) => line.msg.startsWith('read .env'));
      expect(read).toMatchObject({
        path: join(cwd, '.env'),
        variables: ['CURSOR_SECRET', 'HOST', 'LOG_LEVEL', 'VECTARA_API_URL'],
        setByEnvironment: ['PORT'],
      });
      // The secret came from the file (no CURSOR_SECRET warning), and no value of the file is in the logs.
      expect(lines.some((line) => line.msg.startsWith('CURSOR_SECRET is not set'))).toBe(false);
      expect(running.stdout()).not.toContain('a-shared-secret');
    } finally {
      running.kill();
    }
  });

  it.each([
    ['a line that is not NAME=value', 'PORT=4000\nthis is not an assignment\n', /line 2 is not NAME=value/],
    ['a quote never closed', 'CURSOR_SECRET="unterminated\n', /a quoted value is never closed/],
  ])('with %s: one line on stderr, exit 2, nothing of its content shown', (_name, text, message) => {
    const result = spawnSync(process.execPath, COMMAND, {
      cwd: workingDirectory(text),
      env: bareEnv({}),
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^jobs-gateway: Invalid \.env \(/);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toContain('unterminated');
    expect(result.stderr).not.toContain('assignment');
  });
});

describe('HOST', () => {
  it.each(['no-such-host.invalid', '999.1.1.1'])(
    'HOST=%s: one line naming the host, exit 2 (no getaddrinfo stack)',
    (host) => {
      const result = spawnSync(process.execPath, COMMAND, {
        cwd: workingDirectory(),
        env: bareEnv({ HOST: host, PORT: '0', LOG_LEVEL: 'warn' }),
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect(result.status).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^jobs-gateway: the gateway \\(PORT, HOST\\) cannot listen on ${host.replace(/\./g, '\\.')}:0: the host "`,
        ),
      );
      // What was logged before the exit is on stdout: the exit path flushes the asynchronous writer.
      expect(logLines(result.stdout).map((line) => line.msg)).toEqual([
        expect.stringMatching(/^CURSOR_SECRET is not set/),
      ]);
    },
  );
});

describe('logs', () => {
  it('a line logged on an idle server is on stdout within 1.5 s', async () => {
    const running = await startProcess(process.execPath, COMMAND, {
      cwd: workingDirectory(),
      env: bareEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', VECTARA_API_URL: upstream.url }),
    });
    try {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'demo-api-key' },
        body: JSON.stringify({ query: 'query OnAnIdleServer { jobs(first: 1) { edges { cursor } } }' }),
      });
      expect(response.status).toBe(200);
      // One short line, far below the writer's 4 KiB batch: only the flush timer can send it.
      const logged = () =>
        logLines(running.stdout()).some(
          (line) => line.msg === 'graphql operation' && line.operation === 'OnAnIdleServer',
        );
      const deadline = Date.now() + 1500;
      while (!logged() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(logged()).toBe(true);
    } finally {
      await stop(running);
    }
  });

  it.each([
    ['exception', 'uncaught exception: exiting', 'planted exception'],
    ['rejection', 'unhandled promise rejection: exiting', 'planted rejection'],
  ])(
    'an unhandled %s is logged at fatal level after every earlier line, then exit 1',
    async (kind, msg, error) => {
      const running = await startProcess(process.execPath, ['--import', PLANT, ...COMMAND], {
        cwd: workingDirectory(),
        env: bareEnv({
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          VECTARA_API_URL: upstream.url,
          PLANTED_FAILURE: kind,
        }),
      });
      try {
        running.signal('SIGUSR2');
        const { code } = await running.exited;
        expect(code).toBe(1);
        const lines = logLines(running.stdout());
        expect(lines.map((line) => line.msg)).toEqual([
          expect.stringMatching(/^CURSOR_SECRET is not set/),
          'jobs-gateway listening',
          msg,
        ]);
        expect(lines.at(-1)).toMatchObject({ level: 60, err: { message: error } });
      } finally {
        running.kill();
      }
    },
  );
});

describe('demo', () => {
  it('a cursor from before a restart still works after it (fixed demo-only key when CURSOR_SECRET is unset)', async () => {
    const port = await freePort();
    const env = bareEnv({ PORT: String(port), HOST: '127.0.0.1', SIMULATOR_PORT: '0' });
    const demo = () =>
      startProcess(process.execPath, ['--import', 'tsx', 'src/demo.ts'], {
        env,
        ready: /GraphiQL:\s+(http:\/\/\S+)\/graphql/,
      });
    const page = async (after?: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'demo-api-key' },
        body: JSON.stringify({
          query: 'query ($after: String) { jobs(first: 5, after: $after) { pageInfo { endCursor } } }',
          variables: { after },
        }),
      });
      return (await response.json()) as {
        data?: { jobs: { pageInfo: { endCursor: string } } };
        errors?: unknown;
      };
    };
    const before = await demo();
    let cursor: string;
    try {
      cursor = (await page()).data!.jobs.pageInfo.endCursor;
    } finally {
      await stop(before);
    }
    const after = await demo();
    try {
      const next = await page(cursor);
      expect(next.errors).toBeUndefined();
      expect(next.data?.jobs.pageInfo.endCursor).toEqual(expect.any(String));
    } finally {
      await stop(after);
    }
  }, 40_000);
});
