// What the schema says about itself to a client that has not read it (SPEC §9), on every transport that
// runs an operation through Yoga's envelop (POST, GET, SSE, /graphql/stream, WebSocket):
// - only the operation types the schema has: `mutation { … }` is a validation error like any other (graphql
//   16 has no such rule, and the compiled executor would fail with "No root type for operation");
// - with introspection off (production): `__schema` and `__type` are refused at validation, for every
//   request (Yoga's own switch marks requests in onRequestParse, which /graphql/stream never passes through);
//   and no "Did you mean …?" in any error, whether validation (fields, arguments, types) or execution
//   (enum values of variables) wrote it.
import {
  type ASTVisitor,
  type ExecutionResult,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type ValidationContext,
} from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

/** graphql 17's KnownOperationTypesRule: an operation needs its root type in the schema. */
export function KnownOperationTypesRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (context.getSchema().getRootType(node.operation)) return;
      context.reportError(
        new GraphQLError(
          `The ${node.operation} operation is not supported by the schema: this API has queries and subscriptions only.`,
          { nodes: node },
        ),
      );
    },
  };
}

export function useKnownOperationTypes(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(KnownOperationTypesRule);
    },
  };
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** The message without its suggestions (GraphQL names cannot hold `?`, so each ends at the first one). */
export function withoutSuggestions(message: string): string {
  return message.includes('Did you mean') ? message.replace(SUGGESTION, '') : message;
}

/**
 * The errors without suggestions, or the same array when none has one. Errors are copied, never edited:
 * the compiled executor's errors are read-only, and other results may share them.
 */
function hideSuggestions<T>(errors: readonly T[]): readonly T[] {
  let changed = false;
  const hidden = errors.map((error) => {
    const message = (error as { message?: unknown })?.message;
    if (typeof message !== 'string' || !message.includes('Did you mean')) return error;
    changed = true;
    if (!(error instanceof GraphQLError)) return { ...error, message: withoutSuggestions(message) } as T;
    return new GraphQLError(withoutSuggestions(message), {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: error.originalError,
      extensions: error.extensions,
    }) as T;
  });
  return changed ? hidden : errors;
}

/** Introspection refused and suggestions hidden, for every request whatever its transport. */
export function useHiddenSchema(): Plugin {
  const onResult = ({
    result,
    setResult,
  }: {
    result: ExecutionResult;
    setResult: (result: ExecutionResult) => void;
  }) => {
    if (!result.errors?.length) return;
    const errors = hideSuggestions(result.errors);
    if (errors !== result.errors) setResult({ ...result, errors });
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
      return ({ valid, result, setResult }) => {
        if (valid) return;
        const errors = hideSuggestions(result);
        if (errors !== result) setResult([...errors]);
      };
    },
    onExecute: () => ({
      onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, onResult),
    }),
    onSubscribe: () => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, onResult),
    }),
  };
}
