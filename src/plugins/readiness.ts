// GET /ready: 200 while the gateway can serve, else 503 with the reason (draining after SIGTERM, upstream
// circuit open). A plain
// pathname check: Yoga's own readiness plugin matches a URLPattern on every request, which costs more.
import type { Plugin } from 'graphql-yoga';

/** `notReady()` says why the gateway should get no traffic now, or undefined when it is ready. */
export function useReadiness(notReady: () => string | undefined, endpoint = '/ready'): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      const reason = notReady();
      endResponse(
        new fetchAPI.Response(reason ?? 'ready', {
          status: reason === undefined ? 200 : 503,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        }),
      );
    },
  };
}
