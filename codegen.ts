// GraphQL Code Generator: typed documents for the clients in test/ and for the example app in examples/web
// (client preset), generated from the committed subgraph SDL; the app's operations also form its
// persisted-documents manifest (sha256 keys, what the gateway's PERSISTED_DOCUMENTS reads). `npm run
// codegen` first reprints schema/schema.graphql from the code.
import { createHash } from 'node:crypto';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

/** Plain sha256 hex of the document text: the id Apollo's persisted queries send as `sha256Hash`. */
const sha256 = (document: string) => createHash('sha256').update(document).digest('hex');

const config: CodegenConfig = {
  schema: ['schema/schema.graphql', 'schema/federation-directives.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      documents: ['test/documents/**/*.graphql'],
      preset: 'client',
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
    'examples/web/src/gql/': {
      documents: ['examples/web/src/**/*.{ts,tsx}', '!examples/web/src/gql/**'],
      preset: 'client',
      // __typename in every selection, as Apollo Client's cache adds it: the document an id names is then
      // exactly what the client would have sent as text (and the cache can normalise the answer).
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: sha256 } },
    },
  },
};

export default config;
