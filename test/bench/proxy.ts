// The floor for any gateway: a plain keep-alive reverse proxy (node:http in, undici pooled Agent out) that
// forwards POST /v1/list-jobs to the upstream unchanged. Benchmark baseline only.
import { Agent, request } from 'undici';
import { serveBaseline } from './baseline-server';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4010';
const port = Number(process.env.PORT ?? 4020);
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'content-length']);

serveBaseline('proxy', port, agent, async (req, received, res) => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  const answer = await request(`${upstream}${req.url}`, {
    method: (req.method ?? 'GET') as 'POST',
    headers,
    body: received.length ? received : undefined,
    dispatcher: agent,
  });
  const body = Buffer.from(await answer.body.arrayBuffer());
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (typeof value === 'string' && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  res.writeHead(answer.statusCode, out);
  res.end(body);
});
