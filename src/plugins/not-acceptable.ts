// Yoga answers 406 with an empty body when no media type the client accepts can carry the result; the
// usual case is a subscription sent as a plain HTTP request (Apollo's HttpLink, fetch with accept JSON).
// The body says how to subscribe instead: Server-Sent Events or a WebSocket.
import type { Plugin } from 'graphql-yoga';

export const NOT_ACCEPTABLE_MESSAGE =
  'No media type this request accepts can carry the result. A subscription streams its events: use Server-Sent Events (accept: text/event-stream on /graphql, or graphql-sse at /graphql/stream) or a WebSocket (graphql-ws at /graphql); queries answer application/graphql-response+json or application/json.';

export function useNotAcceptableExplained(): Plugin {
  return {
    onResponse({ response, setResponse, fetchAPI }) {
      if (response.status !== 406 || response.headers.has('content-type')) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      headers.delete('content-length');
      setResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [{ message: NOT_ACCEPTABLE_MESSAGE, extensions: { code: 'NOT_ACCEPTABLE' } }],
          }),
          { status: 406, headers },
        ),
      );
    },
  };
}
