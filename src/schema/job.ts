// The Job type (a Relay Node and a federation entity keyed by jobId), its enums, and `Query.job`.
import { badUserInput } from '../errors';
import { type JOB_STATES, type JOB_TYPES, type Job, TERMINAL_STATES } from '../upstream/wire';
import { builder } from './builder';
import { CorpusRef } from './corpus';

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
  } satisfies Record<(typeof JOB_TYPES)[number], unknown>,
});

export const JobRef = builder.objectRef<Job>('Job');

builder.node(JobRef, {
  description: 'A background job of a Vectara account, such as a vector-index rebuild.',
  id: { resolve: (job) => job.id },
  loadOne: (id, context) => context.loaders.job.load(id),
  fields: (t) => ({
    jobId: t.exposeString('id', {
      description: "The upstream's job id, unchanged (use it with `job(jobId:)`).",
    }),
    type: t.field({ type: JobTypeEnum, description: 'What the job does.', resolve: (job) => job.type }),
    state: t.field({
      type: JobStateEnum,
      description: 'Current lifecycle state.',
      resolve: (job) => job.state,
    }),
    isTerminal: t.boolean({
      description: 'True once the job is COMPLETED, FAILED or ABORTED; it will not change again.',
      resolve: (job) => TERMINAL_STATES.has(job.state),
    }),
    corpusIds: t.intList({
      description: 'Ids of the corpora the job works on.',
      resolve: (job) => job.corpusIds,
    }),
    corpora: t.field({
      type: [CorpusRef],
      description: 'The corpora the job works on, as entity references (one per corpus id).',
      resolve: (job) => job.corpusIds.map((id) => ({ id })),
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
      description: 'Who created the job (often an e-mail address); null when empty.',
      resolve: (job) => job.userHandle,
    }),
  }),
});

builder.asEntity(JobRef, {
  key: builder.selection<{ jobId: string }>('jobId'),
  resolveReference: (reference, context) => context.loaders.job.load(reference.jobId),
});

builder.queryField('job', (t) =>
  t.field({
    type: JobRef,
    nullable: true,
    description: 'One job by its upstream id, whatever its state; null when the account has no such job.',
    args: { jobId: t.arg.string({ required: true, description: 'The upstream job id (`Job.jobId`).' }) },
    resolve: (_root, { jobId }, context) => {
      if (jobId.trim() === '' || jobId.length > 512) {
        throw badUserInput(
          '`jobId` must be a non-empty job id of at most 512 characters (see `Job.jobId`).',
          'jobId',
        );
      }
      return context.loaders.job.load(jobId);
    },
  }),
);
