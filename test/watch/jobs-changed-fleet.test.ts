// The live list's part of the fleet protocol (watch/coordinator.ts), step by step and deterministic: two
// real gateways ("replicas") over one simulator share an in-memory coordinator with Redis's semantics (a
// lease per loop, pub/sub to the other replicas, the latest message kept for joiners). The real Redis
// coordinator and processes are in test/fleet/live-list.test.ts; here every poll is driven by hand.
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/server';
import type { LoopMessage, WatchCoordinator } from '../../src/watch/coordinator';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';
import { type ManualScheduler, manualScheduler, until } from '../support/scheduler';

const LIST = 'subscription { jobsChanged(first: 100) { snapshot removedJobIds jobs { jobId state } } }';
const SECRET = new TextEncoder().encode('a shared secret of the two replicas, 32+ bytes');

/** A coordinator per replica over shared in-memory state; leases expire only when the test says so. */
function memoryFleet() {
  const leases = new Map<string, string>();
  const latest = new Map<string, LoopMessage>();
  const listeners = new Map<string, Set<{ replica: string; deliver: (message: LoopMessage) => void }>>();
  const published: { loop: string; message: LoopMessage }[] = [];
  const coordinator = (replica: string): WatchCoordinator => ({
    async claim(loop) {
      const holder = leases.get(loop);
      if (holder === undefined || holder === replica) {
        leases.set(loop, replica);
        return 'leader';
      }
      return 'follower';
    },
    async release(loop) {
      if (leases.get(loop) === replica) leases.delete(loop);
    },
    async publish(loop, message) {
      const copy = JSON.parse(JSON.stringify(message)) as LoopMessage;
      published.push({ loop, message: copy });
      latest.set(loop, copy);
      for (const listener of listeners.get(loop) ?? [])
        if (listener.replica !== replica) listener.deliver(copy);
    },
    async latest(loop) {
      return latest.get(loop);
    },
    listen(loop, deliver) {
      const set = listeners.get(loop) ?? new Set();
      listeners.set(loop, set);
      const entry = { replica, deliver };
      set.add(entry);
      return () => set.delete(entry);
    },
    coordinated: true,
    async close() {},
  });
  /** Delivers a message again to every replica listening (as a late or duplicated pub/sub message). */
  const redeliver = (loop: string, message: LoopMessage) => {
    for (const listener of listeners.get(loop) ?? []) listener.deliver(message);
  };
  return { coordinator, published, redeliver };
}

let a: Harness;
let b: ReturnType<typeof createGateway>;
let schedulerA: ManualScheduler;
let schedulerB: ManualScheduler;
const streams: AsyncGenerator[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) await stream.return(undefined);
  await b?.close();
  await a?.close();
});

function setup() {
  const fleet = memoryFleet();
  schedulerA = manualScheduler();
  schedulerB = manualScheduler();
  a = startHarness({
    scheduler: schedulerA.schedule,
    pollIntervalMs: 1000,
    coordinator: fleet.coordinator('a'),
    cursorSecret: SECRET,
  });
  b = createGateway({
    upstreamUrl: 'http://upstream.test',
    fetch: a.sim.fetch,
    now: a.clock.now,
    retries: 0,
    scheduler: schedulerB.schedule,
    pollIntervalMs: 1000,
    coordinator: fleet.coordinator('b'),
    cursorSecret: SECRET,
  });
  return fleet;
}

/** A jobsChanged stream on a replica, read event by event from Yoga's SSE response. */
async function* subscribe(gateway: ReturnType<typeof createGateway>): AsyncGenerator<any> {
  const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...HEADERS_A },
    body: JSON.stringify({ query: LIST }),
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end < 0) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += value;
        continue;
      }
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (/^event: next/m.test(block) && data) yield JSON.parse(data).data.jobsChanged;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function open(gateway: ReturnType<typeof createGateway>) {
  const stream = subscribe(gateway);
  streams.push(stream);
  return async () => (await stream.next()).value;
}

describe('jobsChanged across two replicas (in-memory coordinator)', () => {
  it('one replica polls; the other serves its subscribers from the news, in order, and takes over when the poller leaves', async () => {
    const fleet = setup();
    const onA = open(a.gateway);
    const snapshotA = await onA();
    expect(a.sim.calls).toBe(1);

    // A joiner on B gets its snapshot from the loop's latest news: no upstream call of its own.
    const onB = open(b);
    expect(await onB()).toEqual(snapshotA);
    expect(a.sim.calls).toBe(1);

    // A polls; B's subscriber gets the difference from A's news.
    const job = a.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    await until(() => schedulerA.pending === 1);
    schedulerA.tick();
    const change = await onB();
    expect(change).toEqual({
      snapshot: false,
      removedJobIds: [],
      jobs: [{ jobId: `job_${job.id}`, state: 'QUEUED' }],
    });
    expect(await onA()).toEqual(change);
    expect(a.sim.calls).toBe(2);

    // B looks every half interval and reads the same news again, and an old message arrives late: neither
    // is an event (B's next event is the next change).
    for (let n = 0; n < 2; n++) {
      await until(() => schedulerB.pending === 1);
      schedulerB.tick();
    }
    const lists = fleet.published.filter((item) => item.message.kind === 'list');
    fleet.redeliver(lists[0]!.loop, lists[0]!.message);
    expect(a.sim.calls).toBe(2);
    const second = a.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    await until(() => schedulerA.pending === 1);
    schedulerA.tick();
    expect((await onB()).jobs).toEqual([{ jobId: `job_${second.id}`, state: 'QUEUED' }]);

    // A's last subscriber leaves: A hands the lease back; B polls at its next look.
    await streams[0]!.return(undefined);
    await until(() => a.gateway.listWatcher.activeLoops === 0);
    const calls = a.sim.calls;
    const third = a.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    await until(() => schedulerB.pending === 1);
    schedulerB.tick();
    expect((await onB()).jobs).toEqual([{ jobId: `job_${third.id}`, state: 'QUEUED' }]);
    expect(a.sim.calls).toBe(calls + 1);
  });
});
