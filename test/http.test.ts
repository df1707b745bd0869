// The Node HTTP server's timeouts against slow clients, on a real loopback port.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http';

describe('http server timeouts', () => {
  it('cuts a client that trickles its body slower than the request timeout', async () => {
    // Like Yoga, the handler answers once it has the whole body.
    const server = createHttpServer((req, res) => req.resume().on('end', () => res.end('ok')), {
      requestTimeoutMs: 1000,
      headersTimeoutMs: 1000,
      keepAliveTimeoutMs: 500,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
    const trickle = setInterval(() => socket.write('x'), 100);
    await new Promise((resolve) => socket.on('close', resolve));
    clearInterval(trickle);
    // The body would take 28 hours at this pace: a 408 means the request timeout cut it.
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    await new Promise((resolve) => server.close(resolve));
  });
});
