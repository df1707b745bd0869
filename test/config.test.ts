// Configuration: defaults, validation messages, and the launchers' exit code 2 on a bad value.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { sha256Hex } from '../src/persisted/manifest';

describe('config', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      host: '0.0.0.0',
      vectaraApiUrl: 'https://api.vectara.io',
      apiVersion: 'v2',
      vectaraCustomerId: undefined,
      upstreamTimeoutMs: 30_000,
      upstreamRetries: 2,
      jobPollIntervalMs: 2000,
      logLevel: 'info',
      graphiql: true,
      introspection: true,
      federationSdl: true,
      corsOrigins: [],
      corsAllowHeaders: [],
      persistedDocuments: { documents: new Map(), only: false, maxRegistered: 1000 },
      upstreamConcurrencyPerCredential: 32,
      responseCacheTtlMs: 0,
      shareCallsInFlight: true,
      subscriptions: { perCredential: 50, total: 5000 },
      websocket: {
        maxConnections: 2000,
        maxConnectionsPerCredential: 200,
        maxOperationsPerConnection: 50,
        credentialsPerOperation: false,
      },
      breaker: { windowSize: 20, minimumCalls: 10, failureRatio: 0.5, openMs: 5000, minimumTenants: 2 },
      http: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5000 },
      shutdown: { delayMs: 0, timeoutMs: 10_000 },
      cursorSecret: undefined,
      production: false,
      redisUrl: undefined,
      redisCommandTimeoutMs: 1000,
      otel: undefined,
      warnings: [expect.stringMatching(/^CURSOR_SECRET is not set/)],
    });
  });

  it('waits SHUTDOWN_DELAY_MS after a signal: 5000 in production, 0 otherwise, unless set', () => {
    expect(loadConfig({}).shutdown).toEqual({ delayMs: 0, timeoutMs: 10_000 });
    expect(loadConfig({ NODE_ENV: 'production' }).shutdown).toEqual({ delayMs: 5000, timeoutMs: 10_000 });
    expect(
      loadConfig({ NODE_ENV: 'production', SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '2500' }).shutdown,
    ).toEqual({ delayMs: 0, timeoutMs: 2500 });
  });

  it('hides the schema in production unless asked, and can require CURSOR_SECRET', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({
      graphiql: false,
      introspection: false,
      production: true,
    });
    expect(loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'true', INTROSPECTION: 'true' })).toMatchObject({
      graphiql: true,
      introspection: true,
    });
    expect(() => loadConfig({ REQUIRE_CURSOR_SECRET: 'true' })).toThrow(/CURSOR_SECRET: required/);
    // Replicas that share polls through Redis must share one fingerprint space.
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL set/);
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', CURSOR_SECRET: 'x'.repeat(32) }).redisUrl).toBe(
      'redis://127.0.0.1:6379',
    );
    expect(loadConfig({ CURSOR_SECRET: 'x'.repeat(32) }).warnings).toEqual([]);
  });

  it('parses CORS_ORIGINS as an allow-list and refuses paths or junk', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).corsOrigins).toEqual([
      'https://a.example',
      'http://localhost:3000',
    ]);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example/path' })).toThrow(/CORS_ORIGINS/);
  });

  it('parses good values', () => {
    const config = loadConfig({
      PORT: '8080',
      VECTARA_API_URL: 'http://127.0.0.1:4010/',
      VECTARA_CUSTOMER_ID: '1234567890',
      GRAPHIQL: 'false',
      UPSTREAM_RETRIES: '0',
    });
    expect(config).toMatchObject({
      port: 8080,
      vectaraApiUrl: 'http://127.0.0.1:4010',
      vectaraCustomerId: '1234567890',
      graphiql: false,
      upstreamRetries: 0,
    });
  });

  it.each([
    ['PORT', 'abc', 'Invalid PORT ("abc"): must be a whole number between 0 and 65535'],
    ['PORT', '70000', 'Invalid PORT ("70000"): must be at most 65535'],
    ['VECTARA_API_URL', 'not a url', 'Invalid VECTARA_API_URL ("not a url"): must be an http(s) URL'],
    ['UPSTREAM_TIMEOUT_MS', '-1', 'Invalid UPSTREAM_TIMEOUT_MS ("-1"): must be a whole number'],
    [
      'VECTARA_CUSTOMER_ID',
      'acme',
      'Invalid VECTARA_CUSTOMER_ID ("acme"): must be the numeric Vectara customer id',
    ],
    ['LOG_LEVEL', 'loud', 'Invalid LOG_LEVEL ("loud")'],
    ['GRAPHIQL', 'maybe', 'Invalid GRAPHIQL ("maybe"): must be true or false'],
    // A secret is never repeated back, not even when it is wrong.
    ['CURSOR_SECRET', 'short', 'Invalid CURSOR_SECRET: must be at least 32 characters'],
    ['NODE_ENV', 'prod', 'Invalid NODE_ENV ("prod"): must be development, production or test'],
    ['VECTARA_API_VERSION', 'v3', 'Invalid VECTARA_API_VERSION ("v3"): must be v2 (the live API) or v1'],
  ])('rejects %s=%s with a one-line message naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('stops a launcher with exit code 2 and one line on stderr', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts'], {
      env: { ...process.env, SIMULATOR_PORT: 'abc' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      'jobs-gateway: Invalid SIMULATOR_PORT ("abc"): must be a whole number between 0 and 65535',
    );
  });
});

describe('persisted documents', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const text = '{ jobs { edges { cursor } } }';
  const id = sha256Hex(text);

  it('reads manifests and checks every id against its text', () => {
    const good = write('good.json', { [id]: text });
    expect(
      loadConfig({ PERSISTED_DOCUMENTS: good, PERSISTED_DOCUMENTS_ONLY: 'true' }).persistedDocuments,
    ).toEqual({
      documents: new Map([[id, text]]),
      only: true,
      maxRegistered: 1000,
    });
    const wrong = write('wrong.json', { [id]: `${text} ` });
    expect(() => loadConfig({ PERSISTED_DOCUMENTS: wrong })).toThrow(
      `Invalid PERSISTED_DOCUMENTS: ${wrong}: ${id} is not the sha256 of its document`,
    );
    expect(() =>
      loadConfig({ PERSISTED_DOCUMENTS: write('prefixed.json', { [`sha256:${id}`]: text }) }),
    ).toThrow(/is not a sha256 id/);
    expect(() => loadConfig({ PERSISTED_DOCUMENTS: write('broken.json', '{') })).toThrow(/is not JSON/);
    expect(() => loadConfig({ PERSISTED_DOCUMENTS: join(dir, 'missing.json') })).toThrow(/cannot be read/);
  });

  it('needs a manifest for trusted mode', () => {
    expect(() => loadConfig({ PERSISTED_DOCUMENTS_ONLY: 'true' })).toThrow(
      /Invalid PERSISTED_DOCUMENTS_ONLY: trusted mode needs the manifest/,
    );
  });
});

describe('CORS_ALLOW_HEADERS', () => {
  it('takes header names, lower-cased, and refuses anything else', () => {
    expect(loadConfig({ CORS_ALLOW_HEADERS: 'X-Tenant, sentry-trace' }).corsAllowHeaders).toEqual([
      'x-tenant',
      'sentry-trace',
    ]);
    expect(() => loadConfig({ CORS_ALLOW_HEADERS: 'x-tenant, bad header' })).toThrow(
      /Invalid CORS_ALLOW_HEADERS.*comma-separated list of header names/,
    );
  });
});
