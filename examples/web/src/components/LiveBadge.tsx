// A job's badge in the table: a terminal job's state as it is; for a running one, a "Watch" button that
// mounts the page's own `Watched` component (its client's `jobUpdated` subscription).
import { type ComponentType, useState } from 'react';
import type { JobRowFragment, JobState } from '../gql/graphql';
import { StateBadge } from './StateBadge';

export function LiveBadge({
  job,
  Watched,
}: {
  job: JobRowFragment;
  Watched: ComponentType<{ jobId: string }>;
}) {
  const [watching, setWatching] = useState(false);
  if (watching) return <Watched jobId={job.jobId} />;
  if (job.isTerminal) return <StateBadge state={job.state} live={false} />;
  return (
    <button type="button" onClick={() => setWatching(true)} data-testid="watch">
      Watch
    </button>
  );
}

/** What a watched job shows: the subscription's problem, or its latest state (live until terminal). */
export function WatchedBadge({
  update,
  problem,
}: {
  update: { state: JobState; isTerminal: boolean } | undefined;
  problem: string | undefined;
}) {
  if (problem) return <span className="problem">{problem}</span>;
  return <StateBadge state={update?.state ?? 'CONNECTING'} live={!update?.isTerminal} />;
}
