// One graphql-ws operation through Yoga's envelop, as HTTP runs it: the same parse, validation (document
// limits, introspection switch, hidden suggestions), context, budget, masking and logs. Preparing keeps
// nothing: an operation refused at any step leaves only its error message; one accepted comes with the
// AbortController that the endpoint holds until it completes.
import { type DocumentNode, type ExecutionArgs, GraphQLError, getOperationAST } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { gatewayError } from '../errors';
import type { Logger } from '../logger';
import type { Gateway } from '../server';
import { operationHeaders } from './credentials';
import { describeError, unexpectedError, wireError } from './errors';

type Enveloped = { execute(args: unknown): unknown; subscribe(args: unknown): unknown };

export interface AcceptedOperation {
  args: ExecutionArgs;
  /** Aborts the operation's upstream calls and streams (its request's signal). */
  controller: AbortController;
}

/** The operation ready to run, or the errors that refuse it. */
export async function prepareOperation(
  gateway: Gateway,
  path: string,
  connectionHeaders: Headers,
  payload: SubscribePayload,
): Promise<AcceptedOperation | readonly GraphQLError[]> {
  const headers = operationHeaders(connectionHeaders, payload.extensions);
  if ('invalid' in headers) return [gatewayError('BAD_USER_INPUT', headers.invalid)];
  const controller = new AbortController();
  const request = new Request(`http://websocket${path}`, {
    method: 'POST',
    headers: headers.headers,
    signal: controller.signal,
  });
  // The text to run: the query sent, or the persisted document its id names (trusted mode holds here too).
  const text = gateway.persisted.resolve(payload);
  if (typeof text !== 'string') return [wireError(text)];
  const enveloped = gateway.yoga.getEnveloped({ request, params: { ...payload, query: text } });
  let document: DocumentNode;
  try {
    document = enveloped.parse(text);
  } catch (error) {
    if (error instanceof GraphQLError) return [wireError(error)];
    throw error;
  }
  let errors: readonly GraphQLError[];
  try {
    errors = enveloped.validate(enveloped.schema, document);
  } catch (error) {
    // graphql-armor's rules (depth, aliases, directives) throw their refusal instead of reporting it.
    if (error instanceof GraphQLError) return [wireError(error)];
    throw error;
  }
  if (errors.length > 0) return errors.map(wireError);
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) {
    return [
      gatewayError(
        'BAD_USER_INPUT',
        'Could not pick the operation: send operationName naming one of the document’s operations.',
      ),
    ];
  }
  // graphql-js 16 validates a mutation against a schema without one; the compiled executor then throws.
  if (!enveloped.schema.getRootType(operation.operation)) {
    return [
      new GraphQLError(
        `The schema has no ${operation.operation} type: this API offers queries and subscriptions only.`,
        { nodes: [operation], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      ),
    ];
  }
  const contextValue = await enveloped.contextFactory();
  return {
    controller,
    args: {
      schema: enveloped.schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue,
      // The operation's own envelop travels in rootValue to runOperation: Yoga's plugins run on it.
      rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
    },
  };
}

/** graphql-ws's execute or subscribe: the operation's own envelop; an unexpected throw is masked and logged. */
export function runOperation(kind: 'execute' | 'subscribe', logger: Logger) {
  return async (args: ExecutionArgs): Promise<unknown> => {
    try {
      return await (args.rootValue as Enveloped)[kind](args);
    } catch (error) {
      const credentials = (args.contextValue as { credentials?: Record<string, string> } | undefined)
        ?.credentials;
      logger.error(
        { err: describeError(error, Object.values(credentials ?? {})) },
        `graphql-ws: an operation failed to ${kind}`,
      );
      return { errors: [unexpectedError()] };
    }
  };
}
