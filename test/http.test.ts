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
    const started = Date.now();
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n');
    const trickle = setInterval(() => socket.write('x'), 100);
    await new Promise((resolve) => socket.on('close', resolve));
    clearInterval(trickle);
    const heldMs = Date.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(heldMs).toBeLessThan(3000);
    await new Promise((resolve) => server.close(resolve));
  });
});
