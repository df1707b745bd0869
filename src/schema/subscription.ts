// `Subscription.jobUpdated(jobId)`: the job now, then on every change, completing after a terminal state
// (SPEC §5). Served over GraphQL-over-SSE by Yoga; the shared polling lives in ../watch/job-watcher.ts.
import { missingCredentials } from '../errors';
import type { Job } from '../upstream/model';
import { builder } from './builder';
import { JobRef } from './job';
import { checkJobId } from './job-id';

builder.subscriptionField('jobUpdated', (t) =>
  t.field({
    type: JobRef,
    description:
      'Watches one job: emits it at once, then each time its state or timestamps change, and completes after a terminal state (COMPLETED, FAILED, ABORTED). An unknown job yields a NOT_FOUND error, then completion.',
    args: { jobId: t.arg.string({ required: true, description: 'The upstream job id (`Job.jobId`).' }) },
    subscribe: (_root, { jobId }, context) => {
      if (!context.credentials) throw missingCredentials();
      return context.watcher.watch({
        jobId: checkJobId(jobId),
        credentials: context.credentials,
        credentialPrint: context.credentialPrint,
        quotaKeys: context.quotaKeys(),
        requestId: context.requestId,
      });
    },
    // Errors travel through the stream as values so that each becomes a regular GraphQL error event.
    resolve: (event: { job: Job } | { error: Error }) => {
      if ('error' in event) throw event.error;
      return event.job;
    },
  }),
);
