// graphql-sse clients served in-process by the gateway (yoga.fetch), and driving a watched job forward.
import type { ApolloClient } from '@apollo/client';
import { createClient } from 'graphql-sse';
import { WatchJobDocument } from '../gql/graphql';
import { type Harness, HEADERS_A } from './gateway';
import { type ManualScheduler, until } from './scheduler';

export function inProcessSSEClient(harness: Harness, headers: Record<string, string> = HEADERS_A) {
  return createClient({
    url: 'http://gateway.test/graphql',
    headers,
    fetchFn: (input: string, init?: RequestInit) => harness.gateway.yoga.fetch(new Request(input, init)),
    retryAttempts: 0,
  });
}

/** A graphql-sse client of /graphql/stream (single connection or distinct connections mode), in-process. */
export function inProcessStreamClient(
  harness: Harness,
  headers: Record<string, string> = HEADERS_A,
  singleConnection = true,
) {
  return createClient({
    url: 'http://gateway.test/graphql/stream',
    headers,
    singleConnection,
    fetchFn: (input: string, init?: RequestInit) => harness.gateway.yoga.fetch(new Request(input, init)),
    retryAttempts: 0,
  });
}

/** Every result of one operation through a graphql-sse client, until `complete` (or its error). */
export async function resultsOf(
  client: ReturnType<typeof createClient>,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: any; errors?: any[] }[]> {
  const results: { data?: any; errors?: any[] }[] = [];
  for await (const result of client.iterate({ query, variables })) results.push(result as never);
  return results;
}

/** Moves the simulator's clock on, then runs the next poll once the watcher has scheduled it. */
export async function advanceAndPoll(
  harness: Harness,
  scheduler: ManualScheduler,
  ms: number,
): Promise<void> {
  harness.clock.advance(ms);
  await until(() => scheduler.pending > 0);
  scheduler.tick();
}

/**
 * The first `count` events (`next` payloads) of a text/event-stream response; then the stream is cancelled,
 * or left open with `keepOpen` (the caller ends it with its request's signal).
 */
export async function readEvents(response: Response, count: number, keepOpen = false): Promise<unknown[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: unknown[] = [];
  let buffer = '';
  try {
    while (events.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (/^event: ?next/m.test(block) || (!/^event:/m.test(block) && data)) {
          if (data) events.push(JSON.parse(data));
        }
      }
    }
  } finally {
    if (keepOpen) reader.releaseLock();
    else await reader.cancel().catch(() => undefined);
  }
  return events;
}

/**
 * Watches a job through an Apollo Client (whatever its link) until the subscription completes, moving the
 * job on after each event; the states it saw.
 */
export function watchWithApollo(
  apollo: ApolloClient,
  jobId: string,
  harness: Harness,
  scheduler: ManualScheduler,
): Promise<string[]> {
  const states: string[] = [];
  return new Promise<string[]>((resolve, reject) => {
    apollo.subscribe({ query: WatchJobDocument, variables: { jobId } }).subscribe({
      next: (result) => {
        states.push(result.data!.jobUpdated.state);
        void advanceAndPoll(harness, scheduler, 6000);
      },
      error: reject,
      complete: () => resolve(states),
    });
  });
}
