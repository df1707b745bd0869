// createGateway(deps) → the Yoga server with its plugins, masking and per-request context. No listening
// here (main.ts does that), so tests drive the real server through `yoga.fetch` with no port.
import { useGraphQlJit } from '@envelop/graphql-jit';
import { createYoga, useExecutionCancellation, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from './config';
import { type ContextDeps, createContextFactory, type GatewayContext } from './context';
import { createFingerprinter } from './credentials';
import { type Logger, silentLogger } from './logger';
import { createMetrics, type GatewayMetrics, useGatewayPrometheus } from './metrics';
import { createCursorCodec } from './pagination/cursor';
import { useBodyLimit } from './plugins/body-limit';
import { type CorsPolicy, createCorsPolicy } from './plugins/cors';
import { createDocumentCache } from './plugins/document-cache';
import { useFederationSdlOff } from './plugins/federation-sdl';
import { useGraphiQLOffPage } from './plugins/graphiql-off';
import { useInputErrorCodes } from './plugins/input-errors';
import { LIMITS, limitPlugins } from './plugins/limits';
import { useNotAcceptableExplained } from './plugins/not-acceptable';
import {
  checkManifest,
  createPersistedDocuments,
  type PersistedDocuments,
} from './plugins/persisted-documents';

import { useReadiness } from './plugins/readiness';
import { useRequestLog } from './plugins/request-log';
import { useGraphQLStream } from './plugins/sse-stream';
import { useStreamDrain } from './plugins/stream-drain';
import { schema } from './schema/index';
import type { Tracing } from './tracing';
import { type CircuitBreaker, createCircuitBreaker } from './upstream/breaker';
import {
  type CallOptions,
  createUpstreamClient,
  type FetchLike,
  type UpstreamClient,
} from './upstream/client';
import { redact } from './upstream/errors';
import type { Job } from './upstream/model';
import { createCallSharing } from './upstream/sharing';
import { createUndiciTransport } from './upstream/transport';
import { type ApiVersion, createAdapter } from './upstream/versions';
import type { WatchCoordinator } from './watch/coordinator';
import { createJobWatcher, type JobWatcher, type Scheduler } from './watch/job-watcher';
import { createListWatcher, type ListWatcher } from './watch/list-watcher';
import { createSubscriptionCaps } from './watch/subscription-caps';

export interface GatewayOptions {
  upstreamUrl: string;
  /** The upstream API version spoken (default v2, the live API). */
  apiVersion?: ApiVersion;
  /** Transport to the upstream; defaults to undici on a pooled keep-alive Agent. */
  fetch?: FetchLike;
  timeoutMs?: number;
  attemptTimeoutMs?: number;
  retries?: number;
  pollIntervalMs?: number;
  fallbackCustomerId?: string;
  graphiql?: boolean;
  /** Headers pre-filled in GraphiQL's header editor (the demo uses its demo account). */
  graphiqlHeaders?: Record<string, string>;
  introspection?: boolean;
  /** `_service { sdl }` answers (default true); false refuses it on every transport (plugins/federation-sdl.ts). */
  federationSdl?: boolean;
  logger?: Logger;
  now?: () => number;
  random?: () => number;
  scheduler?: Scheduler;
  /** Secrets for cursor tags and credential fingerprints; random per process when absent. */
  cursorSecret?: Uint8Array;
  /** Circuit breaker tuning (see upstream/breaker.ts): window, minimum calls, failure ratio, open time. */
  breaker?: {
    windowSize?: number;
    minimumCalls?: number;
    failureRatio?: number;
    openMs?: number;
    minimumTenants?: number;
  };
  /** Persisted documents by sha256 id (a codegen manifest); APQ registrations work without any. */
  persistedDocuments?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Trusted documents: only `persistedDocuments` run, on every transport (default false). */
  persistedDocumentsOnly?: boolean;
  /** Documents automatic persisted queries may register (LRU; default 1000; 0: none). */
  persistedQueriesMax?: number;
  /** Browser origins allowed by CORS (never with credentials); empty or absent: CORS off. */
  corsOrigins?: readonly string[];
  /** Request headers allowed cross-origin besides the defaults (plugins/cors.ts). */
  corsAllowHeaders?: readonly string[];
  /** Prometheus metrics at /metrics (default on); false turns them off. */
  metrics?: boolean;
  /** Largest upstream response body read (default 16 MiB); a larger one is UPSTREAM_ERROR. */
  maxUpstreamBodyBytes?: number;
  /** Open jobUpdated + jobsChanged subscriptions per credential and in total (subscription-caps.ts). */
  subscriptions?: { perCredential?: number; total?: number };
  /** Reserved /graphql/stream streams (in all, per credential, without credentials) and how long one may wait for its event stream. */
  streams?: {
    maxReservations?: number;
    perCredential?: number;
    anonymous?: number;
    reservationTtlMs?: number;
  };
  /** Fleet-wide job watching (watch/redis-coordinator.ts); each replica polls alone when absent. */
  coordinator?: WatchCoordinator;
  /** Reuse an upstream answer for this long per credential (RESPONSE_CACHE_TTL_MS; default 0: in-flight sharing only). */
  responseCacheTtlMs?: number;
  /** Identical upstream calls of one credential in flight share one call (UPSTREAM_CALL_SHARING; default true). */
  shareCallsInFlight?: boolean;
  /** OpenTelemetry tracing (tracing.ts); off when absent. */
  tracing?: Tracing;
  /** Max sockets to the upstream (undici pool; default 128). */
  upstreamConnections?: number;
  /** Upstream calls of one credential at once (default 32): no tenant takes the whole pool. */
  upstreamConcurrencyPerCredential?: number;
  /** Compile queries with graphql-jit (default on; subscriptions always use the standard executor). */
  jit?: boolean;
  /** The wait between upstream retries (tests inject one to check delays without waiting). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  upstream: UpstreamClient;
  watcher: JobWatcher;
  /** The live-list polls of jobsChanged. */
  listWatcher: ListWatcher;
  breaker: CircuitBreaker;
  metrics: GatewayMetrics | undefined;
  /** Persisted documents: what graphql-ws and graphql-sse operations resolve their document with. */
  persisted: PersistedDocuments;
  /** The origin policy, also for the WebSocket upgrade. */
  cors: CorsPolicy;
  /** The first step of a graceful shutdown (lifecycle.ts): /ready answers 503; everything is still served. */
  announceDrain(): void;
  /**
   * Ends every event stream as SPEC §5 says (SSE and /graphql/stream without `complete`, so that clients
   * subscribe again elsewhere) and refuses new ones; /ready answers 503; requests in flight go on.
   */
  drain(): void;
  /** Drains, ends every watch left (jobUpdated, jobsChanged: SHUTTING_DOWN), then releases upstream sockets. */
  close(): Promise<void>;
}

export const DEFAULT_QUERY = `# jobs-gateway: Vectara background jobs over GraphQL.
# Credentials: set x-api-key (or Authorization: Bearer …) in the Headers tab below (plus customer-id on Vectara API v1).
# Next page: copy pageInfo.endCursor into $after. Watch a job: subscription { jobUpdated(jobId: "…") { state } }
# Live list of running jobs: subscription { jobsChanged { snapshot removedJobIds jobs { jobId state } } }

query JobsPage($first: Int = 10, $after: String) {
  jobs(first: $first, after: $after, filter: { states: [QUEUED, STARTED, COMPLETED, FAILED, ABORTED] }) {
    edges {
      cursor
      node {
        id
        jobId
        type
        state
        isTerminal
        corpusKeys
        createdAt
        startedAt
        completedAt
        userHandle
        comment
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`;

/** The gateway settings that come from the environment (main.ts and the demo share them). */
export function gatewayOptionsFrom(config: Config): Omit<GatewayOptions, 'upstreamUrl'> {
  return {
    apiVersion: config.apiVersion,
    timeoutMs: config.upstreamTimeoutMs,
    retries: config.upstreamRetries,
    pollIntervalMs: config.jobPollIntervalMs,
    fallbackCustomerId: config.vectaraCustomerId,
    graphiql: config.graphiql,
    introspection: config.introspection,
    federationSdl: config.federationSdl,
    cursorSecret: config.cursorSecret ? Buffer.from(config.cursorSecret, 'utf8') : undefined,
    corsOrigins: config.corsOrigins,
    corsAllowHeaders: config.corsAllowHeaders,
    persistedDocuments: config.persistedDocuments.documents,
    persistedDocumentsOnly: config.persistedDocuments.only,
    persistedQueriesMax: config.persistedDocuments.maxRegistered,
    subscriptions: config.subscriptions,
    breaker: config.breaker,
    upstreamConcurrencyPerCredential: config.upstreamConcurrencyPerCredential,
    responseCacheTtlMs: config.responseCacheTtlMs,
    shareCallsInFlight: config.shareCallsInFlight,
  };
}

export function createGateway(options: GatewayOptions): Gateway {
  const logger = options.logger ?? silentLogger;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const transport = options.fetch
    ? undefined
    : createUndiciTransport({
        connections: options.upstreamConnections,
        socketTimeoutMs: timeoutMs + 1000,
        maxBodyBytes: options.maxUpstreamBodyBytes,
      });
  const metrics = options.metrics === false ? undefined : createMetrics();
  const breaker = createCircuitBreaker({
    ...options.breaker,
    now: options.now,
    onChange: (state) => logger.warn({ state }, 'upstream circuit breaker changed state'),
  });
  const upstream = logUnknownEnums(
    logger,
    createUpstreamClient({
      adapter: createAdapter(options.apiVersion ?? 'v2'),
      baseUrl: options.upstreamUrl,
      fetch: options.fetch ?? (transport as NonNullable<typeof transport>).fetch,
      timeoutMs,
      attemptTimeoutMs: options.attemptTimeoutMs,
      retries: options.retries ?? 2,
      now: options.now,
      random: options.random,
      guard: breaker,
      sleep: options.sleep,
      maxBodyBytes: options.maxUpstreamBodyBytes,
      maxConcurrentPerTenant: options.upstreamConcurrencyPerCredential ?? 32,
      tracer: options.tracing?.attempts,
      sharing: createCallSharing({
        ttlMs: options.responseCacheTtlMs ?? 0,
        now: options.now,
        inFlight: options.shareCallsInFlight,
      }),
      onAttempt: (event) => {
        metrics?.recordAttempt(event);
        if (event.outcome !== 'success') logger.warn(event, 'upstream call failed');
      },
    }),
  );
  // One count of open subscriptions for jobUpdated and jobsChanged together.
  const caps = createSubscriptionCaps(options.subscriptions);
  const watcher = createJobWatcher({
    upstream,
    intervalMs: options.pollIntervalMs ?? 2000,
    scheduler: options.scheduler,
    logger,
    caps,
    coordinator: options.coordinator,
  });
  const cursors = createCursorCodec(options.cursorSecret);
  const listWatcher = createListWatcher({
    upstream,
    cursors,
    intervalMs: options.pollIntervalMs ?? 2000,
    scheduler: options.scheduler,
    logger,
    caps,
    coordinator: options.coordinator,
    onEvent: (kind) => metrics?.recordListEvent(kind),
  });
  const contextDeps: ContextDeps = {
    upstream,
    watcher,
    listWatcher,
    fingerprint: createFingerprinter(options.cursorSecret),
    cursors,
    now: options.now ?? Date.now,
    logger,
    fallbackCustomerId: options.fallbackCustomerId,
  };
  metrics?.observe({
    breaker: () => breaker.state(),
    subscribers: () => watcher.activeSubscribers,
    pollLoops: () => watcher.activeLoops,
    refusedSubscriptions: () => watcher.refusedSubscriptions + listWatcher.refusedSubscriptions,
    coordinated: options.coordinator ? () => options.coordinator?.coordinated ?? false : undefined,
    liveLists: { loops: () => listWatcher.activeLoops, subscribers: () => listWatcher.activeSubscribers },
  });

  let draining = false;
  const streamDrain = useStreamDrain();
  const manifest = new Map(
    options.persistedDocuments instanceof Map
      ? options.persistedDocuments
      : Object.entries(options.persistedDocuments ?? {}),
  );
  checkManifest(manifest, schema);
  const cors = createCorsPolicy({
    origins: options.corsOrigins ?? [],
    allowHeaders: options.corsAllowHeaders,
    logger,
  });
  const persisted = createPersistedDocuments({
    documents: manifest,
    only: options.persistedDocumentsOnly ?? false,
    maxRegistered: options.persistedQueriesMax ?? 1000,
    federationSdl: options.federationSdl !== false,
  });
  const stream = useGraphQLStream({
    maxBodyBytes: LIMITS.maxBodyBytes,
    resolveDocument: (params) => persisted.resolve(params),
    ...options.streams,
  });
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    context: createContextFactory(contextDeps),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // GraphQL-over-HTTP's persisted document id (plugins/persisted-documents.ts).
    extraParamNames: ['documentId'],
    // Unexpected errors become "Unexpected error." whatever NODE_ENV says (no stack or message leaks).
    maskedErrors: { isDev: false },
    logging: logger,
    batching: false,
    // The body limit is useBodyLimit's (plugins/body-limit.ts): the same 413 without a stream per request.
    maxRequestBodySize: false,
    // Parsed documents are cached only for query texts of a sane size (see document-cache.ts).
    parserAndValidationCache: { documentCache: createDocumentCache(), errorCache: createDocumentCache() },
    // CORS is plugins/cors.ts's (the same origin policy serves the WebSocket upgrade).
    cors: false,
    plugins: [
      // First: a preflight is answered (or refused, saying why) before anything else looks at it.
      cors.plugin,
      useNotAcceptableExplained(),
      // A client that goes away stops its resolvers, upstream calls and streams.
      useExecutionCancellation(),
      ...persisted.plugins,
      ...limitPlugins({ introspection: options.introspection !== false }),
      useBodyLimit(LIMITS.maxBodyBytes),
      ...(options.federationSdl === false ? [useFederationSdlOff()] : []),
      useInputErrorCodes(),
      ...(options.tracing ? [options.tracing.plugin] : []),
      ...(options.jit === false
        ? []
        : [
            useGraphQlJit(
              // (graphql-jit's customJSONSerializer cannot describe the DateTime scalar: JSON.stringify stays.)
              {},
              {
                enableIf: (args) =>
                  !args.document.definitions.some(
                    (definition) =>
                      definition.kind === 'OperationDefinition' && definition.operation === 'subscription',
                  ),
              },
            ),
          ]),
      // graphql-sse's "single connection mode" at /graphql/stream; "distinct connections" is Yoga's own SSE.
      stream,
      // Every event stream (both of the above) can be ended without `complete` on shutdown.
      streamDrain,
      // Ready = this process can take traffic: not while draining. Not tied to the upstream's health: a
      // breaker-driven readiness would take every replica out of the load balancer at once during an
      // upstream blip (the breaker's state is in /metrics).
      useReadiness(() => (draining ? 'draining' : undefined)),
      ...(options.graphiql === false || options.introspection === false ? [useGraphiQLOffPage()] : []),
      ...(metrics ? [useGatewayPrometheus(metrics)] : []),
      useRequestLog(logger),
    ],
    // GraphiQL from a local bundle (no CDN: works offline and behind strict CSPs), loaded on first view.
    renderGraphiQL: async (graphiqlOptions) =>
      (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiqlOptions),
    graphiql:
      options.graphiql === false || options.introspection === false
        ? false
        : {
            title: 'jobs-gateway',
            defaultQuery: DEFAULT_QUERY,
            headers: JSON.stringify(options.graphiqlHeaders ?? {}, null, 2),
            shouldPersistHeaders: false,
          },
  });

  return {
    yoga,
    upstream,
    watcher,
    listWatcher,
    breaker,
    metrics,
    persisted,
    cors,
    announceDrain() {
      draining = true;
    },
    drain() {
      draining = true;
      // Event streams end without `complete` (clients subscribe again); their watches end with them.
      streamDrain.end();
      stream.drain();
    },
    async close() {
      this.drain();
      // Whatever watch is left (no transport ends it any more) ends with SHUTTING_DOWN, not completion.
      watcher.close();
      listWatcher.close();
      await transport?.close();
    },
  };
}

