// Persisted documents: every operation of the app carries the sha256 id that `npm run codegen` put in its
// manifest (src/gql/persisted-documents.json). Both clients send the id first and the document only when
// the gateway answers PersistedQueryNotFound (Apollo's automatic persisted queries); a gateway in trusted
// mode (PERSISTED_DOCUMENTS_ONLY=true) knows every id from the manifest and never needs the text.
import type { DocumentNode } from 'graphql';

/** The id codegen embedded in a document (`__meta__.hash`); undefined for a document codegen did not see. */
export function persistedId(document: DocumentNode): string | undefined {
  const meta = (document as { __meta__?: { hash?: unknown } }).__meta__;
  return typeof meta?.hash === 'string' ? meta.hash : undefined;
}
