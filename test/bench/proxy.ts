// The floor for any gateway: a plain keep-alive reverse proxy (node:http in, undici pooled Agent out) that
// forwards POST /v1/list-jobs to the upstream unchanged. Benchmark baseline only.
import { createServer } from 'node:http';
import { Agent, request } from 'undici';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4010';
const port = Number(process.env.PORT ?? 4020);
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const answer = await request(`${upstream}${req.url}`, {
      method: (req.method ?? 'GET') as 'POST',
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
      dispatcher: agent,
    });
    const body = Buffer.from(await answer.body.arrayBuffer());
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (typeof value === 'string' && !HOP_BY_HOP.has(name)) out[name] = value;
    }
    res.writeHead(answer.statusCode, out);
    res.end(body);
  } catch {
    res.writeHead(502);
    res.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`proxy on ${port}\n`));
process.once('SIGTERM', () => {
  server.close();
  void agent.close();
  process.exit(0);
});