/** Distinct unknown enum values logged per page (each already cut to 64 characters by the decoder). */
const MAX_LOGGED_ENUMS = 10;

/** Unknown upstream enum values become UNKNOWN (SPEC §3) and are logged, once per answer, bounded and redacted. */
function logUnknownEnums(logger: Logger, client: UpstreamClient): UpstreamClient {
  const report = (jobs: readonly Job[], call: CallOptions) => {
    const unknown = new Set<string>();
    for (const job of jobs) {
      if (!job.unknownEnums) continue;
      for (const value of job.unknownEnums) {
        if (unknown.size < MAX_LOGGED_ENUMS) unknown.add(value);
      }
    }
    if (unknown.size === 0) return;
    const secrets = [call.credentials.apiKey, call.credentials.authorization];
    logger.warn(
      { requestId: call.requestId, values: [...unknown].map((value) => redact(value, secrets)) },
      'unknown upstream enum values mapped to UNKNOWN',
    );
  };
  return {
    capabilities: client.capabilities,
    invalidate: (tenant) => client.invalidate(tenant),
    async listJobs(query, call) {
      const page = await client.listJobs(query, call);
      report(page.jobs, call);
      return page;
    },
    async getJob(jobId, call) {
      const job = await client.getJob(jobId, call);
      if (job) report([job], call);
      return job;
    },
  };
}
