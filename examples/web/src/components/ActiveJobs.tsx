// The live "Active jobs" panel: what `jobsChanged` says is queued or running now.
import type { LiveList } from '../live-list';

export function ActiveJobs({ list, error }: { list: LiveList | undefined; error: string | undefined }) {
  return (
    <aside className="active" data-testid="active-jobs">
      <h2>Active jobs {list ? `(${list.jobs.length}${list.hasMore ? '+' : ''})` : ''}</h2>
      {error ? <p className="problem">{error}</p> : null}
      {!list ? <p>Connecting…</p> : null}
      <ul>
        {list?.jobs.map((job) => (
          <li key={job.jobId} data-testid="active-job" data-job-id={job.jobId} data-state={job.state}>
            <span className="mono" title={job.jobId}>
              {job.jobId}
            </span>{' '}
            {job.state}
          </li>
        ))}
      </ul>
    </aside>
  );
}
