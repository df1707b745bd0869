// A small reverse proxy for rolling-restart tests, doing what a Kubernetes Service (or any load balancer with
// health checks) does: it probes each replica's /ready on a fresh connection every `probeMs`, takes a replica
// out of rotation after `failureThreshold` failed probes in a row (so, like Kubernetes, it keeps sending for a
// while after a replica starts draining), and sends each request, event stream and WebSocket upgrade to the
// next ready replica in turn, over keep-alive connections.
// It never retries: a request that fails on its replica fails for the client (502), as it would in production.
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ReadyProxy {
  /** `http://127.0.0.1:port` */
  url: string;
  /** Starts probing a replica (`http://host:port`); it gets traffic once its /ready answers 200. */
  add(replica: string): void;
  /** Resolves once `replica` (or, without one, any replica) is in rotation. */
  ready(replica?: string): Promise<void>;
  /** Resolves once `replica` is out of rotation. */
  notReady(replica: string): Promise<void>;
  /** Requests the proxy could not complete (502 or cut), by reason. */
  readonly failures: Record<string, number>;
  close(): Promise<void>;
}

interface Replica {
  url: URL;
  ready: boolean;
  /** Failed probes in a row. */
  failed: number;
  agent: Agent;
}

/** Hop-by-hop headers: they describe one connection, not the message, and are not forwarded. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'];

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  for (const name of HOP_BY_HOP) delete copy[name];
  return copy;
}

export async function startReadyProxy(
  options: { probeMs?: number; failureThreshold?: number } = {},
): Promise<ReadyProxy> {
  const probeMs = options.probeMs ?? 100;
  const failureThreshold = options.failureThreshold ?? 1;
  const replicas = new Map<string, Replica>();
  const failures: Record<string, number> = {};
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  let turn = 0;

  const fail = (reason: string) => {
    failures[reason] = (failures[reason] ?? 0) + 1;
  };
  const changed = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const pick = (): Replica | undefined => {
    const ready = [...replicas.values()].filter((replica) => replica.ready);
    if (ready.length === 0) return undefined;
    turn = (turn + 1) % ready.length;
    return ready[turn];
  };

  const probe = (replica: Replica) => {
    const outcome = (ready: boolean) => {
      replica.failed = ready ? 0 : replica.failed + 1;
      const inRotation = ready || (replica.ready && replica.failed < failureThreshold);
      if (inRotation !== replica.ready) {
        replica.ready = inRotation;
        changed();
      }
    };
    const probing = request(new URL('/ready', replica.url), { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      outcome(res.statusCode === 200);
    });
    probing.on('timeout', () => probing.destroy());
    probing.on('error', () => outcome(false));
    probing.end();
  };
  const prober = setInterval(() => {
    for (const replica of replicas.values()) probe(replica);
  }, probeMs);

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const replica = pick();
    if (!replica) {
      fail('no ready replica');
      res.writeHead(503).end();
      return;
    }
    const upstream = request(
      new URL(req.url ?? '/', replica.url),
      { method: req.method, headers: forwardable(req.headers), agent: replica.agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        answer.pipe(res);
        // The replica cut the response (reset, or closed before its end): the client sees it cut too.
        answer.once('close', () => {
          if (answer.complete || res.destroyed) return;
          fail('cut mid-response');
          res.destroy();
        });
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return;
      fail(`${error.code ?? 'error'} before the response`);
      res.writeHead(502).end();
    });
    // The client went away: so does the request to the replica (an event stream ends there too).
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server: Server = createServer(forward);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // WebSocket upgrades are tunnelled to one ready replica, bytes both ways, as an L4 balancer would.
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const replica = pick();
    if (!replica) {
      fail('no ready replica');
      client.destroy();
      return;
    }
    const tunnel = connect(Number(replica.url.port), replica.url.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      tunnel.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) tunnel.write(head);
      tunnel.pipe(client);
      client.pipe(tunnel);
    });
    sockets.add(tunnel);
    tunnel.once('close', () => sockets.delete(tunnel));
    tunnel.on('error', () => client.destroy());
    client.on('error', () => tunnel.destroy());
    tunnel.on('close', () => client.destroy());
    client.on('close', () => tunnel.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const until = (condition: () => boolean) =>
    new Promise<void>((resolve) => {
      if (condition()) return resolve();
      const check = () => {
        if (!condition()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  return {
    url: `http://127.0.0.1:${port}`,
    add(replica) {
      const entry: Replica = {
        url: new URL(replica),
        ready: false,
        failed: 0,
        agent: new Agent({ keepAlive: true }),
      };
      replicas.set(replica, entry);
      probe(entry);
    },
    ready: (replica) =>
      until(() =>
        replica ? replicas.get(replica)?.ready === true : [...replicas.values()].some((entry) => entry.ready),
      ),
    notReady: (replica) => until(() => replicas.get(replica)?.ready !== true),
    failures,
    async close() {
      clearInterval(prober);
      for (const replica of replicas.values()) replica.agent.destroy();
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
