// `Subscription.jobsChanged(filter, first)` and its event type `JobsChange` (SPEC §2, §5 "Live list"): a
// filtered job list kept true without client polling — a snapshot, then only the differences. The shared
// polling lives in ../watch/list-watcher.ts; the filter and `first` are checked here, before any upstream
// call, with the same rules as `Query.jobs`.
import { badUserInput, missingCredentials, missingCustomerId } from '../errors';
import type { JobsChangeShape, ListEvent } from '../watch/list-watcher';
import { builder } from './builder';
import { JobRef } from './job';
import { JobFilterInput, MAX_FIRST, normaliseFilter } from './pagination';

export const DEFAULT_LIST_FIRST = 50;

export const JobsChangeRef = builder.objectRef<JobsChangeShape>('JobsChange').implement({
  description:
    'One event of a live job list (`jobsChanged`): the whole list when `snapshot` is true, else only what changed since the previous event. Apply it to the list you hold: add or replace `jobs` by `jobId`, drop `removedJobIds`. The list keeps upstream order (oldest first): sort by `createdAt`.',
  fields: (t) => ({
    snapshot: t.exposeBoolean('snapshot', {
      description:
        'True on the first event of a subscription (subscribing again, e.g. after a gateway restart, starts with a new one): `jobs` is then the whole list; replace what you hold with it.',
    }),
    jobs: t.field({
      type: [JobRef],
      description:
        'On a snapshot, every job of the list. Otherwise the jobs new in the list or changed since the previous event, and, once, each job that left the list because it reached a terminal state (COMPLETED, FAILED, ABORTED), with that state: it is also in `removedJobIds`, so a normalised cache shows how it ended while the list drops it.',
      resolve: (change) => change.jobs,
    }),
    removedJobIds: t.stringList({
      description:
        'The `jobId`s of jobs that no longer belong to the list (they finished, moved to a state outside the filter, or were pushed past `first`). Always empty on a snapshot.',
      resolve: (change) => change.removedJobIds,
    }),
    hasMore: t.exposeBoolean('hasMore', {
      description:
        'True when more jobs match the filter than `first`: the list is the first `first` of them (page through `Query.jobs` for the rest).',
    }),
  }),
});

builder.subscriptionField('jobsChanged', (t) =>
  t.field({
    type: JobsChangeRef,
    description: `A live list of the jobs matching \`filter\` (default: QUEUED and STARTED, "what is running now"): first a snapshot of the first \`first\` of them in upstream order, then, after each upstream poll that saw a difference, one event with only the differences; no event while nothing changes. Subscribers with the same credentials, filter and \`first\` share one upstream poll per interval (across replicas too). A transient upstream failure arrives as an error event and the list goes on; refused credentials end the stream with the error. Counts against the same subscription limits as \`jobUpdated\`.`,
    args: {
      filter: t.arg({
        type: JobFilterInput,
        description: 'Which jobs to keep in the list, as for `Query.jobs` (default: QUEUED and STARTED).',
      }),
      first: t.arg.int({
        defaultValue: DEFAULT_LIST_FIRST,
        description: `How many jobs the list holds at most, 1..${MAX_FIRST} (default ${DEFAULT_LIST_FIRST}); \`hasMore\` says when more match.`,
      }),
    },
    subscribe: (_root, args, context) => {
      if (!context.credentials) throw missingCredentials();
      if (context.capabilities.requiresCustomerId && context.credentials.customerId === undefined) {
        throw missingCustomerId(context.capabilities.name);
      }
      const first = args.first ?? DEFAULT_LIST_FIRST;
      if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
        throw badUserInput(`\`first\` must be between 1 and ${MAX_FIRST}; got ${first}.`, 'first');
      }
      const filter = normaliseFilter(args.filter ?? {}, context.now(), context.capabilities);
      return context.listWatcher.watch({
        filter,
        first,
        credentials: context.credentials,
        credentialPrint: context.credentialPrint,
        quotaKeys: context.quotaKeys(),
        requestId: context.requestId,
      });
    },
    // Errors travel through the stream as values so that each becomes a regular GraphQL error event.
    resolve: (event: ListEvent) => {
      if ('error' in event) throw event.error;
      return event.change;
    },
  }),
);
