// A hand-driven scheduler for the job watcher: polls run only when a test calls `tick()`.
import type { Scheduler } from '../../src/watch/job-watcher';

export interface ManualScheduler {
  schedule: Scheduler;
  /** Runs every poll that is due now (one interval passes). */
  tick(): void;
  readonly pending: number;
}

export function manualScheduler(): ManualScheduler {
  const timers = new Set<() => void>();
  return {
    schedule(run) {
      timers.add(run);
      return () => timers.delete(run);
    },
    tick() {
      const due = [...timers];
      timers.clear();
      for (const run of due) run();
    },
    get pending() {
      return timers.size;
    },
  };
}

/** Resolves once `condition` holds (checked every millisecond); fails after `limitMs`. */
export async function until(condition: () => boolean, limitMs = 3000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
