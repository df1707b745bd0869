// Errors on the WebSocket path: what a client sees (the HTTP path's codes, without Yoga's HTTP-only
// extension; "Unexpected error." for anything internal) and what the log holds (bounded and redacted: a
// client-chosen text never reaches a log line whole, and never raw on stdout/stderr).
import { GraphQLError } from 'graphql';
import { recode } from '../plugins/input-errors';
import { redact } from '../upstream/errors';

/** An error as it goes on the wire: the HTTP path's input codes, without Yoga's HTTP-only extension. */
export function wireError(error: GraphQLError): GraphQLError {
  const recoded = recode(error);
  if (recoded.extensions?.http === undefined) return recoded;
  const { http: _http, ...extensions } = recoded.extensions;
  return new GraphQLError(recoded.message, {
    nodes: recoded.nodes,
    path: recoded.path,
    originalError: recoded.originalError,
    extensions,
  });
}

/** What a client sees of an internal failure (the same as Yoga's masking on HTTP). */
export function unexpectedError(): GraphQLError {
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** An error as a bounded, redacted log field. */
export function describeError(error: unknown, secrets: readonly string[]): Record<string, unknown> {
  const record = error instanceof Error ? error : new Error(String(error));
  const { code } = record as Error & { code?: unknown };
  return {
    type: record.name.slice(0, 64),
    code: typeof code === 'string' ? code.slice(0, 64) : undefined,
    message: redact(record.message.slice(0, 300), secrets),
    stack: (record.stack ?? '').split('\n').slice(1, 6).join('\n'),
  };
}
