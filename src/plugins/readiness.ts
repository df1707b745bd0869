// GET /ready: 200 while the gateway can serve (its upstream circuit is not open), else 503. A plain
// pathname check: Yoga's own readiness plugin matches a URLPattern on every request, which costs more.
import type { Plugin } from 'graphql-yoga';

export function useReadiness(ready: () => boolean, endpoint = '/ready'): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      const ok = ready();
      endResponse(
        new fetchAPI.Response(ok ? 'ready' : 'upstream circuit open', {
          status: ok ? 200 : 503,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        }),
      );
    },
  };
}
