// A manual clock for the simulator: jobs progress only when a test advances it.
export interface ManualClock {
  now: () => number;
  advance(ms: number): void;
  set(ms: number): void;
}

export const FIXED_START = Date.UTC(2026, 10, 29, 7, 31, 58);

export function manualClock(start = FIXED_START): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
    set(ms) {
      current = ms;
    },
  };
}
