// graphql-sse clients served in-process by the gateway (yoga.fetch), and driving a watched job forward.
import { createClient } from 'graphql-sse';
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
