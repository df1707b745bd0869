// urql for the gateway: graphcache merges the pages of `jobs` (relayPagination), queries go as POST with
// their persisted id first (no CORS preflight per page, as GET URLs would each need) and are retried with
// backoff when the connection fails (a gateway restart is a blip, not an error on screen), and subscriptions
// travel over SSE with graphql-sse (/graphql/stream), reconnecting after a gateway restart.
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';
import { persistedExchange } from '@urql/exchange-persisted';
import { retryExchange } from '@urql/exchange-retry';
import { createClient as createSseClient } from 'graphql-sse';
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { persistedId } from '../persisted';
import { credentialHeaders, type Settings } from '../settings';

/** Connections, edges, page info and list events belong to the result that holds them (no id of their own). */
const unkeyed = () => null;

export interface UrqlSetup {
  client: Client;
  dispose(): void;
}

export function createUrqlSetup(settings: Settings): UrqlSetup {
  const headers = credentialHeaders(settings);
  const sse = createSseClient({
    url: settings.streamUrl,
    headers,
    // A restart ends the stream without `complete`: connect again (with backoff) instead of giving up.
    retryAttempts: Number.POSITIVE_INFINITY,
  });
  const client = new Client({
    url: settings.httpUrl,
    preferGetMethod: false,
    fetchOptions: { headers },
    exchanges: [
      cacheExchange({
        keys: { JobConnection: unkeyed, JobEdge: unkeyed, PageInfo: unkeyed, JobsChange: unkeyed },
        resolvers: { Query: { jobs: relayPagination() } },
      }),
      retryExchange({ initialDelayMs: 300, maxDelayMs: 5000, maxNumberAttempts: 6 }),
      persistedExchange({
        preferGetForPersistedQueries: false,
        generateHash: async (_query, document) => persistedId(document),
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          return {
            subscribe(sink) {
              const unsubscribe = sse.subscribe({ ...request, query: request.query ?? '' }, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, dispose: () => sse.dispose() };
}
