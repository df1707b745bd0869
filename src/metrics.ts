// Prometheus metrics (prom-client), one registry per gateway: GraphQL requests by operation and outcome
// and their latency (Yoga's Prometheus plugin), upstream calls by outcome and status, retries, the
// breaker's state and active subscriptions. Served at /metrics.
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from './upstream/breaker';
import type { AttemptEvent } from './upstream/client';

export interface GatewayMetrics {
  registry: Registry;
  recordAttempt(event: AttemptEvent): void;
  /** Sampled at scrape time. */
  observe(sources: { breaker: () => BreakerState; subscribers: () => number; pollLoops: () => number }): void;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function createMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'jobs_gateway_' });
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
  let sources: Parameters<GatewayMetrics['observe']>[0] | undefined;
  new Gauge({
    name: 'jobs_gateway_circuit_breaker_state',
    help: 'Upstream circuit breaker: 0 closed, 1 half-open, 2 open.',
    registers: [registry],
    collect() {
      if (sources) this.set(BREAKER_VALUE[sources.breaker()]);
    },
  });
  new Gauge({
    name: 'jobs_gateway_active_subscriptions',
    help: 'Open jobUpdated subscriptions.',
    registers: [registry],
    collect() {
      if (sources) this.set(sources.subscribers());
    },
  });
  new Gauge({
    name: 'jobs_gateway_job_poll_loops',
    help: 'Running shared poll loops (one per credential and job).',
    registers: [registry],
    collect() {
      if (sources) this.set(sources.pollLoops());
    },
  });
  return {
    registry,
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

/** Yoga's Prometheus plugin on our registry: requests by operation, errors by phase, latency. */
export function useGatewayPrometheus(metrics: GatewayMetrics) {
  return usePrometheus({
    endpoint: '/metrics',
    registry: metrics.registry,
    // Requests by operation, their latency and errors; the per-phase histograms, the summary and the
    // deprecated-field scan are off: they cost more per request than they tell here.
    metrics: {
      graphql_envelop_request: true,
      graphql_envelop_request_duration: true,
      graphql_envelop_error_result: true,
      graphql_yoga_http_duration: true,
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
