// When GraphiQL is off (production's default), a person who opens /graphql in a browser gets a short page
// saying so and how to turn it on, instead of the CSRF refusal (403) or the empty 406 Yoga would answer.
// Only a browser's page load is answered here (GET, `accept: text/html`, no `query` parameter); every
// GraphQL request goes on as before. Status 404: nothing is served at this address for browsers, and a
// check for "is GraphiQL up" must not see a 200.
import type { Plugin } from 'graphql-yoga';

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>jobs-gateway: GraphiQL is off</title></head>
<body>
<h1>GraphiQL is off on this gateway</h1>
<p>This is a GraphQL endpoint: send queries as <code>POST</code> requests with a JSON body and your Vectara
credentials (<code>x-api-key</code> or <code>Authorization</code>).</p>
<p>GraphiQL and introspection are off by default when <code>NODE_ENV=production</code>. To turn them on,
start the gateway with <code>GRAPHIQL=true INTROSPECTION=true</code>.</p>
</body>
</html>
`;

export function useGraphiQLOffPage(endpoint = '/graphql'): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' || url.pathname !== endpoint) return;
      if (url.searchParams.has('query') || !request.headers.get('accept')?.includes('text/html')) return;
      endResponse(
        new fetchAPI.Response(PAGE, {
          status: 404,
          headers: { 'content-type': 'text/html; charset=utf-8' },
        }),
      );
    },
  };
}
