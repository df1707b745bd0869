// Corpus: an entity owned by another subgraph (which knows its name etc.); this subgraph contributes
// `Corpus.jobs` (see corpus-jobs.ts). Job.corpora returns references to it.
import { builder } from './builder';

export interface CorpusReference {
  id: number;
}

export const CorpusRef = builder.objectRef<CorpusReference>('Corpus');

builder.asEntity(CorpusRef, {
  key: builder.selection<{ id: number }>('id'),
  resolveReference: (reference) => ({ id: reference.id }),
});
