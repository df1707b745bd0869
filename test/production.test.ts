// What a container image holds, proven without Docker: a fresh folder with the built bundle and only the
// production dependencies (`npm ci --omit=dev`, from the local npm cache: offline) starts `node
// dist/main.mjs` in production mode, serves a query against the simulator, and stops cleanly on SIGTERM.
// Also: .env.example documents every variable the code reads.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from '../src/config';
import { createSimulator } from '../src/simulator/handler';
import { listenSimulator } from '../src/simulator/server';
import { gatewayCommand, listeningUrl } from './support/process';

const folder = mkdtempSync(join(tmpdir(), 'jobs-gateway-prod-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('production install', () => {
  it('runs from the bundle with runtime dependencies only, serves a query, and stops on SIGTERM', async () => {
    for (const file of ['package.json', 'package-lock.json', 'dist'])
      cpSync(file, join(folder, file), { recursive: true });
    const install = spawnSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
      { cwd: folder, encoding: 'utf8', timeout: 120_000 },
    );
    expect(install.status, install.stderr).toBe(0);
    // No dev tool made it in: no bundler, no TypeScript runner, no test runner.
    for (const dev of ['esbuild', 'tsx', 'vitest', 'typescript', '@apollo/gateway']) {
      expect(existsSync(join(folder, 'node_modules', dev)), dev).toBe(false);
    }
    const sim = createSimulator();
    const upstream = await listenSimulator(sim);
    const child = spawn(process.execPath, gatewayCommand(), {
      cwd: folder,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        VECTARA_API_URL: upstream.url,
        CURSOR_SECRET: 'x'.repeat(32),
        // No load balancer to wait for (production's default keeps serving 5 s after SIGTERM).
        SHUTDOWN_DELAY_MS: '0',
      },
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
      // Production hides the schema: no GraphiQL page, no introspection.
      const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toContain('GraphiQL');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
    }
  });
});

describe('.env.example', () => {
  it('lists every variable the code reads', () => {
    const example = readFileSync('.env.example', 'utf8');
    const missing = ENV_VARIABLES.filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it('the image runs the gateway exactly as `npm start` does (same V8 flags)', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...gatewayCommand()]);
  });
});
