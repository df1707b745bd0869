// The Apollo Client 4 page: the jobs table (pages merged by the cache), live badges over graphql-ws, and
// the live "Active jobs" panel.
import { CombinedGraphQLErrors } from '@apollo/client';
import { ApolloProvider, useQuery, useSubscription } from '@apollo/client/react';
import { useRef, useState } from 'react';
import { ActiveJobs } from '../components/ActiveJobs';
import { JobsTable } from '../components/JobsTable';
import { LiveBadge, WatchedBadge } from '../components/LiveBadge';
import { ProblemBanner } from '../components/ProblemBanner';
import { STATE_CHOICES, StateFilter } from '../components/StateFilter';
import { describeProblem, type Problem } from '../errors';
import { applyJobsChange, EMPTY_LIVE_LIST, type LiveList } from '../live-list';
import { ActiveJobsSubscription, JobsPageQuery, JobUpdatedSubscription } from '../operations';
import type { Settings } from '../settings';
import { useSetup } from '../use-setup';
import { createApolloSetup } from './client';

export const PAGE_SIZE = 25;

function problemOf(error: unknown): Problem {
  if (CombinedGraphQLErrors.is(error)) {
    return describeProblem(
      error.errors.map((e) => ({ message: e.message, code: e.extensions?.code as string | undefined })),
    );
  }
  return describeProblem([], error instanceof Error ? error.message : String(error));
}

export function ApolloPage({ settings }: { settings: Settings }) {
  const setup = useSetup(createApolloSetup, settings);
  if (!setup) return null;
  return (
    <ApolloProvider client={setup.client}>
      <div className="layout">
        <JobsList />
        <ActiveJobsLive />
      </div>
    </ApolloProvider>
  );
}

function JobsList() {
  const [choice, setChoice] = useState('active');
  const [problem, setProblem] = useState<Problem>();
  const filter = { states: [...(STATE_CHOICES[choice] ?? [])] };
  const { data, error, loading, fetchMore, refetch } = useQuery(JobsPageQuery, {
    variables: { first: PAGE_SIZE, filter },
    notifyOnNetworkStatusChange: true,
  });
  const connection = data?.jobs;
  const shown = problem ?? (error ? problemOf(error) : undefined);

  // One page at a time: the scroll sentinel and the button may both ask for the same page.
  const fetching = useRef(false);
  async function loadMore() {
    if (!connection?.pageInfo.endCursor || fetching.current) return;
    fetching.current = true;
    try {
      await fetchMore({ variables: { after: connection.pageInfo.endCursor } });
    } catch (failure) {
      const next = problemOf(failure);
      // A cursor the gateway no longer accepts: start the list over instead of leaving it stuck.
      if (next.reloadList) await refetch();
      setProblem(next);
    } finally {
      fetching.current = false;
    }
  }

  return (
    <section className="list">
      <div className="toolbar">
        <StateFilter
          value={choice}
          onChange={(next) => {
            setProblem(undefined);
            setChoice(next);
          }}
        />
        <span data-testid="row-count">{connection?.edges.length ?? 0} rows</span>
      </div>
      {shown ? (
        <ProblemBanner
          problem={shown}
          onReload={() => {
            setProblem(undefined);
            void refetch();
          }}
        />
      ) : null}
      <JobsTable
        rows={connection?.edges.map((edge) => edge.node) ?? []}
        hasNextPage={connection?.pageInfo.hasNextPage ?? false}
        loading={loading}
        onLoadMore={() => void loadMore()}
        renderBadge={(job) => <LiveBadge job={job} Watched={WatchedJob} />}
      />
    </section>
  );
}

function WatchedJob({ jobId }: { jobId: string }) {
  // The event updates the cached Job too (normalised by `id`), so its row changes with the badge.
  const { data, error } = useSubscription(JobUpdatedSubscription, { variables: { jobId } });
  return <WatchedBadge update={data?.jobUpdated} problem={error ? problemOf(error).text : undefined} />;
}

function ActiveJobsLive() {
  const [list, setList] = useState<LiveList>();
  const { error } = useSubscription(ActiveJobsSubscription, {
    variables: { first: 20 },
    onData: ({ data }) => {
      const change = data.data?.jobsChanged;
      if (change) setList((current) => applyJobsChange(current ?? EMPTY_LIVE_LIST, change));
    },
  });
  return <ActiveJobs list={list} error={error ? problemOf(error).text : undefined} />;
}
