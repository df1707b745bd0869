// JobConnection / JobEdge / JobFilter and the argument checks shared by `Query.jobs` and `Corpus.jobs`
// (SPEC §3, §4). Paging is forward only: `first` + `after`; there is no `last`/`before` upstream.
import type { GatewayContext } from '../context';
import { badUserInput } from '../errors';
import { type JobConnectionShape, type JobFilter, resolveJobConnection } from '../pagination/connection';
import type { JobState } from '../upstream/wire';
import { builder } from './builder';
import { JobRef, JobStateEnum } from './job';

export const DEFAULT_FIRST = 20;
export const MAX_FIRST = 100;
export const DEFAULT_STATES: JobState[] = ['QUEUED', 'STARTED'];
const WINDOW_SECS = 180 * 86_400;
const MAX_CORPUS_ID = 4_294_967_295;
const MAX_CORPORA = 100;

export const JobConnection = builder.connectionObject(
  {
    type: JobRef,
    name: 'JobConnection',
    description:
      'A page of jobs, in upstream order (oldest first). Follow `pageInfo.endCursor` for the next page.',
    fields: () => ({}),
  },
  { name: 'JobEdge', description: 'A job and the cursor of its position in the list.' },
);

export const JobFilterInput = builder.inputType('JobFilter', {
  description: 'Which jobs to list; all given conditions must hold.',
  fields: (t) => ({
    corpusIds: t.intList({ description: 'Only jobs of these corpora (positive ids, at most 100).' }),
    states: t.field({
      type: [JobStateEnum],
      defaultValue: DEFAULT_STATES,
      description:
        'Only jobs in these states; the default is the active ones (QUEUED, STARTED). Must not be empty.',
    }),
    createdAfter: t.field({
      type: 'DateTime',
      description: 'Only jobs created at or after this instant; at most 180 days ago and not in the future.',
    }),
  }),
});

export interface FilterArgs {
  corpusIds?: readonly number[] | null;
  /** JobState names, already checked by GraphQL enum coercion. */
  states?: readonly string[] | null;
  createdAfter?: number | null;
  /** Set by Corpus.jobs: first pages may be batched across corpora. */
  batchByCorpus?: boolean;
}

/** Validates and normalises a filter before any upstream call. */
export function normaliseFilter(input: FilterArgs, nowMs: number): JobFilter {
  const filter: JobFilter = { states: DEFAULT_STATES };
  if (input.states !== undefined && input.states !== null) {
    if (input.states.length === 0) {
      throw badUserInput(
        '`states` must not be empty: list at least one JobState, or omit it for QUEUED and STARTED.',
        'states',
      );
    }
    filter.states = [...new Set(input.states as readonly JobState[])];
  }
  if (input.corpusIds !== undefined && input.corpusIds !== null) {
    if (input.corpusIds.length > MAX_CORPORA)
      throw badUserInput(`\`corpusIds\` may hold at most ${MAX_CORPORA} ids.`, 'corpusIds');
    const bad = input.corpusIds.find((id) => !Number.isInteger(id) || id < 1 || id > MAX_CORPUS_ID);
    if (bad !== undefined)
      throw badUserInput(`\`corpusIds\` must be positive corpus ids; got ${bad}.`, 'corpusIds');
    if (input.corpusIds.length > 0) filter.corpusIds = [...new Set(input.corpusIds)].sort((a, b) => a - b);
  }
  if (input.createdAfter !== undefined && input.createdAfter !== null) {
    const nowSecs = Math.floor(nowMs / 1000);
    if (input.createdAfter > nowSecs) {
      throw badUserInput(
        '`createdAfter` is in the future: use an instant in the past 180 days.',
        'createdAfter',
      );
    }
    if (input.createdAfter < nowSecs - WINDOW_SECS) {
      throw badUserInput(
        '`createdAfter` is more than 180 days ago, beyond what the upstream keeps: use a later instant or omit it (the default is 180 days ago).',
        'createdAfter',
      );
    }
    filter.createdAfter = input.createdAfter;
  }
  return filter;
}

export function validateFirst(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_FIRST;
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
    throw badUserInput(`\`first\` must be between 1 and ${MAX_FIRST}; got ${first}.`, 'first');
  }
  return first;
}

/** Shared resolver body of every jobs connection field. */
export function listJobsConnection(
  context: GatewayContext,
  args: { first?: number | null; after?: string | null },
  filterArgs: FilterArgs,
): Promise<JobConnectionShape> {
  const first = validateFirst(args.first);
  const filter = normaliseFilter(filterArgs, context.now());
  // A corpus's first page goes through the corpus loader, which batches many corpora into one call.
  const corpusId = filter.corpusIds?.length === 1 ? filter.corpusIds[0] : undefined;
  if (
    filterArgs.batchByCorpus &&
    corpusId !== undefined &&
    (args.after === undefined || args.after === null)
  ) {
    const { corpusIds: _corpora, ...rest } = filter;
    return context.loaders.corpusJobs.load({ corpusId, filter: rest, first });
  }
  return resolveJobConnection({
    filter,
    first,
    after: args.after,
    codec: context.cursors,
    credentialPrint: context.credentialPrint,
    fetchPage: (query) => context.loaders.page.load(query),
  });
}

export const FIRST_DESCRIPTION = `How many jobs to return, 1..${MAX_FIRST} (default ${DEFAULT_FIRST}).`;
export const AFTER_DESCRIPTION =
  'Return the jobs after this cursor (an edge `cursor` or `pageInfo.endCursor` from the same query). Forward only.';

builder.queryField('jobs', (t) =>
  t.field({
    type: JobConnection,
    description:
      "A page of the account's jobs, oldest first, filtered by `filter` (default: queued and running jobs).",
    args: {
      first: t.arg.int({ defaultValue: DEFAULT_FIRST, description: FIRST_DESCRIPTION }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
      filter: t.arg({
        type: JobFilterInput,
        description: 'Which jobs to list (default: QUEUED and STARTED, last 180 days).',
      }),
    },
    resolve: (_root, args, context) => listJobsConnection(context, args, args.filter ?? {}),
  }),
);
