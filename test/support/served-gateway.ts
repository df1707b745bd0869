// The real gateway on a loopback port (HTTP and graphql-ws on one server), for the browser suite: what a
// page on another origin talks to. Requests are counted by kind (GraphQL POSTs, CORS preflights).
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../src/http';
import { createGateway, type GatewayOptions } from '../../src/server';
import { attachWebSocket } from '../../src/ws';

/** Requests the gateway received, by kind. */
export interface RequestCounts {
  posts: number;
  preflights: number;
}

export interface ServedGateway {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  counts: RequestCounts;
  /** Drains the event streams and WebSockets, closes every connection, then the gateway. */
  close(): Promise<void>;
}

function counting(listener: RequestListener, counts: RequestCounts): RequestListener {
  return (request, response) => {
    if (request.method === 'OPTIONS') counts.preflights++;
    else if (request.method === 'POST' && request.url === '/graphql') counts.posts++;
    listener(request, response);
  };
}

export async function serveGateway(options: GatewayOptions): Promise<ServedGateway> {
  const gateway = createGateway(options);
  const counts: RequestCounts = { posts: 0, preflights: 0 };
  const server = createHttpServer(counting(gateway.yoga, counts));
  const websocket = attachWebSocket(server, gateway, {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    async close() {
      gateway.drain();
      await websocket.drain();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.close();
    },
  };
}
