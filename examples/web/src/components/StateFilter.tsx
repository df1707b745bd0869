// The state filter: which jobs the table lists (the gateway's default is the active ones).
import type { JobState } from '../gql/graphql';

export const STATE_CHOICES: Readonly<Record<string, readonly JobState[]>> = {
  active: ['QUEUED', 'STARTED'],
  completed: ['COMPLETED'],
  failed: ['FAILED', 'ABORTED'],
  all: ['QUEUED', 'STARTED', 'COMPLETED', 'FAILED', 'ABORTED', 'TRANSIENT_FAILURE_RETRY_IMMINENT', 'UNKNOWN'],
};

export function StateFilter({ value, onChange }: { value: string; onChange: (choice: string) => void }) {
  return (
    <label>
      Show{' '}
      <select value={value} onChange={(event) => onChange(event.target.value)} data-testid="state-filter">
        <option value="active">Active (queued, started)</option>
        <option value="completed">Completed</option>
        <option value="failed">Failed or aborted</option>
        <option value="all">All jobs</option>
      </select>
    </label>
  );
}
