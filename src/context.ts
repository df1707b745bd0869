// The per-request context: the caller's credentials (never stored beyond the request), the request's
// cancellation signal and id, the upstream call bound to both, and fresh loaders.

import { randomUUID } from 'node:crypto';
import type { YogaInitialContext } from 'graphql-yoga';
import { credentialsFrom, type Fingerprinter, quotaKeysOf } from './credentials';
import { missingCredentials, missingCustomerId, toGraphQLError } from './errors';
import { createLoaders, type Loaders } from './loaders';
import type { Logger } from './logger';
import type { CursorCodec } from './pagination/cursor';
import { BUDGET, budgetError } from './plugins/budget';
import type { CallOptions, Credentials, UpstreamClient } from './upstream/client';
import type { Job, ListJobsPage, ListJobsQuery, UpstreamCapabilities } from './upstream/model';
import type { JobWatcher } from './watch/job-watcher';
import type { ListWatcher } from './watch/list-watcher';

export interface GatewayContext {
  credentials: Credentials | null;
  /**
   * The operation's trace context when tracing is on: tracing.ts sets `current` (a holder, so that it is
   * shared by every copy Yoga makes of the context); upstream spans are its children.
   */
  trace: { current?: unknown };
  /** Keyed hash of the credentials ('' when there are none): partitions cursors and shared polls. */
  credentialPrint: string;
  /** Fingerprints of each credential header, for per-credential limits (computed on demand). */
  quotaKeys(): string[];
  requestId: string;
  signal: AbortSignal;
  now: () => number;
  cursors: CursorCodec;
  logger: Logger;
  loaders: Loaders;
  watcher: JobWatcher;
  /** The shared live-list polls of `jobsChanged`. */
  listWatcher: ListWatcher;
  /** What the configured upstream API version accepts (validation without knowing the version). */
  capabilities: UpstreamCapabilities;
  /** One upstream call with this request's credentials; UNAUTHENTICATED without any. */
  listJobs(query: ListJobsQuery): Promise<ListJobsPage>;
  /** One job by id (null when the upstream has none), with this request's credentials. */
  getJob(jobId: string): Promise<Job | null>;
}

export interface ContextDeps {
  upstream: UpstreamClient;
  fingerprint: Fingerprinter;
  cursors: CursorCodec;
  now: () => number;
  logger: Logger;
  watcher: JobWatcher;
  listWatcher: ListWatcher;
  fallbackCustomerId?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createContextFactory(deps: ContextDeps) {
  return (initial: YogaInitialContext): GatewayContext => {
    const { request } = initial;
    const credentials = credentialsFrom(request.headers, deps.fallbackCustomerId);
    const incomingId = request.headers.get('x-request-id');
    const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const signal = request.signal;
    let upstreamCalls = 0;
    const credentialPrint = credentials ? deps.fingerprint(credentials) : '';
    const trace: { current?: unknown } = {};
    /** Every upstream call of the request: credentials, budget, cancellation and error mapping. */
    const call = async <T>(run: (options: CallOptions) => Promise<T>): Promise<T> => {
      if (!credentials) throw missingCredentials();
      if (deps.upstream.capabilities.requiresCustomerId && credentials.customerId === undefined) {
        throw missingCustomerId(deps.upstream.capabilities.name);
      }
      // The run-time half of the request budget (plugins/budget.ts): fills and fallbacks included.
      if (++upstreamCalls > BUDGET.maxUpstreamCalls) {
        throw budgetError(
          'upstream-calls',
          `This request needed more than ${BUDGET.maxUpstreamCalls} upstream calls; the rest were not made. Split it into smaller requests.`,
        );
      }
      try {
        return await run({ credentials, signal, requestId, tenant: credentialPrint, trace: trace.current });
      } catch (error) {
        throw toGraphQLError(error);
      }
    };
    const listJobs = (query: ListJobsQuery) => call((options) => deps.upstream.listJobs(query, options));
    const getJob = (jobId: string) => call((options) => deps.upstream.getJob(jobId, options));
    return {
      credentials,
      credentialPrint,
      trace,
      quotaKeys: () => (credentials ? quotaKeysOf(deps.fingerprint, credentials) : []),
      requestId,
      signal,
      now: deps.now,
      cursors: deps.cursors,
      logger: deps.logger,
      loaders: createLoaders({ listJobs, getJob, codec: deps.cursors, credentialPrint }),
      watcher: deps.watcher,
      listWatcher: deps.listWatcher,
      capabilities: deps.upstream.capabilities,
      listJobs,
      getJob,
    };
  };
}
