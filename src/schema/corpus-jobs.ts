// `Corpus.jobs`: the jobs of one corpus, with the same paging and validation as `Query.jobs`.
import { CorpusRef } from './corpus';
import { JobStateEnum } from './job';
import {
  AFTER_DESCRIPTION,
  DEFAULT_FIRST,
  DEFAULT_STATES,
  FIRST_DESCRIPTION,
  JobConnection,
  listJobsConnection,
} from './pagination';

CorpusRef.implement({
  description: 'A Vectara corpus. Owned by another subgraph; this one contributes its jobs.',
  fields: (t) => ({
    key: t.exposeString('key', {
      description:
        'The corpus key (Vectara API v2); for a corpus known by numeric id (v1), that id in decimal.',
    }),
    id: t.int({
      nullable: true,
      description:
        'The numeric corpus id (Vectara API v1); null when the corpus is known by a non-numeric key.',
      resolve: (corpus) => corpus.id,
    }),
    jobs: t.field({
      type: JobConnection,
      // Nullable (SPEC §2): when this subgraph cannot answer (no credentials, upstream down) only this field
      // is null with its error, and a router still delivers the owner subgraph's fields of the same corpora.
      nullable: true,
      description:
        "A page of this corpus's jobs, oldest first (default: queued and running jobs). Null, with an error, when this subgraph cannot answer (no credentials, upstream unavailable); the corpus's other fields are unaffected.",
      args: {
        first: t.arg.int({ defaultValue: DEFAULT_FIRST, description: FIRST_DESCRIPTION }),
        after: t.arg.string({ description: AFTER_DESCRIPTION }),
        states: t.arg({
          type: [JobStateEnum],
          defaultValue: DEFAULT_STATES,
          description: 'Only jobs in these states (default QUEUED, STARTED). Must not be empty.',
        }),
        createdAfter: t.arg({
          type: 'DateTime',
          description:
            'Only jobs created at or after this instant (on Vectara API v1, at most 180 days ago).',
        }),
      },
      resolve: (corpus, args, context) =>
        listJobsConnection(context, args, {
          corpusKeys: [corpus.key],
          states: args.states,
          createdAfter: args.createdAfter,
          batchByCorpus: true,
        }),
    }),
  }),
});
