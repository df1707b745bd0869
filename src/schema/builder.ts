// The SchemaBuilder: plugins, scalars and relay settings only; no domain types (those live beside it).
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivePlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { Kind } from 'graphql';
import type { GatewayContext } from '../context';
import { badUserInput } from '../errors';
import { parseDateTime, serializeDateTime } from './datetime';
import { decodeJobGlobalId, encodeGlobalId } from './global-id';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: { DateTime: { Input: number; Output: number } };
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  // Order matters (HOUSE-STYLE): relay, errors, dataloader, directives, federation.
  plugins: [RelayPlugin, ErrorsPlugin, DataloaderPlugin, DirectivePlugin, FederationPlugin],
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false, description: 'The jobs of this page, each with its cursor.' },
    nodeFieldOptions: { nullable: false, description: 'The job.' },
    cursorFieldOptions: {
      description: 'Opaque cursor of this position: pass it as `after` to get the jobs after it.',
    },
    pageInfoFieldOptions: { description: 'Whether more jobs follow and the cursor to get them.' },
    hasNextPageFieldOptions: { description: 'True when more jobs follow: pass `endCursor` as `after`.' },
    hasPreviousPageFieldOptions: { description: 'Always false: paging is forward only.' },
    startCursorFieldOptions: { description: 'Cursor of the first edge; null when the page is empty.' },
    endCursorFieldOptions: { description: 'Cursor of the last edge; null when the page is empty.' },
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeJobGlobalId,
    idFieldOptions: { description: 'Opaque global ID (Relay Node).' },
    nodeTypeOptions: { description: 'An object with a global ID that `node` and `nodes` can fetch.' },
    pageInfoTypeOptions: {
      description: 'Where a page of a connection sits in the whole list (forward only).',
    },
    nodeQueryOptions: {
      description:
        'Fetches any object by its global ID (for example a `Job.id`); null when it does not exist.',
      args: { id: { description: 'A global ID from a `Node.id` field.' } },
    },
    nodesQueryOptions: {
      description: 'Fetches objects by their global IDs, in order; null for each one that does not exist.',
      args: { ids: { description: 'Global IDs from `Node.id` fields.' } },
    },
  },
});

/** An ISO-8601 string with a zone → epoch seconds, or BAD_USER_INPUT. */
function parseDateTimeInput(value: unknown): number {
  const seconds = parseDateTime(value);
  if (seconds === null) {
    throw badUserInput(
      `Invalid DateTime ${JSON.stringify(value)?.slice(0, 60)}: use ISO-8601 with a zone, e.g. "2026-11-29T07:31:58Z".`,
    );
  }
  return seconds;
}

builder.scalarType('DateTime', {
  description:
    'An instant in UTC as ISO-8601 with an explicit zone, e.g. "2026-11-29T07:31:58Z" (second precision).',
  serialize: serializeDateTime,
  parseValue: parseDateTimeInput,
  // One parameter on purpose: a literal DateTime is a string, never a variable (graphql-jit warns on
  // scalars whose parseLiteral takes variables, the default's second parameter).
  parseLiteral: (node) => parseDateTimeInput(node.kind === Kind.STRING ? node.value : undefined),
});

builder.queryType({
  description: 'Read background jobs (vector-index rebuilds, filter-attribute replacements).',
});
builder.subscriptionType({ description: 'Live updates over GraphQL-over-SSE.' });
