// The urql page: the jobs table (pages merged by graphcache), live badges and the "Active jobs" panel over
// SSE.
import { useEffect, useMemo, useState } from 'react';
import { type CombinedError, Provider, useQuery, useSubscription } from 'urql';
import { ActiveJobs } from '../components/ActiveJobs';
import { JobsTable } from '../components/JobsTable';
import { LiveBadge, WatchedBadge } from '../components/LiveBadge';
import { ProblemBanner } from '../components/ProblemBanner';
import { STATE_CHOICES, StateFilter } from '../components/StateFilter';
import { describeProblem, type Problem } from '../errors';
import type { ActiveJobsSubscription as ActiveJobsEvent } from '../gql/graphql';
import { applyJobsChange, EMPTY_LIVE_LIST, type LiveList } from '../live-list';
import { ActiveJobsSubscription, JobsPageQuery, JobUpdatedSubscription } from '../operations';
import type { Settings } from '../settings';
import { useSetup } from '../use-setup';
import { createUrqlSetup } from './client';

export const PAGE_SIZE = 25;

function problemOf(error: CombinedError): Problem {
  return describeProblem(
    error.graphQLErrors.map((e) => ({ message: e.message, code: e.extensions?.code as string | undefined })),
    error.networkError?.message,
  );
}

export function UrqlPage({ settings }: { settings: Settings }) {
  const setup = useSetup(createUrqlSetup, settings);
  if (!setup) return null;
  return (
    <Provider value={setup.client}>
      <div className="layout">
        <JobsList />
        <ActiveJobsLive />
      </div>
    </Provider>
  );
}

function JobsList() {
  const [choice, setChoice] = useState('active');
  // graphcache's relayPagination merges every page fetched for this filter into one list: asking for the
  // next page is asking for the same query with `after` moved on.
  const [after, setAfter] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState<CombinedError>();
  const filter = useMemo(() => ({ states: [...(STATE_CHOICES[choice] ?? [])] }), [choice]);
  const [{ data, error, fetching }, reexecute] = useQuery({
    query: JobsPageQuery,
    variables: { first: PAGE_SIZE, after, filter },
  });
  const connection = data?.jobs;
  const problem = error && error !== dismissed ? problemOf(error) : undefined;

  useEffect(() => {
    // A cursor the gateway no longer accepts: start the list over instead of leaving it stuck.
    if (error && problemOf(error).reloadList) setAfter(null);
  }, [error]);

  return (
    <section className="list">
      <div className="toolbar">
        <StateFilter
          value={choice}
          onChange={(next) => {
            setAfter(null);
            setChoice(next);
          }}
        />
        <span data-testid="row-count">{connection?.edges.length ?? 0} rows</span>
      </div>
      {problem ? (
        <ProblemBanner
          problem={problem}
          onReload={() => {
            setDismissed(error);
            setAfter(null);
            reexecute({ requestPolicy: 'network-only' });
          }}
        />
      ) : null}
      <JobsTable
        rows={connection?.edges.map((edge) => edge.node) ?? []}
        hasNextPage={connection?.pageInfo.hasNextPage ?? false}
        loading={fetching}
        onLoadMore={() => {
          if (connection?.pageInfo.endCursor) setAfter(connection.pageInfo.endCursor);
        }}
        renderBadge={(job) => <LiveBadge job={job} Watched={WatchedJob} />}
      />
    </section>
  );
}

function WatchedJob({ jobId }: { jobId: string }) {
  // graphcache writes the event's Job (keyed by `id`), so its row changes with the badge.
  const [{ data, error }] = useSubscription({ query: JobUpdatedSubscription, variables: { jobId } });
  return <WatchedBadge update={data?.jobUpdated} problem={error ? problemOf(error).text : undefined} />;
}

function ActiveJobsLive() {
  const [{ data, error }] = useSubscription<ActiveJobsEvent, LiveList | undefined>(
    { query: ActiveJobsSubscription, variables: { first: 20 } },
    (list, event) => applyJobsChange(list ?? EMPTY_LIVE_LIST, event.jobsChanged),
  );
  return <ActiveJobs list={data} error={error ? problemOf(error).text : undefined} />;
}
