// The simulator's moving demo data (dataset.ts arrivalAt): new short jobs arrive on the simulator's clock,
// so that a live list of the demo accounts changes every few seconds, while a clock that stands still
// sees a fixed dataset and every simulator built at the same instant sees the same arrivals.
import { describe, expect, it } from 'vitest';
import { snapshotAt } from '../../src/simulator/dataset';
import { createSimulator } from '../../src/simulator/handler';
import { TERMINAL_STATES } from '../../src/upstream/model';
import { CUSTOMER_A, CUSTOMER_B } from '../support/accounts';
import { manualClock } from '../support/clock';

describe('simulator: arriving jobs', () => {
  it('adds nothing while the clock stands still', () => {
    const clock = manualClock();
    const sim = createSimulator({ now: clock.now });
    const before = sim.jobsOf(CUSTOMER_A).map((job) => job.id);
    expect(sim.jobsOf(CUSTOMER_A).map((job) => job.id)).toEqual(before);
    clock.advance(10_000);
    expect(sim.jobsOf(CUSTOMER_A).map((job) => job.id)).toEqual(before);
  });

  it('brings a new job about every 25 s (40 s for the second account) that runs through QUEUED → STARTED → a terminal state within a minute', () => {
    const clock = manualClock();
    const sim = createSimulator({ now: clock.now });
    const start = new Set(sim.jobsOf(CUSTOMER_A).map((job) => job.id));
    const startB = sim.jobsOf(CUSTOMER_B).length;
    clock.advance(5 * 60_000);
    const arrived = sim.jobsOf(CUSTOMER_A).filter((job) => !start.has(job.id));
    expect(arrived.length).toBeGreaterThanOrEqual(11);
    expect(arrived.length).toBeLessThanOrEqual(13);
    expect(sim.jobsOf(CUSTOMER_B).length - startB).toBeGreaterThanOrEqual(7);
    for (const job of arrived) {
      expect(snapshotAt(job, job.createdAt)?.state).toBe('QUEUED');
      expect(snapshotAt(job, job.startAt)?.state).toBe('STARTED');
      expect(TERMINAL_STATES.has(snapshotAt(job, job.createdAt + 60)!.state)).toBe(true);
    }
    // Still in upstream order (by creation time), the newest last.
    const created = sim.jobsOf(CUSTOMER_A).map((job) => job.createdAt);
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });

  it('is the same for every simulator started at the same instant, however it is read', () => {
    const a = manualClock();
    const b = manualClock();
    const first = createSimulator({ now: a.now });
    const second = createSimulator({ now: b.now });
    a.advance(30_000);
    first.jobsOf(CUSTOMER_A);
    a.advance(90_000);
    b.advance(120_000);
    expect(second.jobsOf(CUSTOMER_A)).toEqual(first.jobsOf(CUSTOMER_A));
  });
});
