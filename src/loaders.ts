// Per-request DataLoaders (created in the context, never shared across requests or credentials):
// - `page`: identical ListJobs calls within an operation (e.g. aliases with the same arguments) share one
//   upstream call; every page it returns primes `job`.
// - `corpusJobs`: first pages of Corpus.jobs for many corpora in one upstream call when possible.
// - `job`: a job by its upstream id, whatever its state (the client's getJob); identical ids are
//   deduplicated, distinct ids become parallel calls (the upstream takes one id per call) with bounded
//   concurrency, and a job already listed in the operation (or in a listing still running) costs nothing.
import DataLoader from 'dataloader';
import type { JobConnectionShape } from './pagination/connection';
import { type CorpusJobsRequest, createCorpusJobsLoader } from './pagination/corpus-batch';
import { type CursorCodec, filterKey } from './pagination/cursor';
import type { Job, ListJobsPage, ListJobsQuery } from './upstream/model';

/** Parallel single-job calls per batch; beyond this they queue. */
export const JOB_FETCH_CONCURRENCY = 8;

export interface Loaders {
  page: DataLoader<ListJobsQuery, ListJobsPage, string>;
  job: DataLoader<string, Job | null>;
  /** First pages of `Corpus.jobs`, batched across corpora (see pagination/corpus-batch.ts). */
  corpusJobs: DataLoader<CorpusJobsRequest, JobConnectionShape, string>;
}

export interface LoaderDeps {
  listJobs: (query: ListJobsQuery) => Promise<ListJobsPage>;
  getJob: (jobId: string) => Promise<Job | null>;
  codec: CursorCodec;
  credentialPrint: string;
}

export function createLoaders({ listJobs, getJob, codec, credentialPrint }: LoaderDeps): Loaders {
  // Jobs seen in this request's listings, and listings still in flight: a job asked for by id while the
  // listing that contains it is running waits for it instead of making its own call.
  const listed = new Map<string, Job>();
  const inFlight = new Set<Promise<unknown>>();

  const job = new DataLoader<string, Job | null>(
    async (ids) => {
      await Promise.allSettled([...inFlight]);
      return mapWithConcurrency(ids, JOB_FETCH_CONCURRENCY, async (jobId) => {
        const known = listed.get(jobId);
        if (known) return known;
        // An empty id would be no filter at all upstream (every job), so it can only mean "no such job".
        if (jobId.trim() === '') return null;
        try {
          return await getJob(jobId);
        } catch (error) {
          return error as Error;
        }
      });
    },
    // One macrotask later than listings, so that listings of the same tick are already in flight.
    { batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );

  const page = new DataLoader<ListJobsQuery, ListJobsPage, string>(
    async (queries) =>
      Promise.all(
        queries.map(async (query) => {
          const call = listJobs(query);
          inFlight.add(call);
          try {
            const result = await call;
            for (const item of result.jobs) listed.set(item.jobId, item);
            return result;
          } catch (error) {
            return error as Error;
          } finally {
            inFlight.delete(call);
          }
        }),
      ),
    { cacheKeyFn: queryKey },
  );

  const corpusJobs = createCorpusJobsLoader({
    fetchPage: (query) => page.load(query),
    codec,
    credentialPrint,
  });
  return { page, job, corpusJobs };
}

/** A canonical string for a query, so equal queries written differently share one call. */
export function queryKey(query: ListJobsQuery): string {
  return JSON.stringify([query.pageKey ?? null, query.pageSize, filterKey(query)]);
}

async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
