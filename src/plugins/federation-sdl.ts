// FEDERATION_SDL=false: `_service { sdl }` is refused as a validation error on every transport that runs
// Yoga's validation (POST, GET, SSE, /graphql/stream, graphql-ws), for operators who compose the supergraph
// from the committed schema/schema.graphql or a schema registry and want nothing to read the SDL from a
// running gateway. `_entities` is untouched: routers still resolve Job and Corpus through it.
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const FEDERATION_SDL_OFF_MESSAGE =
  '`_service` is turned off on this gateway (FEDERATION_SDL=false): compose the supergraph from the published schema/schema.graphql.';

/** Any selection of Query._service (aliased or through fragments) is an error. */
const noServiceField: ValidationRule = (context) => ({
  Field(node) {
    const parent = context.getParentType();
    if (node.name.value !== '_service' || !parent || parent !== context.getSchema().getQueryType()) return;
    context.reportError(
      new GraphQLError(FEDERATION_SDL_OFF_MESSAGE, { nodes: [node], extensions: { code: 'FORBIDDEN' } }),
    );
  },
});

export function useFederationSdlOff(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noServiceField);
    },
  };
}
