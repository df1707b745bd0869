// CORS for real browser clients (SPEC §11), through the real server: the headers real clients and tools
// send pass a preflight by default, CORS_ALLOW_HEADERS adds more, a refused preflight says why (and is
// logged once), a disallowed origin gets no access-control-* header, SSE and /graphql/stream answers carry
// the headers too, the WebSocket upgrade meets the same origin policy, and a subscription sent as a plain
// HTTP request gets a 406 that names SSE and WebSocket.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHttpServer } from '../src/http';
import { createLogger } from '../src/logger';
import { DEFAULT_CORS_HEADERS } from '../src/plugins/cors';
import { attachWebSocket } from '../src/ws';
import { type Harness, HEADERS_A, startHarness } from './support/gateway';

const APP = 'https://app.example';
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const preflight = (h: Harness, origin: string, headers: string, method = 'POST', path = '/graphql') =>
  h.gateway.yoga.fetch(`http://gateway.test${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('CORS preflights', () => {
  it('lets every header real clients send through for an allowed origin, cached for 10 minutes', async () => {
    harness = startHarness({ corsOrigins: [APP] });
    for (const header of DEFAULT_CORS_HEADERS) {
      const response = await preflight(harness, APP, header);
      expect(response.status, header).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(APP);
      expect(response.headers.get('access-control-allow-headers')?.split(', ')).toContain(header);
    }
    const apollo = await preflight(
      harness,
      APP,
      'apollographql-client-name,apollographql-client-version,content-type,traceparent,tracestate,baggage,x-api-key',
    );
    expect(apollo.status).toBe(204);
    expect(apollo.headers.get('access-control-max-age')).toBe('600');
    expect(apollo.headers.get('access-control-allow-credentials')).toBeNull();
    expect(apollo.headers.get('vary')).toContain('Origin');
    expect(harness.sim.calls).toBe(0);
  });

  it('allows the headers CORS_ALLOW_HEADERS adds, and names a header it does not allow', async () => {
    harness = startHarness({ corsOrigins: [APP], corsAllowHeaders: ['x-tenant'] });
    expect((await preflight(harness, APP, 'x-api-key, X-Tenant')).status).toBe(204);
    const refused = await preflight(harness, APP, 'x-api-key, sentry-trace');
    expect(refused.status).toBe(403);
    expect(corsHeaders(refused)).toEqual([]);
    expect(await refused.text()).toBe(
      'The request header sentry-trace is not allowed cross-origin: add it to CORS_ALLOW_HEADERS (comma-separated) if the gateway should accept it.\n',
    );
  });

  it('refuses a disallowed origin with no access-control-* header, saying which variable to set', async () => {
    const lines: string[] = [];
    harness = startHarness({
      corsOrigins: [APP],
      logger: createLogger('info', { write: (line: string) => void lines.push(line) }),
    });
    const refused = await preflight(harness, 'https://evil.example', 'x-api-key');
    expect(refused.status).toBe(403);
    expect(corsHeaders(refused)).toEqual([]);
    expect(await refused.text()).toContain(
      'The origin https://evil.example is not allowed to call this gateway: add it to CORS_ORIGINS',
    );
    await preflight(harness, 'https://evil.example', 'x-api-key');
    expect(lines.filter((line) => line.includes('refused a CORS preflight'))).toHaveLength(1);
    // The request itself (a browser would not send it after the refusal; curl does) gets no CORS header.
    const actual = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', ...HEADERS_A },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(corsHeaders(actual)).toEqual([]);
  });

  it('with CORS off, a preflight explains CORS_ORIGINS (not the credentials it already sends)', async () => {
    harness = startHarness();
    const refused = await preflight(harness, APP, 'x-api-key,content-type');
    expect(refused.status).toBe(403);
    expect(corsHeaders(refused)).toEqual([]);
    const text = await refused.text();
    expect(text).toContain('CORS is off on this gateway');
    expect(text).toContain('CORS_ORIGINS=https://app.example');
    expect(text).not.toContain('x-api-key');
  });

  it('caps what a refusal echoes and logs: long origins are cut, distinct refusals logged at most 100 times', async () => {
    const lines: string[] = [];
    harness = startHarness({
      corsOrigins: [APP],
      logger: createLogger('info', { write: (line: string) => void lines.push(line) }),
    });
    const long = `https://${'a'.repeat(5000)}.example`;
    expect((await (await preflight(harness, long, 'x-api-key')).text()).length).toBeLessThan(400);
    for (let n = 0; n < 150; n++) await preflight(harness, `https://site${n}.example`, 'x-api-key');
    expect(lines.filter((line) => line.includes('refused a CORS preflight'))).toHaveLength(100);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(600);
  });
});

