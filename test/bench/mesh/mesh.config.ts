// GraphQL Mesh composition of the upstream OpenAPI document, for the benchmark comparison only (npm run bench:mesh).
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('Vectara', {
        source: './list-jobs-v1.openapi.yaml',
        endpoint: '{env.UPSTREAM_URL}',
        operationHeaders: {
          'x-api-key': "{context.headers['x-api-key']}",
          'customer-id': "{context.headers['customer-id']}",
        },
        selectQueryOrMutationField: [{ fieldName: 'ListJobs', type: 'Query' }],
      }),
    },
  ],
});
