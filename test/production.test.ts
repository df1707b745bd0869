// Production installs, proven without Docker. Without a container: a fresh folder with the package files
// and the built dist/ installs with exactly what a user types, `npm ci --omit=dev` (from the local npm cache:
// offline), then `npm start` serves a query in production mode and stops on SIGTERM; without dist/,
// `npm start` says in one line what to run. The container files are checked as text (Docker does not run
// here): pinned base images, the image's command equal to `npm start`'s, compose's secret, health
// conditions and loopback-only ports.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../src/simulator/handler';
import { listenSimulator } from '../src/simulator/server';
import { gatewayCommand, listeningUrl } from './support/process';

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function freshFolder(files: string[]): string {
  const folder = mkdtempSync(join(tmpdir(), 'jobs-gateway-prod-'));
  folders.push(folder);
  for (const file of files) cpSync(file, join(folder, file), { recursive: true });
  return folder;
}

/** npm's environment for a child npm: the user's PATH and HOME (npm's cache), nothing of this test run's npm. */
function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

describe('production install without a container', () => {
  it('`npm ci --omit=dev` on a checkout with dist/ works, and `npm start` serves and stops on SIGTERM', async () => {
    const folder = freshFolder(['package.json', 'package-lock.json', '.npmrc', 'dist']);
    const install = spawnSync('npm', ['ci', '--omit=dev', '--offline', '--no-audit'], {
      cwd: folder,
      env: npmEnv(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(install.status, install.stderr).toBe(0);
    // The prepare step saw no esbuild and built nothing: the shipped bundle is what runs.
    expect(install.stdout + install.stderr).not.toMatch(/not found|esbuild src/);
    expect(existsSync(join(folder, 'dist', 'main.mjs'))).toBe(true);
    // No dev tool made it in: no bundler, no TypeScript runner, no test runner.
    for (const dev of ['esbuild', 'tsx', 'vitest', 'typescript', '@apollo/gateway']) {
      expect(existsSync(join(folder, 'node_modules', dev)), dev).toBe(false);
    }
    const upstream = await listenSimulator(createSimulator());
    const child = spawn('npm', ['start'], {
      cwd: folder,
      env: npmEnv({
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        VECTARA_API_URL: upstream.url,
        CURSOR_SECRET: 'x'.repeat(32),
        // No load balancer to wait for (production's default keeps serving 5 s after SIGTERM).
        SHUTDOWN_DELAY_MS: '0',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await listeningUrl(child);
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'demo-api-key' },
        body: JSON.stringify({
          query: '{ jobs(first: 3, filter: { states: [COMPLETED] }) { edges { node { jobId state } } } }',
        }),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data.jobs.edges).toHaveLength(3);
      // Production hides the schema: a browser gets the page saying GraphiQL is off, not GraphiQL.
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('GraphiQL is off');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
    }
  }, 180_000); // a real npm install, on a machine that may be busy

  it('`npm start` without dist/ says in one line what to run, and fails', () => {
    const folder = freshFolder(['package.json']);
    const start = spawnSync('npm', ['start'], {
      cwd: folder,
      env: npmEnv(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(start.status).not.toBe(0);
    expect(start.stderr.trim().split('\n')).toEqual([
      'jobs-gateway: no dist/ to run and no esbuild to build it: npm ci (with the dev dependencies) builds it, or copy a built dist/ here',
    ]);
    expect(start.stdout).not.toMatch(/ERR_MODULE_NOT_FOUND|at /);
  });
});

describe('container files', () => {
  const dockerfile = readFileSync('Dockerfile', 'utf8');
  const compose = readFileSync('compose.yaml', 'utf8');
  const stages = dockerfile.split(/^(?=FROM )/m).filter((stage) => stage.startsWith('FROM '));
  const stage = (name: string) =>
    stages.find((text) => new RegExp(`^FROM \\S+ AS ${name}$`, 'm').test(text)) ?? '';

  it('the image runs the gateway exactly as `npm start` does (same V8 flags), with node as PID 1', () => {
    const gateway = stages.at(-1) ?? '';
    expect(gateway).toMatch(/^FROM \S+ AS gateway$/m);
    const cmd = /^CMD (\[.*\])$/m.exec(gateway)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...gatewayCommand()]);
  });

  it('every base image is the exact Node version CI tests, and Redis is pinned', () => {
    const node24 = /^NODE24_VERSION=(\S+)$/m.exec(readFileSync('.ci/run', 'utf8'))?.[1];
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(bases.length).toBeGreaterThanOrEqual(3);
    for (const base of bases) expect(base).toBe(`node:${node24}-slim`);
    expect(compose).toMatch(/image: redis:\d+\.\d+\.\d+-alpine$/m);
  });

  it('the simulator is a target of its own, never in the gateway image', () => {
    expect(stage('build')).toMatch(/rm -r gateway\/dist\/simulator/);
    const gateway = stage('gateway');
    expect(gateway).toMatch(/COPY --from=build \/app\/gateway\/dist \.\/dist/);
    expect(gateway).not.toMatch(/simulator/);
    expect(stage('simulator')).toMatch(/^CMD \["node", "dist\/simulator\/main\.mjs"\]$/m);
  });

  it('compose: one gateway image built once, CURSOR_SECRET required, health conditions, loopback ports', () => {
    expect(compose.match(/^\s+build:/gm)).toHaveLength(2); // the gateway and the simulator target
    expect(compose.match(/image: jobs-gateway:local$/gm)).toHaveLength(2);
    expect(compose).toMatch(/CURSOR_SECRET: \$\{CURSOR_SECRET:\?[^}]+\}/);
    expect(compose).not.toMatch(/CURSOR_SECRET: \$\{CURSOR_SECRET:-/);
    expect(compose.match(/condition: service_healthy/g)).toHaveLength(2);
    expect(compose).toMatch(/redis:[\s\S]*healthcheck:[\s\S]*redis-cli", "ping"/);
    expect(stage('simulator')).toMatch(/^HEALTHCHECK /m);
    const ports = [...compose.matchAll(/ports: \[(.*)\]/g)].map((match) => match[1]);
    expect(ports).toEqual(['"127.0.0.1:4001:4000"', '"127.0.0.1:4002:4000"']);
    // GraphiQL and introspection stay off unless someone turns them on knowingly.
    expect(compose).not.toMatch(/^\s+(GRAPHIQL|INTROSPECTION):/m);
  });
});
