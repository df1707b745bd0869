// Credentials before CSRF (SPEC §8): a request that carries no credential and would be refused as a possible
// cross-site request is answered UNAUTHENTICATED instead of FORBIDDEN, as an in-protocol GraphQL error, so a
// router that forwards a client's credential-less GET or SSE subscription passes on the error its client
// must act on ("send a key"), not a CSRF refusal that the client cannot fix.
//
// Why this is still safe: CSRF is a browser making a request with the victim's ambient authority. This
// gateway's only authority is the x-api-key / Authorization header, which a cross-site page cannot attach
// to a simple request (both need a CORS preflight). A request without either header acts on nobody's
// behalf, and it is still refused before its document is parsed or executed: the set of requests that
// run is exactly what the CSRF plugin lets through; only the refusal's code changes. A request that does
// carry a credential meets the CSRF check unchanged.
import type { Plugin } from 'graphql-yoga';
import { credentialsFrom } from '../credentials';
import { missingCredentials } from '../errors';

/** Wraps the CSRF prevention plugin: its refusal of a credential-less request becomes UNAUTHENTICATED. */
export function useCredentialsBeforeCSRF(csrf: Plugin): Plugin {
  const check = csrf.onRequestParse;
  if (!check) throw new Error('useCredentialsBeforeCSRF wraps a plugin with an onRequestParse hook');
  return {
    onRequestParse(payload) {
      if (credentialsFrom(payload.request.headers) !== null) return check(payload);
      try {
        return check(payload);
      } catch {
        throw missingCredentials();
      }
    },
  };
}
