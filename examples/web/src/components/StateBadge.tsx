// A job's state as a coloured badge; `live` marks a badge that a subscription keeps current.
import type { JobState } from '../gql/graphql';

export function StateBadge({ state, live }: { state: JobState | 'CONNECTING'; live: boolean }) {
  return (
    <span className={`badge badge-${state.toLowerCase()}`} data-testid="live-badge" data-state={state}>
      {live ? '● ' : ''}
      {state}
    </span>
  );
}
