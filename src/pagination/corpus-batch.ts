// Batching `Corpus.jobs` across corpora (federation): when a router asks N corpora for their first page with
// the same arguments, one upstream call lists all N corpora (page size 100), split per corpus in upstream
// order. A corpus whose first page that call does not settle (an incomplete combined list holding no more
// than `first` of its jobs) falls back to its own call. Either way a corpus gets the same jobs and pageInfo;
// only a last edge that has more jobs after it may carry a differently shaped (but equivalent) cursor.
import DataLoader from 'dataloader';
import type { ListJobsPage, ListJobsQuery } from '../upstream/model';
import {
  type ConnectionRequest,
  connection,
  type JobConnectionShape,
  type JobFilter,
  resolveJobConnection,
} from './connection';
import { type CursorCodec, filterFingerprint, filterKey } from './cursor';

/** The largest page the upstream serves; the batched call asks for it. */
export const BATCH_PAGE_SIZE = 100;
/** Corpora in one batched call at most (the upstream's cap; more make several calls). */
export const MAX_CORPORA_PER_CALL = 100;

export interface CorpusJobsRequest {
  corpusKey: string;
  /** Normalised filter without corpora (states, createdAfter). */
  filter: JobFilter;
  first: number;
}

export interface CorpusJobsDeps {
  fetchPage: (query: ListJobsQuery) => Promise<ListJobsPage>;
  codec: CursorCodec;
  credentialPrint: string;
}

export function createCorpusJobsLoader(deps: CorpusJobsDeps) {
  const single = (request: CorpusJobsRequest) =>
    resolveJobConnection({ ...base(deps), filter: corpusFilter(request), first: request.first });

  return new DataLoader<CorpusJobsRequest, JobConnectionShape, string>(
    async (requests) => {
      // Same arguments, at most MAX_CORPORA_PER_CALL corpora per upstream call (the upstream's cap).
      const open = new Map<string, CorpusJobsRequest[]>();
      const groups: CorpusJobsRequest[][] = [];
      for (const request of requests) {
        const key = argumentsKey(request);
        let group = open.get(key);
        if (!group || group.length >= MAX_CORPORA_PER_CALL) {
          group = [];
          open.set(key, group);
          groups.push(group);
        }
        group.push(request);
      }
      const results = new Map<CorpusJobsRequest, JobConnectionShape | Error>();
      await Promise.all(
        groups.map(async (group) => {
          const settle = async (request: CorpusJobsRequest, work: () => Promise<JobConnectionShape>) => {
            try {
              results.set(request, await work());
            } catch (error) {
              results.set(request, error as Error);
            }
          };
          if (group.length === 1) return settle(group[0]!, () => single(group[0]!));
          let page: ListJobsPage | undefined;
          try {
            page = await deps.fetchPage({
              ...group[0]!.filter,
              corpusKeys: group.map((request) => request.corpusKey),
              pageSize: BATCH_PAGE_SIZE,
            });
          } catch (error) {
            for (const request of group) results.set(request, error as Error);
            return;
          }
          const complete = page.pageKey === '';
          await Promise.all(
            group.map((request) => {
              const jobs = page.jobs.filter((job) => job.corpusKeys.includes(request.corpusKey));
              // The batch page is a prefix of the combined list, so it holds a prefix of each corpus's list:
              // that is the corpus's whole list when the batch is complete, and enough for its first page
              // when it holds more than `first` of its jobs (which also proves hasNextPage). Otherwise the
              // corpus needs its own call.
              const enough = complete || jobs.length > request.first;
              return settle(request, async () =>
                enough ? fromListPrefix(jobs, request, deps) : single(request),
              );
            }),
          );
        }),
      );
      return requests.map((request) => results.get(request) as JobConnectionShape | Error);
    },
    {
      cacheKeyFn: (request) => `${request.corpusKey}|${argumentsKey(request)}`,
      // Entities arrive over several promise ticks; collect them for one macrotask before batching.
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    },
  );
}

function base(deps: CorpusJobsDeps): Omit<ConnectionRequest, 'filter' | 'first'> {
  return { codec: deps.codec, credentialPrint: deps.credentialPrint, fetchPage: deps.fetchPage };
}

function corpusFilter(request: CorpusJobsRequest): JobFilter {
  return { ...request.filter, corpusKeys: [request.corpusKey] };
}

function argumentsKey(request: CorpusJobsRequest): string {
  return JSON.stringify([request.first, filterKey(request.filter)]);
}

/**
 * The first page of a corpus from a known prefix of its list (its whole list, or more than `first` of its
 * jobs). Cursors are those of the single-corpus path: the position after edge i is "first page (size
 * `first`), skip i+1"; after the last job of a whole list, the end cursor.
 */
function fromListPrefix(
  jobs: ListJobsPage['jobs'],
  request: CorpusJobsRequest,
  deps: CorpusJobsDeps,
): JobConnectionShape {
  const filterPrint = filterFingerprint(corpusFilter(request));
  const cursorAt = deps.codec.forPage(filterPrint, deps.credentialPrint, {
    mode: 's',
    pageSize: request.first,
  });
  const end = deps.codec.endCursor(filterPrint, deps.credentialPrint);
  const edges = jobs.slice(0, request.first).map((node, index) => ({
    node,
    cursor: index + 1 < jobs.length ? cursorAt(index + 1) : end,
  }));
  return connection(edges, jobs.length > request.first);
}
