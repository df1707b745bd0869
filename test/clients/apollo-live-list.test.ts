// Apollo Client 4 (the real library) keeps a filtered "active jobs" list true through `jobsChanged` over
// GraphQLWsLink, against the real server on loopback and the real simulator: rows are added, updated and
// removed as the upstream's list changes, with no client polling; a job that finishes leaves the list while
// the normalised cache shows how it ended (the failure a re-queried or per-job-watched list has). The list
// logic is the one docs/live-lists.md shows.
import type { AddressInfo } from 'node:net';
import { ApolloClient, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { type Client, createClient } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHttpServer } from '../../src/http';
import { snapshotAt } from '../../src/simulator/dataset';
import type { ApiVersion } from '../../src/upstream/versions';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/ws';
import { ActiveJobsDocument, type ActiveJobsSubscription } from '../gql/graphql';
import { CUSTOMER_A } from '../support/accounts';
import { expectedJobs, type Harness, HEADERS_A, startHarness, VERSIONS } from '../support/gateway';
import { type ManualScheduler, manualScheduler, until } from '../support/scheduler';

type LiveJob = ActiveJobsSubscription['jobsChanged']['jobs'][number];
type JobsChange = ActiveJobsSubscription['jobsChanged'];

/** Applies one event to the list held: a snapshot replaces it, a change upserts `jobs` and drops `removedJobIds`. */
function applyJobsChange(list: readonly LiveJob[], change: JobsChange): LiveJob[] {
  if (change.snapshot) return [...change.jobs];
  const removed = new Set(change.removedJobIds);
  const byId = new Map(list.filter((job) => !removed.has(job.jobId)).map((job) => [job.jobId, job]));
  for (const job of change.jobs) if (!removed.has(job.jobId)) byId.set(job.jobId, job);
  // Upstream order: oldest first (the job id breaks ties).
  return [...byId.values()].sort(
    (a, b) =>
      (a.createdAt ?? '').localeCompare(b.createdAt ?? '') ||
      (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0),
  );
}

let harness: Harness;
let scheduler: ManualScheduler;
let endpoint: WebSocketEndpoint | undefined;
let wsClient: Client | undefined;
let closeServer: (() => Promise<void>) | undefined;

afterEach(async () => {
  await wsClient?.dispose();
  await endpoint?.drain();
  await closeServer?.();
  await harness?.close();
});

async function apolloOverWebSocket(version: ApiVersion) {
  scheduler = manualScheduler();
  harness = startHarness({ apiVersion: version, scheduler: scheduler.schedule, pollIntervalMs: 1000 });
  const server = createHttpServer(harness.gateway.yoga);
  endpoint = attachWebSocket(server, harness.gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeServer = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  wsClient = createClient({
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    connectionParams: HEADERS_A,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  return new ApolloClient({ link: new GraphQLWsLink(wsClient), cache: new InMemoryCache() });
}

/** What the upstream lists now for the default filter (QUEUED, STARTED), as rows. */
function upstreamRows() {
  const nowSecs = Math.floor(harness.clock.now() / 1000);
  return expectedJobs(harness, CUSTOMER_A).map((job) => ({
    jobId: harness.jobId(job),
    state: snapshotAt(job, nowSecs)!.state,
  }));
}

const rows = (list: readonly LiveJob[]) => list.map(({ jobId, state }) => ({ jobId, state }));

describe.each(VERSIONS)('Apollo Client 4 live list on %s', (version) => {
  it('adds, updates and removes rows as the upstream list changes; the cache keeps the final state', async () => {
    const client = await apolloOverWebSocket(version);
    const lists: LiveJob[][] = [];
    const errors: unknown[] = [];
    let list: LiveJob[] = [];
    const subscription = client
      .subscribe({ query: ActiveJobsDocument, variables: { first: 100 } })
      .subscribe({
        next: ({ data, error }) => {
          if (error) errors.push(error);
          if (!data) return;
          list = applyJobsChange(list, data.jobsChanged);
          lists.push(list);
        },
        error: (error) => errors.push(error),
      });
    const nextList = async (count: number) => {
      await until(() => lists.length >= count);
      return lists[count - 1]!;
    };

    expect(rows(await nextList(1))).toEqual(upstreamRows());

    // A job is added upstream: a row appears.
    const job = harness.sim.addJob({ queuedForSecs: 5, runForSecs: 5, finalState: 'COMPLETED' });
    const jobId = harness.jobId(job);
    await until(() => scheduler.pending === 1);
    scheduler.tick();
    expect(rows(await nextList(2))).toEqual(upstreamRows());
    expect(list.find((row) => row.jobId === jobId)?.state).toBe('QUEUED');

    // It starts: its row is updated.
    harness.clock.advance(6000);
    await until(() => scheduler.pending === 1);
    scheduler.tick();
    expect(rows(await nextList(3))).toEqual(upstreamRows());
    const row = list.find((item) => item.jobId === jobId)!;
    expect(row.state).toBe('STARTED');

    // It completes: the row leaves the list; the normalised cache shows how it ended.
    harness.clock.advance(6000);
    await until(() => scheduler.pending === 1);
    scheduler.tick();
    const after = await nextList(4);
    expect(after.some((item) => item.jobId === jobId)).toBe(false);
    expect(rows(after)).toEqual(upstreamRows());
    const cached = client.cache.extract() as Record<string, { state?: string; isTerminal?: boolean }>;
    expect(cached[`Job:${row.id}`]).toMatchObject({ state: 'COMPLETED', isTerminal: true });

    // A poll that sees no change sends nothing: the next list is the next change's.
    const calls = harness.sim.calls;
    await until(() => scheduler.pending === 1);
    scheduler.tick();
    await until(() => harness.sim.calls === calls + 1 && scheduler.pending === 1);
    const later = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    scheduler.tick();
    expect((await nextList(5)).map((item) => item.jobId)).toContain(harness.jobId(later));
    expect(rows(lists[4]!)).toEqual(upstreamRows());
    expect(errors).toEqual([]);

    // A transient upstream failure reaches Apollo as an error result; the subscription stays and the list
    // goes on once the upstream answers again.
    harness.sim.failNext('unavailable');
    await until(() => scheduler.pending === 1);
    scheduler.tick();
    await until(() => errors.length === 1);
    expect(JSON.stringify(errors[0])).toMatch(/UPSTREAM_UNAVAILABLE|503/);
    const recovered = harness.sim.addJob({ queuedForSecs: 100, runForSecs: 100 });
    await until(() => scheduler.pending === 1);
    scheduler.tick();
    expect((await nextList(6)).map((item) => item.jobId)).toContain(harness.jobId(recovered));
    subscription.unsubscribe();
    await until(() => harness.gateway.listWatcher.activeLoops === 0);
  });
});
