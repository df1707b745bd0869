// OpenTelemetry tracing through the real server: the caller's traceparent is the parent of the operation
// span, upstream attempts are its children and carry their own traceparent to the upstream; nothing secret
// lands in an attribute. Then the same spans over real OTLP/HTTP to a loopback receiver that decodes them.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../src/simulator/handler';
import { listenSimulator } from '../src/simulator/server';
import { createTracing } from '../src/tracing';
import { HEADERS_A, startHarness } from './support/gateway';
import { listeningUrl } from './support/process';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const ROUTER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${ROUTER_SPAN}-01`;

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** A loopback OTLP/HTTP collector that keeps what it receives at /v1/traces. */
async function startReceiver() {
  const bodies: { type: string | undefined; body: any }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces')
        bodies.push({
          type: req.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString()),
        });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    bodies,
    spans: () =>
      bodies.flatMap((entry) =>
        entry.body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)),
      ),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('tracing', () => {
  it('continues the caller’s trace: operation span under the caller, upstream attempts under the operation', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ exporter });
    const harness = startHarness({ apiVersion: 'v2', tracing, retries: 1 });
    try {
      harness.sim.failNext('unavailable');
      const result = await harness.query(
        'query Dashboard { jobs(first: 2) { edges { node { jobId } } } }',
        {},
        { ...HEADERS_A, traceparent: TRACEPARENT },
      );
      expect(result.errors).toBeUndefined();
      await tracing.flush();
      const spans = exporter.getFinishedSpans();
      const operation = spans.find((span) => span.name === 'graphql.query Dashboard')!;
      expect(operation.spanContext().traceId).toBe(TRACE_ID);
      expect(parentOf(operation)).toBe(ROUTER_SPAN);
      expect(operation.attributes).toMatchObject({
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'Dashboard',
      });
      const attempts = spans.filter((span) => span.name === 'upstream.list');
      // One failed attempt (503), one retry that succeeded: both children of the operation.
      expect(
        attempts.map((span) => [
          span.attributes['jobs_gateway.retry'],
          span.attributes['jobs_gateway.outcome'],
        ]),
      ).toEqual([
        [0, 'status'],
        [1, 'success'],
      ]);
      for (const attempt of attempts) {
        expect(parentOf(attempt)).toBe(operation.spanContext().spanId);
        expect(attempt.attributes).toMatchObject({
          'http.request.method': 'GET',
          'url.template': '/v2/jobs',
        });
      }
      // The upstream heard the attempt's own span as its parent.
      const sent = harness.sim.recorded.map((call) => call.headers.traceparent);
      expect(sent).toEqual(attempts.map((span) => `00-${TRACE_ID}-${span.spanContext().spanId}-01`));
      // Nothing secret in any attribute.
      const attributes = JSON.stringify(spans.map((span) => span.attributes));
      expect(attributes).not.toContain('demo-api-key');
      expect(attributes).not.toContain('1234567890');
    } finally {
      await harness.close();
      await tracing.shutdown();
    }
  });

  it('exports over OTLP/HTTP to a collector (a loopback receiver here)', async () => {
    const receiver = await startReceiver();
    const tracing = createTracing({ endpoint: receiver.url, serviceName: 'jobs-gateway-test' });
    const harness = startHarness({ apiVersion: 'v1', tracing });
    try {
      await harness.query('{ job(jobId: "x") { jobId } }', {}, { ...HEADERS_A, traceparent: TRACEPARENT });
      await tracing.flush();
      expect(receiver.bodies.length).toBeGreaterThan(0);
      expect(receiver.bodies[0]!.type).toMatch(/application\/json/);
      const resource = receiver.bodies[0]!.body.resourceSpans[0].resource.attributes;
      expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'jobs-gateway-test' } });
      const spans = receiver.spans();
      expect(spans.map((span: any) => span.name).sort()).toEqual(['graphql.query', 'upstream.get']);
      expect(new Set(spans.map((span: any) => span.traceId))).toEqual(new Set([TRACE_ID]));
    } finally {
      await harness.close();
      await tracing.shutdown();
      await receiver.close();
    }
  });

  it('is loaded by the built gateway only when configured, and exports its spans before exiting', async () => {
    // `npm start`'s bundle loads OpenTelemetry lazily (a separate chunk): prove that chunk loads and works.
    const receiver = await startReceiver();
    const upstream = await listenSimulator(createSimulator(), 0, '127.0.0.1');
    const child = spawn(process.execPath, ['dist/main.mjs'], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        VECTARA_API_URL: upstream.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'jobs-gateway-bundle',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await listeningUrl(child);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...HEADERS_A, traceparent: TRACEPARENT },
        body: JSON.stringify({ query: '{ jobs(first: 1) { edges { node { jobId } } } }' }),
      });
      expect(response.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const spans = receiver.spans();
      expect(spans.map((span: any) => span.name).sort()).toEqual(['graphql.query', 'upstream.list']);
      expect(new Set(spans.map((span: any) => span.traceId))).toEqual(new Set([TRACE_ID]));
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
      await receiver.close();
    }
  });
});
