// Serves a Simulator over node:http (for `npm run simulator`, the demo, benchmarks and loopback tests).
// A SimulatedReset from the handler destroys the socket, so clients see a real connection reset.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedReset, type Simulator } from './handler';

export interface RunningSimulator {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function listenSimulator(
  simulator: Simulator,
  port = 0,
  host = '127.0.0.1',
): Promise<RunningSimulator> {
  const server = createServer((req, res) => {
    void serve(simulator, req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(simulator: Simulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client closed the connection'));
  });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    const method = req.method ?? 'GET';
    const request = new Request(`http://${req.headers.host ?? 'simulator'}${req.url ?? '/'}`, {
      method,
      headers,
      body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
      signal: controller.signal,
    });
    const response = await simulator.handle(request);
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(body);
  } catch (error) {
    if (error instanceof SimulatedReset) req.socket.destroy();
    else if (!controller.signal.aborted) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('simulator error');
    }
  }
}
