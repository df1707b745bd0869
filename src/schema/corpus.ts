// Corpus: an entity owned by another subgraph (which knows its name etc.), known by its key (Vectara API v2)
// or its numeric id (v1); this subgraph contributes `Corpus.jobs` (see corpus-jobs.ts). Job.corpora returns
// references to it. A reference by id is the key "12"; a key that is a decimal number is also that id.
import { badUserInput } from '../errors';
import { numericCorpusId } from '../upstream/model';
import { builder } from './builder';

export interface CorpusReference {
  key: string;
  id: number | null;
}

export const CorpusRef = builder.objectRef<CorpusReference>('Corpus');

export function corpusReference(key: string): CorpusReference {
  return { key, id: numericCorpusId(key) };
}

builder.asEntity(CorpusRef, {
  key: [builder.selection<{ key: string }>('key'), builder.selection<{ id: number }>('id')],
  resolveReference: (reference) => {
    if ('key' in reference && typeof reference.key === 'string') return corpusReference(reference.key);
    if ('id' in reference && Number.isInteger(reference.id) && reference.id > 0) {
      return { key: String(reference.id), id: reference.id };
    }
    throw badUserInput('A Corpus reference needs a `key` (string) or an `id` (positive integer).');
  },
});
