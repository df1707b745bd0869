// OpenTelemetry tracing through the real server: the caller's traceparent is the parent of the operation
// span, upstream attempts are its children and carry their own traceparent to the upstream; nothing secret
// lands in an attribute. Then the same spans over real OTLP/HTTP to a loopback receiver that decodes them.
import { createServer } from 'node:http';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createTracing } from '../src/tracing';
import { HEADERS_A, startHarness } from './support/gateway';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const ROUTER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${ROUTER_SPAN}-01`;

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

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
    const bodies: any[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces')
          bodies.push({ type: req.headers['content-type'], body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as { port: number };
    const tracing = createTracing({ endpoint: `http://127.0.0.1:${port}`, serviceName: 'jobs-gateway-test' });
    const harness = startHarness({ apiVersion: 'v1', tracing });
    try {
      await harness.query('{ job(jobId: "x") { jobId } }', {}, { ...HEADERS_A, traceparent: TRACEPARENT });
      await tracing.flush();
      expect(bodies.length).toBeGreaterThan(0);
      expect(bodies[0].type).toMatch(/application\/json/);
      const decoded = bodies.map((entry) => JSON.parse(entry.body));
      const resource = decoded[0].resourceSpans[0].resource.attributes;
      expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'jobs-gateway-test' } });
      const spans = decoded.flatMap((body) =>
        body.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)),
      );
      expect(spans.map((span: any) => span.name).sort()).toEqual(['graphql.query', 'upstream.get']);
      expect(new Set(spans.map((span: any) => span.traceId))).toEqual(new Set([TRACE_ID]));
    } finally {
      await harness.close();
      await tracing.shutdown();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
