// Apollo Client 4 for the gateway: queries over HTTP (persisted ids first, a failed connection retried with
// backoff: a gateway restart is a blip, not an error on screen), subscriptions over graphql-ws
// (reconnecting forever, so a gateway restart only pauses them), and a cache that merges the pages of
// `jobs` per filter (relayStylePagination keyed by `filter`: each filter is its own list).
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { RetryLink } from '@apollo/client/link/retry';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import { persistedId } from '../persisted';
import { credentialHeaders, type Settings } from '../settings';

export interface ApolloSetup {
  client: ApolloClient;
  dispose(): void;
}

export function createApolloSetup(settings: Settings): ApolloSetup {
  const headers = credentialHeaders(settings);
  const http = new HttpLink({ uri: settings.httpUrl, headers });
  const persisted = createPersistedQueryLink({
    generateHash: (document) => persistedId(document) ?? Promise.reject(new Error('not persisted')),
  });
  const sockets = createClient({
    url: settings.wsUrl,
    // The gateway reads credentials from connection_init (and closes with 4401 without them).
    connectionParams: headers,
    lazy: true,
    // A restart closes the socket (1012); reconnect and resubscribe, whatever the close code.
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
  });
  const link = ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(sockets),
    ApolloLink.from([
      new RetryLink({
        delay: { initial: 300, max: 5000 },
        attempts: { max: 6, retryIf: (error) => !CombinedGraphQLErrors.is(error) },
      }),
      persisted,
      http,
    ]),
  );
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: { Query: { fields: { jobs: relayStylePagination(['filter']) } } },
    }),
    clientAwareness: { name: 'jobs-gateway-example-web', version: '0.1.0' },
  });
  return {
    client,
    dispose() {
      client.stop();
      void sockets.dispose();
    },
  };
}
