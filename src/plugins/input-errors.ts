// Errors that GraphQL or the operation limits raise about the caller's input get `extensions.code =
// BAD_USER_INPUT` like ours: variable values GraphQL rejects (a string for an Int, an unknown enum name, a
// malformed DateTime) and documents over a graphql-armor limit (depth, aliases, tokens, cost, directives).
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const VARIABLE_ERROR = /^Variable "\$[^"]+" (got invalid value|of required type|of non-null type)/;
const LIMIT_ERROR = /(depth|Token|Aliases|Directives|Cost) limit of [\d.]+ exceeded/i;

function recode(error: GraphQLError): GraphQLError {
  const code = error.extensions?.code;
  const limit = LIMIT_ERROR.exec(error.message);
  if (limit && code !== 'BAD_USER_INPUT') {
    return withCode(error, { reason: 'OPERATION_LIMIT', limit: limit[1]!.toLowerCase() });
  }
  if (!code && VARIABLE_ERROR.test(error.message)) return withCode(error, {});
  return error;
}

function withCode(error: GraphQLError, extra: Record<string, unknown>): GraphQLError {
  return new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
    nodes: error.nodes,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT', ...extra },
  });
}

export function useInputErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
      let changed = false;
      const errors = result.errors.map((error) => {
        const next = error instanceof GraphQLError ? recode(error) : error;
        if (next !== error) changed = true;
        return next;
      });
      if (changed) setResult({ ...result, errors });
    },
  };
}
