// Variable values that GraphQL itself rejects (a string for an Int, an unknown enum name, a malformed
// DateTime) are the caller's input errors: give them `extensions.code = BAD_USER_INPUT` like ours.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const VARIABLE_ERROR = /^Variable "\$[^"]+" (got invalid value|of required type|of non-null type)/;

export function useInputErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result || !result.errors) return;
          let changed = false;
          const errors = result.errors.map((error) => {
            if (error.extensions?.code || !VARIABLE_ERROR.test(error.message)) return error;
            changed = true;
            return new GraphQLError(error.message, {
              nodes: error.nodes,
              originalError: error.originalError,
              extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
            });
          });
          if (changed) setResult({ ...result, errors });
        },
      };
    },
  };
}
