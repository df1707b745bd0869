// GraphQL Code Generator: typed documents for the clients in test/ (client preset), generated from the
// committed subgraph SDL. `npm run codegen` first reprints schema/schema.graphql from the code.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: ['schema/schema.graphql', 'schema/federation-directives.graphql'],
  documents: ['test/documents/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
