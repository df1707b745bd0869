// One structured log line per GraphQL operation (info), with the request id that is also sent upstream.
// Nothing from headers or variables is logged, so credentials cannot reach the log.
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context';
import type { Logger } from '../logger';

export function useRequestLog(logger: Logger): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      if (!logger.isLevelEnabled('info')) return undefined;
      const started = performance.now();
      const context = args.contextValue as GatewayContext;
      return {
        onExecuteDone({ result }) {
          const errors = 'errors' in result && Array.isArray(result.errors) ? result.errors : [];
          logger.info(
            {
              requestId: context.requestId,
              // Client-chosen: cut short so that no client can make a log line large.
              operation: operationName(args)?.slice(0, 64) ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              errors: errors.map((error) => error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}

/** The operation's name: the one the request asked for, else the name in the document (if any). */
function operationName(args: {
  operationName?: string | null;
  document: { definitions: readonly { kind: string; name?: { value: string } }[] };
}): string | undefined {
  if (args.operationName) return args.operationName;
  return args.document.definitions.find((definition) => definition.kind === 'OperationDefinition')?.name
    ?.value;
}
