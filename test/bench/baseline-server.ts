// The HTTP shell both GraphQL-free baselines (proxy.ts, ceiling.ts) share, so that they differ only in what
// they do with a request: the body read whole, 502 on any failure, long keep-alive, a line once listening,
// and a clean exit on SIGTERM (closing the upstream pool). Benchmark baselines only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Agent } from 'undici';

export function serveBaseline(
  name: string,
  port: number,
  agent: Agent,
  handle: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>,
): void {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      await handle(req, Buffer.concat(chunks), res);
    } catch {
      res.writeHead(502);
      res.end();
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => process.stdout.write(`${name} on ${port}\n`));
  process.once('SIGTERM', () => {
    server.close();
    void agent.close();
    process.exit(0);
  });
}
