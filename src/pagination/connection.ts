// Builds a Relay connection of jobs from the upstream's key-based pages (SPEC §4): one upstream page per
// GraphQL page when pages are full, following keys to fill short pages, ending on an empty key or an empty
// page. See cursor.ts for what a cursor holds.
import type { Job, JobState, ListJobsPage, ListJobsQuery } from '../upstream/model';
import { type CursorCodec, filterFingerprint, type PageRef } from './cursor';

/**
 * The most upstream calls one connection field makes. A GraphQL page normally costs exactly one call;
 * more are only made to fill pages the upstream returned short while still giving a next key.
 */
export const MAX_UPSTREAM_CALLS_PER_FIELD = 10;

export interface JobFilter {
  corpusKeys?: readonly string[];
  states: readonly JobState[];
  createdAfter?: number;
}

export interface JobEdgeShape {
  cursor: string;
  node: Job;
}

export interface JobConnectionShape {
  edges: JobEdgeShape[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

export interface ConnectionRequest {
  filter: JobFilter;
  first: number;
  after?: string | null;
  codec: CursorCodec;
  credentialPrint: string;
  fetchPage: (query: ListJobsQuery) => Promise<ListJobsPage>;
}

export async function resolveJobConnection(request: ConnectionRequest): Promise<JobConnectionShape> {
  const { filter, first, codec, credentialPrint } = request;
  const filterPrint = filterFingerprint(filter);
  const position =
    request.after !== undefined && request.after !== null
      ? codec.decode(request.after, filterPrint, credentialPrint)
      : ({ mode: 's', pageSize: first, skip: 0 } as const);
  const edges: JobEdgeShape[] = [];
  if (position.mode === 'e') return connection(edges, false);

  let ref: PageRef =
    position.mode === 's'
      ? { mode: 's', pageSize: position.pageSize }
      : { mode: 'k', pageSize: position.pageSize, pageKey: position.pageKey };
  let skip = position.skip;
  for (let calls = 1; ; calls++) {
    const page = await request.fetchPage(
      ref.mode === 's'
        ? { ...filter, pageSize: ref.pageSize }
        : // The key continues the same listing: v2 wants every filter again beside it (v1 ignores them).
          { ...filter, pageSize: ref.pageSize, pageKey: ref.pageKey },
    );
    const jobs = page.jobs;
    const take = jobs.slice(skip, skip + (first - edges.length));
    const cursorAt = codec.forPage(filterPrint, credentialPrint, ref);
    // A key equal to the one just used would loop forever: treat it as the end.
    const looping = ref.mode === 'k' && page.pageKey === ref.pageKey;
    const next: PageRef | null =
      page.pageKey && !looping ? { mode: 'k', pageSize: ref.pageSize, pageKey: page.pageKey } : null;
    let afterPage: string | undefined;
    take.forEach((node, index) => {
      const consumed = skip + index + 1;
      let cursor: string;
      if (consumed < jobs.length) cursor = cursorAt(consumed);
      else {
        afterPage ??= next
          ? codec.forPage(filterPrint, credentialPrint, next)(0)
          : codec.endCursor(filterPrint, credentialPrint);
        cursor = afterPage;
      }
      edges.push({ cursor, node });
    });
    const consumedTo = skip + take.length;
    const listEnded = !next || jobs.length === 0;
    if (edges.length >= first) return connection(edges, consumedTo < jobs.length || !listEnded);
    if (listEnded) return connection(edges, false);
    if (calls >= MAX_UPSTREAM_CALLS_PER_FIELD) return connection(edges, true);
    ref = next;
    skip = 0;
  }
}

export function connection(edges: JobEdgeShape[], hasNextPage: boolean): JobConnectionShape {
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
