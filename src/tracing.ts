// OpenTelemetry tracing, opt-in (main.ts turns it on when OTEL_EXPORTER_OTLP_ENDPOINT is set): a span per
// GraphQL operation, child of the caller's W3C `traceparent` (a router's, a browser's), and a span per
// upstream attempt, child of the operation, whose context goes to the upstream as `traceparent`. Spans carry
// the operation's type and (bounded) name, the request id, HTTP method, URL template, status, retry number and
// outcome — never credentials, variables or query strings. The provider is this gateway's own (not the
// process-global one), exported over OTLP/HTTP in batches, or to any exporter a test passes in.
import {
  type Context,
  context as contextApi,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from './context';
import type { AttemptTracer } from './upstream/client';

export interface TracingOptions {
  /** OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `<endpoint>/v1/traces`. */
  endpoint?: string;
  /** Any exporter instead (tests: the SDK's InMemorySpanExporter); spans are then exported one by one. */
  exporter?: SpanExporter;
  serviceName?: string;
}

export interface Tracing {
  /** The Yoga plugin: a span per operation, with the caller's trace as parent. */
  plugin: Plugin<GatewayContext>;
  /** Spans for upstream attempts (given to the upstream client). */
  attempts: AttemptTracer;
  /** Exports what is pending (graceful shutdown, tests). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const MAX_NAME = 64;
const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
  keys: (carrier: Headers) => [...carrier.keys()],
};
const recordSetter = {
  set: (carrier: Record<string, string>, key: string, value: string) => {
    carrier[key] = value;
  },
};

export function createTracing(options: TracingOptions): Tracing {
  const exporter =
    options.exporter ??
    new OTLPTraceExporter({ url: `${(options.endpoint ?? '').replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'jobs-gateway' }),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('jobs-gateway');

  const finish = (span: Span, errors: readonly { extensions?: Record<string, unknown> }[]) => {
    span.setAttribute('graphql.error.count', errors.length);
    if (errors.length > 0) {
      const codes = [
        ...new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'))),
      ];
      span.setAttribute('graphql.error.codes', codes.slice(0, 10));
      span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',').slice(0, 200) });
    }
    span.end();
  };

  const operationSpan = (args: {
    contextValue: unknown;
    operationName?: string | null;
    document: { definitions: readonly { kind: string; operation?: string; name?: { value: string } }[] };
  }) => {
    const gateway = args.contextValue as GatewayContext & { request?: Request };
    const operation = args.document.definitions.find(
      (definition) => definition.kind === 'OperationDefinition',
    );
    const type = operation?.operation ?? 'query';
    const name = (args.operationName ?? operation?.name?.value ?? '').slice(0, MAX_NAME);
    const parent = gateway.request
      ? propagator.extract(ROOT_CONTEXT, gateway.request.headers, headerGetter)
      : ROOT_CONTEXT;
    const span = tracer.startSpan(
      `graphql.${type}${name ? ` ${name}` : ''}`,
      {
        attributes: {
          'graphql.operation.type': type,
          ...(name ? { 'graphql.operation.name': name } : {}),
          'jobs_gateway.request_id': gateway.requestId,
        },
      },
      parent,
    );
    gateway.trace.current = trace.setSpan(parent, span);
    return span;
  };

  const plugin: Plugin<GatewayContext> = {
    onExecute({ args }) {
      const span = operationSpan(args as never);
      return {
        onExecuteDone({ result }) {
          finish(span, 'errors' in result && Array.isArray(result.errors) ? result.errors : []);
        },
      };
    },
    onSubscribe({ args }) {
      const span = operationSpan(args as never);
      return {
        onSubscribeResult({ result }) {
          // The span covers setting the subscription up; its polls are spans of their own.
          finish(span, 'errors' in result && Array.isArray(result.errors) ? result.errors : []);
        },
      };
    },
  };

  const attempts: AttemptTracer = {
    start({ operation, method, urlTemplate, host, retry, parent }) {
      const parentContext = (parent as Context | undefined) ?? contextApi.active();
      const span = tracer.startSpan(
        `upstream.${operation}`,
        {
          kind: 2, // SpanKind.CLIENT
          attributes: {
            'http.request.method': method,
            'url.template': urlTemplate,
            'server.address': host,
            'jobs_gateway.retry': retry,
          },
        },
        parentContext,
      );
      const headers: Record<string, string> = {};
      propagator.inject(trace.setSpan(parentContext, span), headers, recordSetter);
      return {
        headers,
        end(outcome, httpStatus) {
          span.setAttribute('jobs_gateway.outcome', outcome);
          if (httpStatus !== undefined) span.setAttribute('http.response.status_code', httpStatus);
          if (outcome !== 'success') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
          span.end();
        },
      };
    },
  };

  return {
    plugin,
    attempts,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
