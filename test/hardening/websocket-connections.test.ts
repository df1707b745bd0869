// graphql-ws connections against a real listening gateway (issue 19 items 1 and 8, issue 20, issue 21 item 7,
// issue 23 item 2): caps on sockets in total and per credential, the connection_init deadline, refusal
// without credentials at once, close reasons that fit 123 bytes, client values with CR/LF/NUL refused
// without a byte on stdout/stderr, credentials from a subscribe's `extensions.headers`, 1012 on drain.
import { randomBytes } from 'node:crypto';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MISSING_CREDENTIALS_MESSAGE } from '../../src/errors';
import { createHttpServer } from '../../src/http';
import { createLogger } from '../../src/logger';
import {
  attachWebSocket,
  CLOSE_BAD_REQUEST,
  CLOSE_SERVICE_RESTART,
  CLOSE_TRY_AGAIN_LATER,
  CLOSE_UNAUTHENTICATED,
  type WebSocketOptions,
} from '../../src/ws';
import { closeReason, MAX_CLOSE_REASON_BYTES } from '../../src/ws/close-reason';
import { until } from '../support/scheduler';
import {
  openSocket,
  operate,
  type RawSocket,
  startWebSocketGateway,
  type WebSocketGateway,
} from '../support/websocket';

let gateway: WebSocketGateway | undefined;
const sockets: RawSocket[] = [];
const KEY = { 'x-api-key': 'demo-api-key' };
const QUERY = '{ jobs(first: 1, filter: { states: [COMPLETED] }) { edges { node { jobId } } } }';

async function start(websocket: WebSocketOptions = {}) {
  gateway = await startWebSocketGateway({}, websocket);
  return gateway;
}

async function open(init?: Record<string, unknown>, headers?: Record<string, string>) {
  const raw = await openSocket((gateway as WebSocketGateway).url, init, headers);
  sockets.push(raw);
  return raw;
}

afterEach(async () => {
  for (const raw of sockets.splice(0)) raw.socket.terminate();
  await gateway?.close();
  gateway = undefined;
});

