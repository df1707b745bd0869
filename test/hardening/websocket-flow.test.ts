// Flow control of graphql-ws sockets (issue 19 item 2 and the message-rate bound): a client that does not
// read makes the gateway stop reading it instead of buffering replies (real sockets, the client paused);
// a flood of messages is read at the configured rate; big ping payloads are not echoed; the hard limit on a
// send queue cuts the client (flow.ts against a stand-in socket, since a loopback TCP stack absorbs
// megabytes before any byte stays queued in the gateway).
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { controlFlow } from '../../src/ws/flow';
import { until } from '../support/scheduler';
import {
  openSocket,
  type RawSocket,
  startWebSocketGateway,
  type WebSocketGateway,
} from '../support/websocket';

let gateway: WebSocketGateway | undefined;
const sockets: RawSocket[] = [];
const KEY = { 'x-api-key': 'demo-api-key' };

afterEach(async () => {
  for (const raw of sockets.splice(0)) raw.socket.terminate();
  await gateway?.close();
  gateway = undefined;
  vi.useRealTimers();
});

describe('graphql-ws flow control', () => {
  it('stops reading a client that does not read its pongs, keeps its queue bounded, and resumes once it reads', async () => {
    const highWater = 64 * 1024;
    const limit = 1024 * 1024;
    gateway = await startWebSocketGateway(
      {},
      {
        sendHighWaterBytes: highWater,
        maxBufferedBytes: limit,
        messagesPerSecond: 1e9,
        messageBurst: 1e9,
        bytesPerSecond: 1e12,
        byteBurst: 1e12,
      },
    );
    const { endpoint } = gateway;
    const raw = await openSocket(gateway.url, KEY);
    sockets.push(raw);
    raw.socket.pause();
    const ping = JSON.stringify({ type: 'ping', payload: { pad: 'p'.repeat(900) } });
    let sent = 0;
    // Pings until the gateway stops reading (a loopback TCP stack first absorbs a few MiB of pongs).
    while (endpoint.flow().pausedForSendBuffer === 0) {
      for (let i = 0; i < 1000; i++) raw.socket.send(ping);
      sent += 1000;
      if (sent > 200_000) throw new Error('the gateway never stopped reading');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // More pings now stay with the client: the gateway's queue stays near the high-water mark.
    for (let i = 0; i < 2000; i++) raw.socket.send(ping);
    sent += 2000;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const flow = endpoint.flow();
    expect(flow.pausedForSendBuffer).toBe(1);
    expect(flow.largestBufferedBytes).toBeGreaterThan(highWater);
    expect(flow.largestBufferedBytes).toBeLessThan(limit);
    expect(endpoint.connections).toBe(1);
    // The client reads again: every ping is answered, and the gateway reads again.
    raw.socket.resume();
    await until(() => raw.messages.filter((message) => message.type === 'pong').length === sent, 15_000);
    expect(endpoint.flow()).toMatchObject({ pausedForSendBuffer: 0, bufferedBytes: 0 });
  });

  it('reads a message flood at the configured rate instead of all at once, refusing nothing', async () => {
    gateway = await startWebSocketGateway({}, { messagesPerSecond: 10, messageBurst: 5 });
    const { endpoint } = gateway;
    const raw = await openSocket(gateway.url, KEY);
    sockets.push(raw);
    let seenPaused = false;
    for (let i = 0; i < 15; i++) raw.send({ type: 'ping' });
    await until(() => {
      seenPaused ||= endpoint.flow().pausedForRate === 1;
      return raw.messages.filter((message) => message.type === 'pong').length === 15;
    }, 10_000);
    expect(seenPaused).toBe(true);
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });

  it('cuts a socket that does not answer the keep-alive ping, keeps one that does', async () => {
    gateway = await startWebSocketGateway({}, { keepAliveMs: 200 });
    const { endpoint, url } = gateway;
    const answering = await openSocket(url, KEY);
    sockets.push(answering);
    const silent = new WebSocket(url, 'graphql-transport-ws', { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('open', resolve));
    silent.send(JSON.stringify({ type: 'connection_init', payload: KEY }));
    // Cut without a close frame (terminate): the client sees 1006.
    expect(await closed).toBe(1006);
    await until(() => endpoint.connections === 1);
    expect(answering.socket.readyState).toBe(answering.socket.OPEN);
  });

  it('echoes a small ping payload and answers a big one with a bare pong', async () => {
    gateway = await startWebSocketGateway();
    const raw = await openSocket(gateway.url, KEY);
    sockets.push(raw);
    raw.send({ type: 'ping', payload: { at: 1 } });
    raw.send({ type: 'ping', payload: { pad: 'x'.repeat(512 * 1024) } });
    await until(() => raw.messages.length === 3);
    expect(raw.messages.slice(1)).toEqual([{ type: 'pong', payload: { at: 1 } }, { type: 'pong' }]);
  });
});

describe('controlFlow', () => {
  const limits = {
    messagesPerSecond: 10,
    messageBurst: 3,
    bytesPerSecond: 1000,
    byteBurst: 2000,
    sendHighWaterBytes: 100,
    maxBufferedBytes: 1000,
  };
  function fakeSocket() {
    const tcp = new EventEmitter();
    const socket = {
      bufferedAmount: 0,
      paused: false,
      pause: () => {
        socket.paused = true;
      },
      resume: () => {
        socket.paused = false;
      },
      _socket: tcp,
    };
    return { socket, tcp, ws: socket as unknown as WebSocket };
  }

  it('stops reading above the high-water mark until the TCP socket drains, and cuts above the hard limit', () => {
    const { socket, tcp, ws } = fakeSocket();
    const overflows: number[] = [];
    const flow = controlFlow(ws, limits, (bytes) => overflows.push(bytes));
    socket.bufferedAmount = 50;
    expect(flow.sent()).toBe(true);
    expect(socket.paused).toBe(false);
    socket.bufferedAmount = 500;
    expect(flow.sent()).toBe(true);
    expect(socket.paused).toBe(true);
    expect([...flow.pausedBy]).toEqual(['send-buffer']);
    socket.bufferedAmount = 0;
    tcp.emit('drain');
    expect(socket.paused).toBe(false);
    socket.bufferedAmount = 1001;
    expect(flow.sent()).toBe(false);
    expect(overflows).toEqual([1001]);
  });

  it('stops reading when the message bucket is empty and resumes when it has refilled', () => {
    vi.useFakeTimers();
    let now = 0;
    const { socket, ws } = fakeSocket();
    const flow = controlFlow(
      ws,
      limits,
      () => undefined,
      () => now,
    );
    flow.received(10);
    flow.received(10);
    expect(socket.paused).toBe(false);
    flow.received(10);
    expect(socket.paused).toBe(true);
    expect([...flow.pausedBy]).toEqual(['rate']);
    now = 100;
    vi.advanceTimersByTime(100);
    expect(socket.paused).toBe(false);
    // Bytes count too: 2,500 bytes empty the 2,000-byte bucket for half a second (at 1,000 bytes a second).
    now = 1000;
    flow.received(2500);
    expect(socket.paused).toBe(true);
    now = 1499;
    vi.advanceTimersByTime(499);
    expect(socket.paused).toBe(true);
    now = 1500;
    vi.advanceTimersByTime(1);
    expect(socket.paused).toBe(false);
    flow.dispose();
  });
});
