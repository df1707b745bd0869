// The jobs table both pages render: rows in upstream order, a sentinel that asks for the next page when it
// scrolls into view (infinite scroll), a "Load more" button for keyboards and slow observers, and a badge
// slot per row that each page fills with its client's live subscription.
import { type ReactNode, useEffect, useRef } from 'react';
import type { JobRowFragment } from '../gql/graphql';

export interface JobsTableProps {
  rows: readonly JobRowFragment[];
  hasNextPage: boolean;
  loading: boolean;
  onLoadMore: () => void;
  renderBadge: (job: JobRowFragment) => ReactNode;
}

export function JobsTable({ rows, hasNextPage, loading, onLoadMore, renderBadge }: JobsTableProps) {
  const sentinel = useRef<HTMLTableRowElement>(null);
  const loadMore = useRef(onLoadMore);
  loadMore.current = onLoadMore;
  const canLoad = hasNextPage && !loading;

  useEffect(() => {
    const target = sentinel.current;
    if (!target || !canLoad) return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore.current();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [canLoad]);

  return (
    <table className="jobs" data-testid="jobs-table">
      <thead>
        <tr>
          <th>#</th>
          <th>Job</th>
          <th>Type</th>
          <th>State</th>
          <th>Corpora</th>
          <th>Created</th>
          <th>Live</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((job, index) => (
          <tr key={job.id} data-testid="job-row" data-job-id={job.jobId} data-state={job.state}>
            <td>{index + 1}</td>
            <td className="mono" title={job.jobId}>
              {job.jobId}
            </td>
            <td>{job.type}</td>
            <td data-testid="job-state">{job.state}</td>
            <td>{job.corpusKeys.join(', ')}</td>
            <td className="when">{job.createdAt?.replace('T', ' ').replace('Z', '')}</td>
            <td>{renderBadge(job)}</td>
          </tr>
        ))}
        <tr ref={sentinel}>
          <td colSpan={7} className="footer">
            {loading ? (
              'Loading…'
            ) : hasNextPage ? (
              <button type="button" onClick={onLoadMore} data-testid="load-more">
                Load more
              </button>
            ) : (
              <span data-testid="end-of-list">{rows.length} jobs, all loaded</span>
            )}
          </td>
        </tr>
      </tbody>
    </table>
  );
}
