// Prometheus metrics (prom-client), one registry per gateway: GraphQL requests by operation and outcome
// and their latency (Yoga's Prometheus plugin), upstream calls by outcome and status, retries, the
// breaker's state, active subscriptions and live job lists. Served at /metrics.
import { createCounter, createHistogram, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { Counter, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics, sampledGauge } from './process-metrics';
import type { BreakerState } from './upstream/breaker';
import type { AttemptEvent } from './upstream/client';
import type { ListEventKind } from './watch/list-watcher';

export interface GatewayMetrics {
  registry: Registry;
  recordAttempt(event: AttemptEvent): void;
  /** Sampled at scrape time. */
  observe(sources: {
    breaker: () => BreakerState;
    subscribers: () => number;
    pollLoops: () => number;
    refusedSubscriptions: () => number;
    /** With REDIS_URL: whether job watches are coordinated across replicas right now. */
    coordinated?: () => boolean;
    /** Live job lists (jobsChanged): running poll loops and open subscriptions. */
    liveLists?: { loops: () => number; subscribers: () => number };
  }): void;
  /** One event sent to a jobsChanged subscriber. */
  recordListEvent(kind: ListEventKind): void;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) registerProcessMetrics(registry, 'jobs_gateway_');
  const calls = new Counter({
    name: 'jobs_gateway_upstream_calls_total',
    help: 'Upstream ListJobs attempts by outcome (success, status, http, payload, network, timeout, aborted, circuit-open) and HTTP status.',
    labelNames: ['outcome', 'status'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'jobs_gateway_upstream_retries_total',
    help: 'Upstream attempts that were followed by a retry.',
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'jobs_gateway_upstream_call_duration_seconds',
    help: 'Duration of upstream ListJobs attempts.',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const listEvents = new Counter({
    name: 'jobs_gateway_live_list_events_total',
    help: 'Events sent to jobsChanged subscribers, by kind: snapshot (a whole list), change (a difference), error.',
    labelNames: ['kind'],
    registers: [registry],
  });
  let sources: Parameters<GatewayMetrics['observe']>[0] | undefined;
  const sampled = (name: string, help: string, read: () => number | undefined) =>
    sampledGauge(registry, name, help, read);
  sampled(
    'jobs_gateway_circuit_breaker_state',
    'Upstream circuit breaker: 0 closed, 1 half-open, 2 open.',
    () => (sources ? BREAKER_VALUE[sources.breaker()] : undefined),
  );
  sampled('jobs_gateway_active_subscriptions', 'Open jobUpdated subscriptions.', () =>
    sources?.subscribers(),
  );
  sampled(
    'jobs_gateway_subscriptions_refused',
    'jobUpdated and jobsChanged subscriptions refused by the per-credential or total limit since start.',
    () => sources?.refusedSubscriptions(),
  );
  sampled(
    'jobs_gateway_fleet_coordination',
    'With REDIS_URL: 1 while job watches are coordinated across replicas, 0 while Redis is unreachable (every replica polls for itself).',
    () => {
      const coordinated = sources?.coordinated;
      return coordinated ? (coordinated() ? 1 : 0) : undefined;
    },
  );
  sampled('jobs_gateway_job_poll_loops', 'Running shared poll loops (one per credential and job).', () =>
    sources?.pollLoops(),
  );
  sampled(
    'jobs_gateway_live_list_loops',
    'Running live job list poll loops (jobsChanged: one per credential, filter and `first`).',
    () => sources?.liveLists?.loops(),
  );
  sampled('jobs_gateway_live_list_subscribers', 'Open jobsChanged subscriptions.', () =>
    sources?.liveLists?.subscribers(),
  );
  return {
    registry,
    recordListEvent(kind) {
      listEvents.inc({ kind });
    },
    recordAttempt(event) {
      const outcome = event.outcome;
      calls.inc({ outcome, status: event.httpStatus === undefined ? 'none' : String(event.httpStatus) });
      duration.observe({ outcome }, event.durationMs / 1000);
      if (event.willRetry) retries.inc();
    },
    observe(next) {
      sources = next;
    },
  };
}

/** Distinct operation names kept as label values; later names are counted as `other`. */
export const MAX_OPERATION_LABELS = 100;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD']);

/**
 * Operation names as label values, from a bounded set: clients choose them freely, so the first
 * MAX_OPERATION_LABELS valid names (≤ 64 characters) are kept and every other one becomes `other`.
 */
export function createOperationLabeler(max = MAX_OPERATION_LABELS): (name: string | undefined) => string {
  const seen = new Set<string>();
  return (name) => {
    if (!name || name === 'Anonymous') return 'Anonymous';
    if (seen.has(name)) return name;
    if (!OPERATION_NAME.test(name) || seen.size >= max) return 'other';
    seen.add(name);
    return name;
  };
}

interface LabelParams {
  operationName?: string;
  operationType?: string;
  errorPhase?: string;
}

/**
 * Yoga's Prometheus plugin on our registry: requests by operation, errors by phase, latency. Every label
 * comes from a closed or bounded set (no URL, Host, error path or raw operation name), so no client can
 * grow the registry: see createOperationLabeler.
 */
export function useGatewayPrometheus(metrics: GatewayMetrics) {
  const registry = metrics.registry;
  const operation = createOperationLabeler();
  const labels = (params: LabelParams) => ({
    operationType: params.operationType ?? 'unknown',
    operationName: operation(params.operationName),
  });
  return usePrometheus({
    endpoint: '/metrics',
    registry,
    // Requests by operation, their latency and errors; the per-phase histograms, the summary and the
    // deprecated-field scan are off: they cost more per request than they tell here.
    metrics: {
      graphql_envelop_request: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_request',
          help: 'Counts the amount of GraphQL requests executed through Envelop',
          labelNames: ['operationType', 'operationName'],
        },
        fillLabelsFn: labels,
        phases: ['execute', 'subscribe'],
      }),
      graphql_envelop_request_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_envelop_request_duration',
          help: 'Time spent on running the GraphQL "execute" function',
          labelNames: ['operationType', 'operationName'],
        },
        fillLabelsFn: labels,
        phases: ['execute', 'subscribe'],
      }),
      graphql_envelop_error_result: createCounter({
        registry,
        counter: {
          name: 'graphql_envelop_error_result',
          help: 'Counts the amount of errors reported from all phases',
          labelNames: ['operationType', 'operationName', 'phase'],
        },
        fillLabelsFn: (params: LabelParams) => ({ ...labels(params), phase: params.errorPhase ?? 'unknown' }),
        phases: ['parse', 'validate', 'context', 'execute', 'subscribe'],
      }),
      graphql_yoga_http_duration: createHistogram({
        registry,
        histogram: {
          name: 'graphql_yoga_http_duration',
          help: 'Time spent on HTTP connection',
          labelNames: ['operationType', 'operationName', 'method', 'statusCode'],
        },
        fillLabelsFn: (params: LabelParams & { request: Request; response: Response }) => ({
          ...labels(params),
          method: HTTP_METHODS.has(params.request.method) ? params.request.method : 'other',
          statusCode: params.response.status,
        }),
        phases: ['request'],
      }),
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_execute_resolver: false,
    },
  });
}
