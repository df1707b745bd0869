// A real gateway with its graphql-ws endpoint on a free loopback port, and a raw WebSocket client that records
// every message and the close, for tests that speak the protocol message by message.
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createHttpServer } from '../../src/http';
import { attachWebSocket, type WebSocketEndpoint, type WebSocketOptions } from '../../src/ws';
import { type Harness, startHarness } from './gateway';
import { type ManualScheduler, manualScheduler } from './scheduler';

export interface WebSocketGateway {
  harness: Harness;
  scheduler: ManualScheduler;
  endpoint: WebSocketEndpoint;
  url: string;
  close(): Promise<void>;
}

export async function startWebSocketGateway(
  options: Parameters<typeof startHarness>[0] = {},
  websocket: WebSocketOptions = {},
): Promise<WebSocketGateway> {
  const scheduler = manualScheduler();
  const harness = startHarness({ scheduler: scheduler.schedule, pollIntervalMs: 1000, ...options });
  const server = createHttpServer(harness.gateway.yoga);
  const endpoint = attachWebSocket(server, harness.gateway, websocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    harness,
    scheduler,
    endpoint,
    url,
    async close() {
      await endpoint.drain();
      harness.gateway.watcher.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await harness.close();
    },
  };
}

export interface Message {
  type: string;
  id?: string;
  payload?: any;
}

export interface RawSocket {
  socket: WebSocket;
  messages: Message[];
  /** Resolves with the first message (already received or to come) that matches. */
  next(match: (message: Message) => boolean): Promise<Message>;
  send(message: object): void;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a graphql-transport-ws socket; with `init`, sends connection_init with it and waits for the ack. */
export async function openSocket(
  url: string,
  init?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<RawSocket> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers });
  const messages: Message[] = [];
  const waiting = new Set<{ match: (message: Message) => boolean; resolve: (message: Message) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Message;
    messages.push(message);
    for (const waiter of waiting) {
      if (waiter.match(message)) {
        waiting.delete(waiter);
        waiter.resolve(message);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('close', () => reject(new Error('closed before open')));
  });
  const raw: RawSocket = {
    socket,
    messages,
    next: (match) =>
      new Promise((resolve) => {
        const found = messages.find(match);
        if (found) resolve(found);
        else waiting.add({ match, resolve });
      }),
    send: (message) => socket.send(JSON.stringify(message)),
    closed,
  };
  if (init) {
    raw.send({ type: 'connection_init', payload: init });
    await Promise.race([raw.next((message) => message.type === 'connection_ack'), closed]);
  }
  return raw;
}

/** Sends one operation and resolves with its terminal message (`error`, or `complete` after its `next`). */
export async function operate(raw: RawSocket, id: string, payload: object): Promise<Message[]> {
  raw.send({ id, type: 'subscribe', payload });
  const end = await raw.next(
    (message) => message.id === id && (message.type === 'error' || message.type === 'complete'),
  );
  return [...raw.messages.filter((message) => message.id === id && message.type === 'next'), end];
}
