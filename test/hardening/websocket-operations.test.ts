// graphql-ws operations against a real listening gateway (issue 19 items 3, 4, 7, 9, 10): the cap on
// operations at once per socket answered per operation, no state kept for refused operations (10,000
// invalid subscribes leave nothing), every HTTP limit answered on the operation with the socket still open,
// the introspection switch and hidden suggestions over WebSocket, and a mutation refused as validation.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import type { WebSocketOptions } from '../../src/ws';
import { until } from '../support/scheduler';
import {
  type Message,
  openSocket,
  operate,
  type RawSocket,
  startWebSocketGateway,
  type WebSocketGateway,
} from '../support/websocket';

let gateway: WebSocketGateway | undefined;
const sockets: RawSocket[] = [];
const KEY = { 'x-api-key': 'demo-api-key' };
const WATCH = 'subscription($jobId: String!) { jobUpdated(jobId: $jobId) { jobId state } }';
/** Error-level log lines: none of these refusals is the gateway's fault. */
let errorLines: string[] = [];

async function start(
  options: Parameters<typeof startWebSocketGateway>[0] = {},
  websocket: WebSocketOptions = {},
) {
  errorLines = [];
  const logger = createLogger('error', { write: (line: string) => void errorLines.push(line) });
  gateway = await startWebSocketGateway(options, { logger, ...websocket });
  const raw = await openSocket(gateway.url, KEY);
  sockets.push(raw);
  return { ...gateway, raw };
}

afterEach(async () => {
  for (const raw of sockets.splice(0)) raw.socket.terminate();
  await gateway?.close();
  gateway = undefined;
});

const firstError = (messages: Message[]) => {
  const last = messages.at(-1);
  return last?.type === 'error'
    ? last.payload[0]
    : last?.type === 'complete'
      ? messages.at(-2)?.payload.errors?.[0]
      : undefined;
};

describe('graphql-ws operations', () => {
  it('answers an operation over the per-socket cap with RATE_LIMITED and keeps the socket and the others', async () => {
    const { raw, harness, endpoint, scheduler } = await start({}, { maxOperationsPerConnection: 2 });
    const job = harness.sim.addJob({ queuedForSecs: 500, runForSecs: 500 });
    const variables = { jobId: harness.jobId(job) };
    // Five at once (read in one chunk): two are accepted, three refused on arrival.
    for (const id of ['a', 'b', 'c', 'd', 'e'])
      raw.send({ id, type: 'subscribe', payload: { query: WATCH, variables } });
    await until(() => raw.messages.filter((message) => message.type !== 'connection_ack').length === 5);
    const refused = raw.messages.filter((message) => message.type === 'error');
    expect(refused.map((message) => message.id)).toEqual(['c', 'd', 'e']);
    expect(refused[0]).toMatchObject({
      type: 'error',
      payload: [
        {
          message:
            'At most 2 operations may run at once on one WebSocket connection: wait for one to complete, or open another connection.',
          extensions: { code: 'RATE_LIMITED', reason: 'WEBSOCKET_OPERATIONS', limit: 2 },
        },
      ],
    });
    expect(endpoint.operations).toBe(2);
    raw.send({ id: 'a', type: 'complete' });
    await until(() => endpoint.operations === 1);
    const [accepted] = await operate(raw, 'f', { query: '{ jobs(first: 1) { edges { cursor } } }' });
    expect(accepted?.type).toBe('next');
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
    scheduler.tick();
    expect(errorLines).toEqual([]);
  });

  it('keeps nothing for refused operations: 10,000 invalid subscribes leave no operation held', async () => {
    const { raw, endpoint, harness } = await start(
      {},
      { messagesPerSecond: 1e9, messageBurst: 1e9, bytesPerSecond: 1e12, byteBurst: 1e12 },
    );
    const invalid = [
      { query: '{' },
      { query: '{ nope }' },
      { query: 'query { jobs(first: 1) { edges { cursor } } } query { __typename }' },
      { query: '{ a: job(jobId: "x") { id } b: job(jobId: "x") { id } c: job(jobId: "x") { ...F } }' },
      { query: '{ jobs(first: 1) { edges { cursor } } }', extensions: { headers: { 'x-api-key': 'a\nb' } } },
      { query: '{ jobs(first: 1) { edges { cursor } } }', operationName: 'Missing' },
    ];
    const count = 10_000;
    for (let i = 0; i < count; i++)
      raw.send({ id: String(i), type: 'subscribe', payload: invalid[i % invalid.length] });
    await raw.next((message) => message.id === String(count - 1) && message.type === 'error');
    await until(() => raw.messages.length >= count + 1, 10_000);
    expect(raw.messages.filter((message) => message.type === 'error')).toHaveLength(count);
    expect(endpoint.operations).toBe(0);
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
    expect(harness.sim.calls).toBe(0);
    expect(errorLines).toEqual([]);
  });

  it('answers every limit of the HTTP path on the operation, as HTTP does, with the socket still open', async () => {
    const { raw, harness } = await start();
    const deep = `{ jobs { edges { node { corpora { jobs { edges { node { corpora { jobs { edges { node { corpora { key } } } } } } } } } } } } }`;
    const cases = {
      depth: deep,
      aliases: `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: job(jobId: "x") { id }`).join(' ')} }`,
      directives: `{ __typename ${'@include(if: true) '.repeat(21)}}`,
      tokens: `{ ${Array.from({ length: 2100 }, () => 'a').join(' ')} }`,
      cost: '{ a: jobs(first: 100) { edges { node { corpora { jobs(first: 100) { edges { node { corpora { jobs(first: 100) { edges { node { jobId } } } } } } } } } } } }',
      listItems: `{ nodes(ids: [${Array.from({ length: 101 }, () => '"x"').join(',')}]) { id } }`,
      argument: '{ jobs(first: 0) { edges { cursor } } }',
    };
    for (const [name, query] of Object.entries(cases)) {
      const overWebSocket = firstError(await operate(raw, name, { query }));
      const overHttp = (await harness.query(query)).errors?.[0];
      expect(overWebSocket, name).toBeDefined();
      expect({ name, message: overWebSocket.message, extensions: overWebSocket.extensions }).toEqual({
        name,
        message: overHttp?.message,
        extensions: overHttp?.extensions,
      });
      expect(overWebSocket.extensions.code, name).toBe('BAD_USER_INPUT');
    }
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
    expect(harness.sim.calls).toBe(0);
    expect(errorLines).toEqual([]);
  });

  it('refuses introspection and hides field suggestions over WebSocket when introspection is off', async () => {
    const { raw } = await start({ introspection: false });
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Job") { name } }']) {
      const error = firstError(await operate(raw, query, { query }));
      expect(error).toMatchObject({
        message: expect.stringMatching(/^GraphQL introspection has been disabled/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      });
    }
    const typo = firstError(await operate(raw, 'typo', { query: '{ jobz { edges { cursor } } }' }));
    expect(typo.message).toBe('Cannot query field "jobz" on type "Query".');
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });

  it('answers a mutation with a validation error for that operation, logging nothing', async () => {
    const { raw } = await start();
    for (const query of ['mutation { x }', 'mutation { __typename }']) {
      const [refused] = await operate(raw, query, { query });
      expect(refused).toMatchObject({
        type: 'error',
        payload: [
          {
            message:
              'The mutation operation is not supported by the schema: this API has queries and subscriptions only.',
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      });
    }
    raw.send({ id: 'x', type: 'next', payload: {} });
    expect(await raw.closed).toEqual({ code: 4400, reason: 'Bad request: unexpected message type' });
    expect(errorLines).toEqual([]);
  });
});
