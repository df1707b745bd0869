// An error as one readable sentence, with "Start over" when the list cannot go on from its cursor.
import type { Problem } from '../errors';

export function ProblemBanner({ problem, onReload }: { problem: Problem; onReload: () => void }) {
  return (
    <div className="problem" role="alert" data-testid="problem">
      {problem.text}{' '}
      {problem.reloadList ? (
        <button type="button" onClick={onReload}>
          Reload the list
        </button>
      ) : null}
    </div>
  );
}
