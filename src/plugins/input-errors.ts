// Errors that GraphQL or the operation limits raise about the caller's input get `extensions.code =
// BAD_USER_INPUT` like ours: variable values GraphQL rejects (a string for an Int, an unknown enum name, a
// malformed DateTime) and documents over a graphql-armor limit (depth, aliases, tokens, cost, directives).
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const VARIABLE_ERROR = /^Variable "\$[^"]+" (got invalid value|of required type|of non-null type)/;
const LIMIT_ERROR = /(depth|Token|Aliases|Directives|Cost) limit of [\d.]+ exceeded/i;
/** What to send instead, for the compiled executor's terse "Expected type X." variable errors. */
const HINTS: Readonly<Record<string, string>> = {
  DateTime: 'use ISO-8601 with a zone, e.g. "2026-11-29T07:31:58Z" (Invalid DateTime).',
  JobState:
    'use one of UNKNOWN, QUEUED, STARTED, COMPLETED, FAILED, TRANSIENT_FAILURE_RETRY_IMMINENT, ABORTED.',
  Int: 'use a whole number.',
};

/** Yoga's CSRF refusal says nothing of what to send. */
const CSRF_REFUSAL = 'Required CSRF header(s) not present';
const CSRF_MESSAGE =
  'Refused as a possible cross-site request: send `content-type: application/json`, or one of the headers x-api-key, authorization, x-graphql-yoga-csrf or apollo-require-preflight (browsers cannot send those cross-site without a CORS preflight).';

/** An input error with the code HTTP gives it (also used by the WebSocket endpoint, which has no result processing). */
export function recode(error: GraphQLError): GraphQLError {
  if (error.message === CSRF_REFUSAL) {
    return new GraphQLError(CSRF_MESSAGE, {
      nodes: error.nodes,
      originalError: error.originalError,
      extensions: { ...error.extensions, code: 'FORBIDDEN', reason: 'CSRF' },
    });
  }
  const code = error.extensions?.code;
  const limit = LIMIT_ERROR.exec(error.message);
  if (limit && code !== 'BAD_USER_INPUT') {
    return withCode(error, { reason: 'OPERATION_LIMIT', limit: limit[1]!.toLowerCase() });
  }
  if (VARIABLE_ERROR.test(error.message) && (!code || code === 'BAD_USER_INPUT')) {
    const recoded = withCode(error, {});
    return recoded.message === error.message && code ? error : recoded;
  }
  return error;
}

function withCode(error: GraphQLError, extra: Record<string, unknown>): GraphQLError {
  let message = error.message.replace(/^Syntax Error: /, '');
  const expected = /Expected type "?([A-Za-z]+)"?\.?$/.exec(message)?.[1];
  if (expected && HINTS[expected]) message = `${message} Hint: ${HINTS[expected]}`;
  return new GraphQLError(message, {
    nodes: error.nodes,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', ...extra },
  });
}

/** The errors with their input codes (the same array when nothing changes); /graphql/stream uses it too. */
export function recodeErrors<T>(errors: readonly T[]): readonly T[] {
  let changed = false;
  const recoded = errors.map((error) => {
    const next = error instanceof GraphQLError ? (recode(error) as T) : error;
    if (next !== error) changed = true;
    return next;
  });
  return changed ? recoded : errors;
}

export function useInputErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
      const errors = recodeErrors(result.errors);
      if (errors !== result.errors) setResult({ ...result, errors });
    },
  };
}
