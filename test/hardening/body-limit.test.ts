// The 1 MiB body limit of /graphql on each way a body can arrive: over Node's HTTP server with a
// Content-Length (checked from the header, never read past it), chunked without one (counted while read),
// and in process through yoga.fetch (counted: a header there proves nothing).
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http';
import { LIMITS } from '../../src/plugins/limits';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';

let harness: Harness;
let server: Server | undefined;

afterEach(async () => {
  // A refused upload is left unread on its socket (the request timeout would end it): close it now.
  server?.closeAllConnections();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  await harness?.close();
});

async function serve(): Promise<string> {
  harness = startHarness();
  server = createHttpServer(harness.gateway.yoga);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const QUERY = '{ jobs(first: 2) { edges { node { jobId } } } }';
const HEADERS = { 'content-type': 'application/json', ...HEADERS_A };
const bodyOf = (padding: number) => JSON.stringify({ query: QUERY, variables: { pad: 'x'.repeat(padding) } });

/** A body sent in 64 KiB chunks with no Content-Length (chunked transfer encoding). */
function chunked(text: string): RequestInit {
  const bytes = new TextEncoder().encode(text);
  return {
    method: 'POST',
    headers: HEADERS,
    body: new ReadableStream({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 65_536) controller.enqueue(bytes.subarray(at, at + 65_536));
        controller.close();
      },
    }),
    duplex: 'half',
  } as RequestInit;
}

/** A POST written on a raw socket (what fetch cannot send); resolves with everything the server answered. */
async function rawPost(url: string, framing: string, parts: string[]): Promise<string> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  let answer = '';
  socket.on('data', (chunk) => {
    answer += chunk.toString();
    if (/\r\n\r\n[\s\S]*\}/.test(answer)) socket.destroy();
  });
  socket.on('error', () => undefined); // the server may close while parts are still being written
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-api-key: demo-api-key\r\n${framing}\r\n`,
  );
  for (const part of parts) socket.write(part);
  await new Promise((resolve) => socket.on('close', resolve));
  return answer;
}

describe('request body limit', () => {
  it('serves bodies within the limit, with a Content-Length or chunked', async () => {
    const url = await serve();
    const near = LIMITS.maxBodyBytes - 1000;
    const withLength = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: HEADERS,
      body: bodyOf(near),
    });
    expect(withLength.status).toBe(200);
    expect((await withLength.json()).data.jobs.edges).toHaveLength(2);
    const withoutLength = await fetch(`${url}/graphql`, chunked(bodyOf(near)));
    expect(withoutLength.status).toBe(200);
    expect((await withoutLength.json()).data.jobs.edges).toHaveLength(2);
    expect(harness.sim.calls).toBe(2);
  });

  it('refuses a declared length past the limit before reading the body', async () => {
    const url = await serve();
    // Headers only: the 413 must come without the 2 MB ever being sent.
    const answer = await rawPost(url, `Content-Length: ${2 * 1024 * 1024}\r\n`, ['{"query":']);
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('"code":"REQUEST_ENTITY_TOO_LARGE"');
    expect(answer).toContain(`at most ${LIMITS.maxBodyBytes} bytes`);
    expect(harness.sim.calls).toBe(0);
  });

  it('counts a chunked body and refuses it once past the limit', async () => {
    const url = await serve();
    // 1 MiB + 64 KiB in 64 KiB chunks, no Content-Length; the answer comes while the client still sends.
    const chunk = `${(65_536).toString(16)}\r\n${'x'.repeat(65_536)}\r\n`;
    const answer = await rawPost(url, 'Transfer-Encoding: chunked\r\n', [
      `9\r\n{"query":\r\n`,
      ...Array.from({ length: 17 }, () => chunk),
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('"code":"REQUEST_ENTITY_TOO_LARGE"');
    expect(harness.sim.calls).toBe(0);
  });

  it('counts an in-process body whatever its Content-Length header says', async () => {
    harness = startHarness();
    const lying = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { ...HEADERS, 'content-length': '100' },
      body: bodyOf(2 * 1024 * 1024),
    });
    expect(lying.status).toBe(413);
    const invalid = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { ...HEADERS, 'content-length': '100, 100' },
      body: bodyOf(0),
    });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(harness.sim.calls).toBe(0);
  });
});
