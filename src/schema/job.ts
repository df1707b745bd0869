// The Job type (a Relay Node and a federation entity keyed by jobId), its enums, and `Query.job`.
import type { JOB_STATES, JOB_TYPES, Job } from '../upstream/model';
import { builder } from './builder';
import { CorpusRef, corpusReference } from './corpus';
import { checkJobId } from './job-id';

export const JobStateEnum = builder.enumType('JobState', {
  description: 'Lifecycle state of a job. COMPLETED, FAILED and ABORTED are terminal.',
  values: {
    UNKNOWN: { value: 'UNKNOWN', description: 'A state this gateway does not know (newer upstream value).' },
    QUEUED: { value: 'QUEUED', description: 'Waiting to start.' },
    STARTED: { value: 'STARTED', description: 'Running.' },
    COMPLETED: { value: 'COMPLETED', description: 'Finished successfully (terminal).' },
    FAILED: { value: 'FAILED', description: 'Finished with an error (terminal).' },
    TRANSIENT_FAILURE_RETRY_IMMINENT: {
      value: 'TRANSIENT_FAILURE_RETRY_IMMINENT',
      description: 'Failed transiently; the upstream will retry it soon (not terminal).',
    },
    ABORTED: { value: 'ABORTED', description: 'Cancelled before finishing (terminal).' },
  } satisfies Record<(typeof JOB_STATES)[number], unknown>,
});

export const JobTypeEnum = builder.enumType('JobType', {
  description: 'What a job does.',
  values: {
    UNKNOWN: {
      value: 'UNKNOWN',
      description: 'A job type this gateway does not know (newer upstream value).',
    },
    CORPUS_REBUILD_VECTOR_INDEX: {
      value: 'CORPUS_REBUILD_VECTOR_INDEX',
      description: "Rebuilds a corpus's vector index.",
    },
    CORPUS_REPLACE_FILTER_ATTRS: {
      value: 'CORPUS_REPLACE_FILTER_ATTRS',
      description: "Replaces a corpus's filterable metadata attributes.",
    },
    BULK_DELETE_DOCUMENTS: {
      value: 'BULK_DELETE_DOCUMENTS',
      description: 'Deletes many documents of a corpus (Vectara API v2 only).',
    },
    BULK_UPDATE_DOCUMENT_METADATA: {
      value: 'BULK_UPDATE_DOCUMENT_METADATA',
      description: 'Updates the metadata of many documents of a corpus (Vectara API v2 only).',
    },
  } satisfies Record<(typeof JOB_TYPES)[number], unknown>,
});

export const JobRef = builder.objectRef<Job>('Job');

builder.node(JobRef, {
  description: 'A background job of a Vectara account, such as a vector-index rebuild.',
  id: { resolve: (job) => job.jobId },
  loadOne: (id, context) => context.loaders.job.load(id),
  fields: (t) => ({
    jobId: t.exposeString('jobId', {
      description: "The upstream's job id, unchanged (use it with `job(jobId:)`).",
    }),
    type: t.field({ type: JobTypeEnum, description: 'What the job does.', resolve: (job) => job.type }),
    state: t.field({
      type: JobStateEnum,
      description: 'Current lifecycle state.',
      resolve: (job) => job.state,
    }),
    isTerminal: t.exposeBoolean('isTerminal', {
      description: 'True once the job is COMPLETED, FAILED or ABORTED; it will not change again.',
    }),
    corpusKeys: t.stringList({
      description:
        'Keys of the corpora the job works on (Vectara API v2 corpus keys; on v1 the numeric corpus ids written as decimal strings).',
      resolve: (job) => job.corpusKeys,
    }),
    corpusIds: t.exposeIntList('corpusIds', {
      description:
        'Numeric ids of the corpora the job works on: the v1 ids; on v2 the corpus keys that are decimal numbers (others are left out).',
      deprecationReason: 'Use `corpusKeys` (or `corpora`): corpora are known by key on Vectara API v2.',
    }),
    corpora: t.field({
      type: [CorpusRef],
      description: 'The corpora the job works on, as entity references (one per corpus key).',
      resolve: (job) => job.corpusKeys.map(corpusReference),
    }),
    createdAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the job was created; null when the upstream does not say.',
      resolve: (job) => job.createdAt,
    }),
    startedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the job started; null until it has.',
      resolve: (job) => job.startedAt,
    }),
    completedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the job finished; null until it has.',
      resolve: (job) => job.completedAt,
    }),
    userHandle: t.string({
      nullable: true,
      description:
        'Who created the job (v1 `userHandle`, v2 `created_by_username`; often an e-mail address); null when empty or for jobs the system created.',
      resolve: (job) => job.userHandle,
    }),
    comment: t.string({
      nullable: true,
      description:
        "The upstream's explanation of the job's status, such as the error of a failed job (Vectara API v2); always null on v1.",
      resolve: (job) => job.comment,
    }),
  }),
});

builder.asEntity(JobRef, {
  key: builder.selection<{ jobId: string }>('jobId'),
  // A router sends what its client wrote: a representation without a string jobId is the caller's mistake.
  resolveReference: (reference, context) =>
    context.loaders.job.load(checkJobId((reference as { jobId?: unknown }).jobId, 'representations[].jobId')),
});

builder.queryField('job', (t) =>
  t.field({
    type: JobRef,
    nullable: true,
    description: 'One job by its upstream id, whatever its state; null when the account has no such job.',
    args: { jobId: t.arg.string({ required: true, description: 'The upstream job id (`Job.jobId`).' }) },
    resolve: (_root, { jobId }, context) => context.loaders.job.load(checkJobId(jobId)),
  }),
);
