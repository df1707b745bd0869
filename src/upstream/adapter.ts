// What differs between upstream API versions, behind one interface: how a list or get request is written,
// which headers carry the deadline, how answers and both kinds of errors are decoded. The client
// (client.ts: deadlines, retries, breaker, size bounds, cancellation) is the same for every version.
import type { UpstreamErrorInit } from './errors';
import type { Job, ListJobsPage, ListJobsQuery, UpstreamCapabilities } from './model';

export interface UpstreamRequest {
  /** What the call does (tracing, metrics): a page of a list, or one job. */
  operation: 'list' | 'get';
  /** The path without ids or parameters, e.g. `/v2/jobs/{job_id}` (tracing). */
  urlTemplate: string;
  method: 'GET' | 'POST';
  /** Path and query string, appended to the base URL. */
  path: string;
  /** JSON text, when the request has a body. */
  body?: string;
}

export interface UpstreamAdapter {
  readonly version: 'v1' | 'v2';
  readonly capabilities: UpstreamCapabilities;
  listRequest(query: ListJobsQuery): UpstreamRequest;
  getRequest(jobId: string): UpstreamRequest;
  /** Headers that tell the upstream how long it has (the remaining deadline). */
  deadlineHeaders(remainingMs: number): Record<string, string>;
  /** A successful list answer (2xx JSON object). Throws WirePayloadError when malformed. */
  decodePage(body: Record<string, unknown>): ListJobsPage;
  /** A successful get answer: the job, or null when it is not the one asked for. */
  decodeJob(body: Record<string, unknown>, jobId: string): Job | null;
  /** An error reported inside a 2xx body (v1's `status[]`), or undefined. */
  applicationError(body: Record<string, unknown>, secrets: Secrets): UpstreamErrorInit | undefined;
  /** A non-2xx JSON body in this version's error shape, or undefined when it is not one. */
  httpError(httpStatus: number, body: unknown, secrets: Secrets): UpstreamErrorInit | undefined;
}

/** The caller's credential values, to redact from anything the upstream says. */
export type Secrets = readonly (string | undefined)[];
