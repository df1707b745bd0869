// Applies `jobsChanged` events to the list the page holds (SPEC §5): a snapshot replaces it; later events
// add or replace jobs by jobId and drop `removedJobIds`; the list stays in upstream order (by createdAt).
import type { ActiveJobsSubscription, JobRowFragment } from './gql/graphql';

export interface LiveList {
  jobs: JobRowFragment[];
  hasMore: boolean;
}

export const EMPTY_LIVE_LIST: LiveList = { jobs: [], hasMore: false };

export function applyJobsChange(list: LiveList, change: ActiveJobsSubscription['jobsChanged']): LiveList {
  const byId = new Map(change.snapshot ? [] : list.jobs.map((job) => [job.jobId, job]));
  for (const job of change.jobs) byId.set(job.jobId, job);
  for (const jobId of change.removedJobIds) byId.delete(jobId);
  const jobs = [...byId.values()].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  return { jobs, hasMore: change.hasMore };
}
