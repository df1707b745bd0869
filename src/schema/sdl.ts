// The printed subgraph SDL (with @link/@key), the one source of schema/schema.graphql.
import { printSubgraphSchema } from '@apollo/subgraph';
import { schema } from './index';

export const SCHEMA_FILE = 'schema/schema.graphql';

export function printSchemaSdl(): string {
  return `${printSubgraphSchema(schema).trim()}\n`;
}