describe('CORS on answers', () => {
  it('marks answers to an allowed origin on POST, GET, SSE and /graphql/stream', async () => {
    harness = startHarness({ corsOrigins: [APP] });
    const post = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { origin: APP, 'content-type': 'application/json', ...HEADERS_A },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBe(APP);
    expect(post.headers.get('access-control-expose-headers')).toContain('retry-after');
    const get = await harness.gateway.yoga.fetch('http://gateway.test/graphql?query=%7B__typename%7D', {
      headers: { origin: APP, accept: 'application/json', ...HEADERS_A },
    });
    expect(get.headers.get('access-control-allow-origin')).toBe(APP);
    for (const path of ['/graphql', '/graphql/stream']) {
      const stream = await harness.gateway.yoga.fetch(`http://gateway.test${path}`, {
        method: 'POST',
        headers: {
          origin: APP,
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...HEADERS_A,
        },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(stream.headers.get('access-control-allow-origin'), path).toBe(APP);
      await stream.text();
    }
    expect((await preflight(harness, APP, 'x-api-key,content-type', 'POST', '/graphql/stream')).status).toBe(
      204,
    );
  });

  it('answers a subscription sent as a plain HTTP request with a 406 that names SSE and WebSocket', async () => {
    harness = startHarness();
    const response = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...HEADERS_A },
      body: JSON.stringify({ query: 'subscription { jobUpdated(jobId: "job_1") { state } }' }),
    });
    expect(response.status).toBe(406);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('NOT_ACCEPTABLE');
    expect(body.errors[0]?.message).toContain('text/event-stream');
    expect(body.errors[0]?.message).toContain('graphql-ws');
    expect(harness.sim.calls).toBe(0);
  });
});

describe('the WebSocket upgrade meets the same origin policy', () => {
  async function upgrade(
    url: string,
    origin?: string,
  ): Promise<{ opened: boolean; status?: number; body?: string }> {
    const socket = new WebSocket(url, 'graphql-transport-ws', origin ? { origin } : {});
    return new Promise((resolve) => {
      socket.once('open', () => {
        socket.close();
        resolve({ opened: true });
      });
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += String(chunk);
        });
        response.on('end', () => resolve({ opened: false, status: response.statusCode, body }));
      });
      socket.once('error', () => undefined);
    });
  }

  it('refuses other sites with 403 and the reason; allows listed origins, the same origin and non-browsers', async () => {
    harness = startHarness({ corsOrigins: [APP] });
    const server = createHttpServer(harness.gateway.yoga);
    const endpoint = attachWebSocket(server, harness.gateway, {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const url = `ws://127.0.0.1:${port}/graphql`;
    try {
      const refused = await upgrade(url, 'https://evil.example');
      expect(refused).toMatchObject({ opened: false, status: 403 });
      expect(refused.body).toContain('The origin https://evil.example is not allowed to call this gateway');
      expect(await upgrade(url, APP)).toEqual({ opened: true });
      expect(await upgrade(url, `http://127.0.0.1:${port}`)).toEqual({ opened: true });
      expect(await upgrade(url)).toEqual({ opened: true });
    } finally {
      await endpoint.drain();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
