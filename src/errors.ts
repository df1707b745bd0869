// The one translator from failures to client-visible GraphQL errors (SPEC §6). Upstream errors become a
// typed `extensions.code` plus `extensions.upstream = {httpStatus, code, detail}` (and, from v2,
// `requestId` and `fieldErrors`); input problems become
// BAD_USER_INPUT with a message saying what to change. Anything else stays masked by Yoga.
import { GraphQLError } from 'graphql';
import { UpstreamError } from './upstream/errors';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_ERROR';

export function gatewayError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export function badUserInput(message: string, field?: string): GraphQLError {
  return gatewayError('BAD_USER_INPUT', message, field === undefined ? {} : { field });
}

export const MISSING_CREDENTIALS_MESSAGE =
  'Missing Vectara credentials: send an x-api-key header (API key) or an Authorization: Bearer <token> header (plus customer-id when the upstream is Vectara API v1).';

export function missingCredentials(): GraphQLError {
  return gatewayError('UNAUTHENTICATED', MISSING_CREDENTIALS_MESSAGE);
}

export function missingCustomerId(upstream: string): GraphQLError {
  return gatewayError(
    'UNAUTHENTICATED',
    `Missing customer-id: ${upstream} needs your account's numeric id in a customer-id header (or the gateway's VECTARA_CUSTOMER_ID).`,
  );
}

const STATUS_CODES: Readonly<Record<string, ErrorCode>> = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  INVALID_API_KEY: 'UNAUTHENTICATED',
  DISABLED_API_KEY: 'UNAUTHENTICATED',
  EXPIRED_API_KEY: 'UNAUTHENTICATED',
  INVALID_CUSTOMER_ID: 'UNAUTHENTICATED',
  ADM__INVALID_CUSTOMER_ID: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'FORBIDDEN',
  FORBIDDEN: 'FORBIDDEN',
  DISABLED_CUSTOMER: 'FORBIDDEN',
  DISABLED_CORPUS: 'FORBIDDEN',
  INVALID_ARGUMENT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OUT_OF_RANGE: 'BAD_USER_INPUT',
  FAILED_PRECONDITION: 'BAD_USER_INPUT',
  INVALID_CORPUS_ID: 'BAD_USER_INPUT',
  ADM__INVALID_CORPUS_ID: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  RESOURCE_EXHAUSTED: 'RATE_LIMITED',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  DEADLINE_EXCEEDED: 'UPSTREAM_TIMEOUT',
  UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  SERVICE_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
};

const HTTP_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  429: 'RATE_LIMITED',
  502: 'UPSTREAM_UNAVAILABLE',
  503: 'UPSTREAM_UNAVAILABLE',
  504: 'UPSTREAM_TIMEOUT',
};

const LEADS: Readonly<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'The upstream rejected the credentials',
  FORBIDDEN: 'The upstream refused access',
  BAD_USER_INPUT: 'The upstream rejected the request',
  NOT_FOUND: 'The upstream found nothing',
  RATE_LIMITED: 'The upstream is rate limiting this account',
  UPSTREAM_TIMEOUT: 'The upstream did not answer in time',
  UPSTREAM_UNAVAILABLE: 'The upstream is unavailable',
  UPSTREAM_ERROR: 'The upstream failed',
};

export function classifyUpstreamError(error: UpstreamError): ErrorCode {
  switch (error.kind) {
    case 'timeout':
      return 'UPSTREAM_TIMEOUT';
    case 'network':
    case 'circuit-open':
      return 'UPSTREAM_UNAVAILABLE';
    case 'status':
      return (
        (error.code && STATUS_CODES[error.code]) ||
        (error.httpStatus && HTTP_CODES[error.httpStatus]) ||
        'UPSTREAM_ERROR'
      );
    case 'http':
      return (error.httpStatus && HTTP_CODES[error.httpStatus]) || 'UPSTREAM_ERROR';
    default:
      return 'UPSTREAM_ERROR';
  }
}

/** An upstream failure as the GraphQL error a client sees. Messages carry no credentials (see redact). */
export function upstreamGraphQLError(error: UpstreamError): GraphQLError {
  const code = classifyUpstreamError(error);
  const detail = error.detail ?? error.message;
  const upstream: Record<string, unknown> = {
    httpStatus: error.httpStatus ?? null,
    code: error.code ?? null,
    detail,
  };
  // v2 says which of its requests failed, and on a 400 which parameter was wrong.
  if (error.requestId !== undefined) upstream.requestId = error.requestId;
  if (error.fieldErrors !== undefined) upstream.fieldErrors = error.fieldErrors;
  const extensions: Record<string, unknown> = { upstream };
  let message = `${LEADS[code]}${error.code ? ` (${error.code})` : ''}: ${detail}`;
  if (code === 'RATE_LIMITED' && error.retryAfterSeconds !== undefined) {
    extensions.retryAfterSeconds = error.retryAfterSeconds;
    message += ` Retry after ${error.retryAfterSeconds} s.`;
  }
  if (error.kind === 'circuit-open') message = `${LEADS[code]}: ${error.message}`;
  return gatewayError(code, message, extensions);
}

/** Maps what an upstream call threw: UpstreamErrors are translated, GraphQLErrors kept, the rest masked. */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof UpstreamError) return upstreamGraphQLError(error);
  return error;
}
