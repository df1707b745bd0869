// What the simulator's two API versions share: the context a route serves a request in, the route shape
// (its path, its answers to faults and bad knobs), and the selection and paging of jobs.
import { type Account, compareJobs, type JobSnapshot, type SimJob, snapshotAt } from './dataset';
import type { Fault, FaultSettings, Quirk } from './faults';

export interface RouteContext {
  request: Request;
  url: URL;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The JSON body (or its text when not JSON); undefined without one. */
  body: unknown;
  quirks: Quirk[];
  settings: FaultSettings;
  nowSecs: number;
  /** The account of the request's x-api-key or bearer token. */
  authenticate(): Account | 'missing' | 'invalid';
  /** A customer's jobs in upstream order (the live list). */
  jobsOf(customerId: string): readonly SimJob[];
  /** A fresh 32-hex request id (v2 error bodies carry one). */
  requestId(): string;
}

export interface Routes {
  handles(url: URL): boolean;
  serve(context: RouteContext): Response | Promise<Response>;
  /** This version's answer to an injected fault (resets and hangs are the transport's). */
  fault(fault: Exclude<Fault, 'reset' | 'hang'>, context: RouteContext): Response;
  notFound(path: string, context: RouteContext): Response;
  /** A bad per-request knob value, reported as this version reports bad input. */
  badKnob(message: string, context: RouteContext): Response;
}

/** The jobs visible now that pass `keep`, after position `after`, in upstream order. */
export function selectJobs(
  jobs: readonly SimJob[],
  nowSecs: number,
  after: [number, string] | undefined,
  keep: (job: SimJob, state: JobSnapshot['state']) => boolean,
): SimJob[] {
  return jobs.filter((job) => {
    if (after && compareJobs(job, { createdAt: after[0], id: after[1] } as SimJob) <= 0) return false;
    const snapshot = snapshotAt(job, nowSecs);
    return snapshot !== undefined && keep(job, snapshot.state);
  });
}

/** One page of `matches`, honouring the paging quirks; `more` says whether a key should follow. */
export function paginate(
  matches: SimJob[],
  pageSize: number,
  quirks: Quirk[],
): { page: SimJob[]; more: boolean } {
  const size =
    quirks.includes('short-pages') && matches.length > pageSize ? Math.ceil(pageSize / 2) : pageSize;
  const page = matches.slice(0, size);
  const more = matches.length > page.length || (quirks.includes('trailing-empty-page') && page.length > 0);
  return { page, more };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function html(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/html' } });
}

/** The faults that come from something in front of the upstream (a proxy, a broken server): the same for
 * every API version. Undefined for the faults each version answers in its own error shape. */
export function transportFault(fault: Fault): Response | undefined {
  switch (fault) {
    case 'bad-gateway':
      return html(502, '<html><body><h1>502 Bad Gateway</h1></body></html>');
    case 'html-500':
      return html(500, '<html><body><h1>500 Internal Server Error</h1></body></html>');
    case 'not-json':
      return new Response('OK', { status: 200, headers: { 'content-type': 'text/plain' } });
    default:
      return undefined;
  }
}