describe('graphql-ws connections', () => {
  it('caps sockets in total (1013) and per credential (1013 RATE_LIMITED); a freed place is taken again', async () => {
    const { endpoint } = await start({ maxConnections: 3, maxConnectionsPerCredential: 2 });
    const first = await open(KEY);
    const second = await open(KEY);
    const sameKey = await open(KEY);
    expect(await sameKey.closed).toEqual({
      code: CLOSE_TRY_AGAIN_LATER,
      reason: 'RATE_LIMITED: at most 2 WebSocket connections per credential; close one or retry later',
    });
    // The same key as Authorization is another credential value: counted on its own.
    const other = await open({ authorization: 'Bearer demo-token' });
    expect(other.messages.map((message) => message.type)).toEqual(['connection_ack']);
    const fourth = await open();
    expect((await fourth.closed).code).toBe(CLOSE_TRY_AGAIN_LATER);
    await until(() => endpoint.connections === 3);
    first.socket.close();
    await first.closed;
    await until(() => endpoint.connections === 2);
    const again = await open(KEY);
    expect(again.messages.map((message) => message.type)).toEqual(['connection_ack']);
    expect(second.socket.readyState).toBe(second.socket.OPEN);
  });

  it('closes a socket that sends no connection_init in time with 4408', async () => {
    const { endpoint } = await start({ connectionInitTimeoutMs: 100 });
    const silent = await open();
    expect(await silent.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    await until(() => endpoint.connections === 0);
  });

  it('refuses a connection without credentials at once with 4401 and a whole reason of at most 123 bytes', async () => {
    const { harness, endpoint } = await start();
    const anonymous = await open();
    anonymous.send({ type: 'connection_init', payload: { 'customer-id': '1234567890' } });
    const closed = await anonymous.closed;
    expect(closed.code).toBe(CLOSE_UNAUTHENTICATED);
    expect(closed.reason).toBe(
      'UNAUTHENTICATED: send x-api-key or authorization (Bearer <token>) in connectionParams or the upgrade headers',
    );
    expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(harness.sim.calls).toBe(0);
    await until(() => endpoint.connections === 0);
  });

  it('cuts close reasons at a word boundary within 123 bytes', () => {
    const full = `UNAUTHENTICATED: ${MISSING_CREDENTIALS_MESSAGE}`;
    const cut = closeReason(full);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(cut).toBe(
      'UNAUTHENTICATED: Missing Vectara credentials: send an x-api-key header (API key) or an Authorization: Bearer <token>…',
    );
    const kept = cut.slice(0, -1);
    expect(full.startsWith(kept)).toBe(true);
    expect(full[kept.length]).toBe(' ');
    // Multi-byte text counts in bytes; one word longer than the room is cut between characters.
    expect(Buffer.byteLength(closeReason('é'.repeat(100)))).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(closeReason('short reason')).toBe('short reason');
  });

  it('refuses credential values with CR, LF or NUL with 4400, and writes nothing to stdout or stderr', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
    const { endpoint } = await start({ logger });
    const written: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const forged = '{"level":60,"msg":"forged"}';
      const results = [];
      for (const params of [
        { 'X-Api-Key': `demo-api-key\r\n${forged}` },
        { authorization: `Bearer x\n${forged}` },
        { 'x-api-key': 'demo\u0000api-key' },
        { 'customer-id': '1\r\n2', 'x-api-key': 'demo-api-key' },
        { 'x-api-key': 'k'.repeat(10_000) },
        { 'x-api-key': 42 },
      ]) {
        const raw = await open(params);
        results.push(await raw.closed);
      }
      expect(results.map((result) => result.code)).toEqual(Array(6).fill(CLOSE_BAD_REQUEST));
      expect(results[0]?.reason).toBe(
        'BAD_USER_INPUT: connectionParams x-api-key is not a header value (a string, no control characters, at most 8192)',
      );
      expect(results[3]?.reason).toMatch(/^BAD_USER_INPUT: connectionParams customer-id /);
      // Other parameters are not headers: ignored, whatever they hold.
      const accepted = await open({ ...KEY, note: `a\r\n${forged}\u0000` });
      expect(accepted.messages.map((message) => message.type)).toEqual(['connection_ack']);
      // The same check on an operation's extensions.headers answers that operation.
      const [refused] = await operate(accepted, 'bad', {
        query: QUERY,
        extensions: { headers: { 'x-api-key': `k\r\n${forged}` } },
      });
      expect(refused?.payload[0]).toMatchObject({
        message: expect.stringMatching(/^extensions\.headers x-api-key is not a header value/),
        extensions: { code: 'BAD_USER_INPUT' },
      });
      await until(() => endpoint.connections === 1);
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
    }
    expect(written).toEqual([]);
    expect(lines.join('')).not.toContain('forged');
  });

  it('logs an internal error through the logger, bounded and redacted, and answers the operation', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
    const { harness } = await start();
    // A gateway whose envelop fails with a message holding the caller's key, a line break and 10 kB.
    const broken = {
      ...harness.gateway,
      yoga: {
        getEnveloped() {
          throw new Error(`failed for demo-api-key\r\n{"level":60}${'x'.repeat(10_000)}`);
        },
      },
    } as unknown as typeof harness.gateway;
    const server = createHttpServer(harness.gateway.yoga);
    const endpoint = attachWebSocket(server, broken, { logger });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const raw = await openSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, KEY);
      sockets.push(raw);
      const [answer] = await operate(raw, 'a', { query: QUERY });
      expect(answer).toEqual({
        id: 'a',
        type: 'error',
        payload: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      });
      expect(lines).toHaveLength(1);
      const logged = JSON.parse(lines[0] as string);
      expect(logged).toMatchObject({ level: 50, msg: 'graphql-ws: an operation could not be prepared' });
      expect(logged.err.message).toMatch(/^failed for \[redacted\]\r\n\{"level":60\}x+$/);
      expect(logged.err.message.length).toBeLessThan(320);
      expect(lines[0]).not.toContain('demo-api-key');
      // One line: the client's line break is escaped, it cannot start a forged line.
      expect(lines[0]?.trimEnd()).not.toMatch(/[\r\n]/);
      expect(raw.socket.readyState).toBe(raw.socket.OPEN);
    } finally {
      await endpoint.drain();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('takes an operation’s credentials from its extensions.headers (how Hive Gateway forwards them)', async () => {
    const { harness } = await start();
    const raw = await open(KEY);
    const [own] = await operate(raw, 'a', { query: QUERY });
    const [forwarded] = await operate(raw, 'b', {
      query: QUERY,
      extensions: { headers: { 'X-Api-Key': 'demo-api-key-2', 'customer-id': '2222222222' } },
    });
    expect(own?.payload.data.jobs.edges).toHaveLength(1);
    expect(forwarded?.payload.data.jobs.edges).toHaveLength(1);
    expect(harness.sim.recorded.map((call) => call.headers['x-api-key'])).toEqual([
      'demo-api-key',
      'demo-api-key-2',
    ]);
    expect(forwarded?.payload.data.jobs.edges[0].node.jobId).not.toBe(
      own?.payload.data.jobs.edges[0].node.jobId,
    );
  });

  it('with credentialsPerOperation, acknowledges a socket without credentials; each operation brings its own', async () => {
    const { harness } = await start({ credentialsPerOperation: true, maxConnectionsPerCredential: 2 });
    const router = await open({});
    expect(router.messages.map((message) => message.type)).toEqual(['connection_ack']);
    const [served] = await operate(router, 'a', {
      query: QUERY,
      extensions: { headers: { 'x-api-key': 'demo-api-key' } },
    });
    expect(served?.payload.data.jobs.edges).toHaveLength(1);
    const [refused] = await operate(router, 'b', { query: QUERY });
    expect(refused?.payload.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(harness.sim.calls).toBe(1);
    // Sockets without credentials share one place in the per-credential count.
    await open({});
    const third = await open({});
    expect((await third.closed).code).toBe(CLOSE_TRY_AGAIN_LATER);
  });

  it('closes every socket with 1012 on drain and refuses a connection attempt during the drain the same way', async () => {
    const { endpoint } = await start();
    const raw = await open(KEY);
    const drained = endpoint.drain();
    expect(await raw.closed).toEqual({
      code: CLOSE_SERVICE_RESTART,
      reason: 'Service restart: the gateway is restarting, reconnect',
    });
    await drained;
    const late = await open();
    expect((await late.closed).code).toBe(CLOSE_SERVICE_RESTART);
    // A refused socket that breaks the protocol before its close completes (here: the upgrade request and
    // the header of a 2 MiB frame in one write) is closed, not an unhandled 'error' that ends the process.
    const { port } = new URL(gateway?.url as string);
    const tcp = connect(Number(port), '127.0.0.1');
    const frameHeader = Buffer.from([0x81, 0xff, 0, 0, 0, 0, 0, 0x20, 0, 0, 1, 2, 3, 4]);
    tcp.write(
      `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
    );
    tcp.write(frameHeader);
    tcp.resume();
    await new Promise((resolve) => tcp.once('close', resolve));
  });
});
