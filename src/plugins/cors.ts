// CORS (SPEC §11) for browsers on other origins, and the same origin policy for the WebSocket upgrade (which
// browsers do not subject to CORS). Origins come from CORS_ORIGINS; credentials travel as ordinary headers
// (x-api-key, Authorization), never cookies, so `allow-credentials` is never sent. The request headers real
// clients and tools add are allowed by default (Apollo's client awareness, W3C trace context, Sentry's
// baggage), more through CORS_ALLOW_HEADERS. A refused preflight says why in its body and, once per origin
// and reason, in the log; a disallowed origin gets no access-control-* header at all.
import type { IncomingHttpHeaders } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger';

/** Request headers a browser may send cross-origin, whatever CORS_ALLOW_HEADERS adds. */
export const DEFAULT_CORS_HEADERS: readonly string[] = [
  'accept',
  'content-type',
  'x-api-key',
  'authorization',
  'customer-id',
  'apollographql-client-name',
  'apollographql-client-version',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
  'traceparent',
  'tracestate',
  'baggage',
  'x-graphql-event-stream-token',
  'x-graphql-yoga-csrf',
];

/** Response headers a cross-origin page may read. */
const EXPOSED_HEADERS = 'x-request-id, retry-after';
const ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
/** Seconds a browser may reuse a preflight's answer (Chromium caps it at 7,200). */
const MAX_AGE_SECONDS = '600';
/** Distinct refusals logged (origin × reason), then no more: an anonymous page cannot fill the log. */
const MAX_LOGGED_REFUSALS = 100;
const MAX_SHOWN_ORIGIN = 100;

export interface CorsOptions {
  /** Allowed origins (`*`: any); empty: CORS off. */
  origins: readonly string[];
  /** Request headers allowed besides DEFAULT_CORS_HEADERS (lower-case). */
  allowHeaders?: readonly string[];
  logger?: Logger;
}

export interface CorsPolicy {
  plugin: Plugin;
  /** Why a WebSocket upgrade with these headers is refused (its Origin is another site's), or undefined. */
  upgradeRefusal(headers: IncomingHttpHeaders): string | undefined;
}

function shown(origin: string): string {
  return origin.length > MAX_SHOWN_ORIGIN ? `${origin.slice(0, MAX_SHOWN_ORIGIN)}…` : origin;
}

export function createCorsPolicy(options: CorsOptions): CorsPolicy {
  const anyOrigin = options.origins.includes('*');
  const origins = new Set(options.origins);
  const enabled = origins.size > 0;
  const allowed = new Set([...DEFAULT_CORS_HEADERS, ...(options.allowHeaders ?? [])]);
  const allowHeadersValue = [...allowed].join(', ');
  const logged = new Set<string>();

  const allows = (origin: string) => anyOrigin || origins.has(origin);

  function originRefusal(origin: string): string {
    return enabled
      ? `The origin ${shown(origin)} is not allowed to call this gateway: add it to CORS_ORIGINS (comma-separated origins, e.g. CORS_ORIGINS=${shown(origin)}).`
      : `CORS is off on this gateway, so pages on other origins cannot call it: set CORS_ORIGINS to the origins allowed (e.g. CORS_ORIGINS=${shown(origin)}).`;
  }

  function logRefusal(origin: string, reason: string, message: string): void {
    const key = `${reason} ${shown(origin)}`;
    if (!options.logger || logged.has(key) || logged.size >= MAX_LOGGED_REFUSALS) return;
    logged.add(key);
    options.logger.warn({ origin: shown(origin), reason }, `refused a CORS preflight: ${message}`);
  }

  /** The preflight's refusal, or undefined when it may go on. */
  function preflightRefusal(
    request: Request,
    origin: string,
  ): { reason: string; message: string } | undefined {
    if (!enabled || !allows(origin)) {
      return { reason: enabled ? 'origin' : 'cors-off', message: originRefusal(origin) };
    }
    const method = (request.headers.get('access-control-request-method') ?? '').toUpperCase();
    if (!ALLOWED_METHODS.includes(method)) {
      return {
        reason: 'method',
        message: `The method ${method.slice(0, 20)} is not allowed cross-origin: GraphQL requests use GET or POST.`,
      };
    }
    const refused = (request.headers.get('access-control-request-headers') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name && !allowed.has(name));
    if (refused.length > 0) {
      const names = refused.slice(0, 10).map((name) => name.slice(0, 64));
      return {
        reason: 'headers',
        message: `The request header${names.length > 1 ? 's' : ''} ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not allowed cross-origin: add ${names.length > 1 ? 'them' : 'it'} to CORS_ALLOW_HEADERS (comma-separated) if the gateway should accept ${names.length > 1 ? 'them' : 'it'}.`,
      };
    }
    return undefined;
  }

  const plugin: Plugin = {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'OPTIONS') return;
      const origin = request.headers.get('origin');
      if (!origin || !request.headers.has('access-control-request-method')) return;
      const refusal = preflightRefusal(request, origin);
      if (refusal) {
        logRefusal(origin, refusal.reason, refusal.message);
        endResponse(
          new fetchAPI.Response(`${refusal.message}\n`, {
            status: 403,
            headers: { 'content-type': 'text/plain; charset=utf-8', vary: 'Origin' },
          }),
        );
        return;
      }
      endResponse(
        new fetchAPI.Response(null, {
          status: 204,
          headers: {
            'access-control-allow-origin': anyOrigin ? '*' : origin,
            'access-control-allow-methods': ALLOWED_METHODS.join(', '),
            'access-control-allow-headers': allowHeadersValue,
            'access-control-max-age': MAX_AGE_SECONDS,
            vary: 'Origin',
          },
        }),
      );
    },
    onResponse({ request, response }) {
      // Preflights are answered whole in onRequest (a refused one carries no access-control-* header).
      if (!enabled || request.method === 'OPTIONS') return;
      const origin = request.headers.get('origin');
      if (!origin || !allows(origin) || response.headers.has('access-control-allow-origin')) return;
      response.headers.set('access-control-allow-origin', anyOrigin ? '*' : origin);
      response.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
      response.headers.append('vary', 'Origin');
    },
  };

  return {
    plugin,
    upgradeRefusal(headers) {
      const origin = headers.origin;
      // No Origin: not a browser (routers, server-side clients); CORS is about pages in browsers.
      if (!origin) return undefined;
      const host = headers.host;
      if (host && (origin === `http://${host}` || origin === `https://${host}`)) return undefined;
      if (enabled && allows(origin)) return undefined;
      return originRefusal(origin);
    },
  };
}
