// JobConnection / JobEdge / JobFilter and the argument checks shared by `Query.jobs` and `Corpus.jobs`
// (SPEC §3, §4). Paging is forward only: `first` + `after`; there is no `last`/`before` upstream.
import type { GatewayContext } from '../context';
import { badUserInput } from '../errors';
import { type JobConnectionShape, type JobFilter, resolveJobConnection } from '../pagination/connection';
import type { JobState, UpstreamCapabilities } from '../upstream/model';
import { builder } from './builder';
import { JobRef, JobStateEnum } from './job';

export const DEFAULT_FIRST = 20;
export const MAX_FIRST = 100;
export const DEFAULT_STATES: JobState[] = ['QUEUED', 'STARTED'];
const MAX_CORPUS_ID = 4_294_967_295;
const MAX_CORPORA = 100;
/** The shape of a corpus key on every API version (v2's documented rule; v1 keys are decimal ids). */
const CORPUS_KEY = /^[a-zA-Z0-9_=-]{1,50}$/;

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
    corpusKeys: t.stringList({
      description:
        'Only jobs of these corpora, by corpus key (1–50 characters of letters, digits, `_`, `=`, `-`; at most 100). Not together with `corpusIds`. On Vectara API v1 only keys that are decimal corpus ids can be used.',
    }),
    corpusIds: t.intList({
      description:
        'Only jobs of these corpora, by numeric id (positive, at most 100). Not together with `corpusKeys`.',
      deprecationReason:
        'Use `corpusKeys`. Numeric ids are Vectara API v1 identifiers; on v2 they are sent as the corpus keys "12", "34", … (which match only corpora whose key is that number).',
    }),
    states: t.field({
      type: [JobStateEnum],
      defaultValue: DEFAULT_STATES,
      description:
        'Only jobs in these states; the default is the active ones (QUEUED, STARTED). Must not be empty.',
    }),
    createdAfter: t.field({
      type: 'DateTime',
      description:
        'Only jobs created at or after this instant; not in the future. On Vectara API v1, at most 180 days ago (the upstream keeps no more); v2 has no such bound.',
    }),
  }),
});

export interface FilterArgs {
  corpusKeys?: readonly string[] | null;
  corpusIds?: readonly number[] | null;
  /** JobState names, already checked by GraphQL enum coercion. */
  states?: readonly string[] | null;
  createdAfter?: number | null;
  /** Set by Corpus.jobs: first pages may be batched across corpora. */
  batchByCorpus?: boolean;
}

/** Validates and normalises a filter before any upstream call, against what the upstream version accepts. */
export function normaliseFilter(input: FilterArgs, nowMs: number, upstream: UpstreamCapabilities): JobFilter {
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
  const keys = corpusKeysOf(input, upstream);
  if (keys.length > 0) filter.corpusKeys = [...new Set(keys)].sort();
  if (input.createdAfter !== undefined && input.createdAfter !== null) {
    const nowSecs = Math.floor(nowMs / 1000);
    if (input.createdAfter > nowSecs) {
      throw badUserInput('`createdAfter` is in the future: use an instant in the past.', 'createdAfter');
    }
    const maxAge = upstream.maxCreatedAfterAgeSecs;
    if (maxAge !== undefined && input.createdAfter < nowSecs - maxAge) {
      const days = Math.round(maxAge / 86_400);
      throw badUserInput(
        `\`createdAfter\` is more than ${days} days ago, beyond what ${upstream.name} keeps: use a later instant or omit it (the default is ${days} days ago).`,
        'createdAfter',
      );
    }
    filter.createdAfter = input.createdAfter;
  }
  return filter;
}

/** The corpus keys of a filter, from `corpusKeys` or the deprecated `corpusIds` (never both). */
function corpusKeysOf(input: FilterArgs, upstream: UpstreamCapabilities): string[] {
  const keys = input.corpusKeys ?? undefined;
  const ids = input.corpusIds ?? undefined;
  if (keys !== undefined && ids !== undefined) {
    throw badUserInput(
      'Use either `corpusKeys` or `corpusIds`, not both (`corpusIds` is deprecated).',
      'corpusKeys',
    );
  }
  if (ids !== undefined) {
    if (ids.length > MAX_CORPORA)
      throw badUserInput(`\`corpusIds\` may hold at most ${MAX_CORPORA} ids.`, 'corpusIds');
    const bad = ids.find((id) => !Number.isInteger(id) || id < 1 || id > MAX_CORPUS_ID);
    if (bad !== undefined)
      throw badUserInput(`\`corpusIds\` must be positive corpus ids; got ${bad}.`, 'corpusIds');
    return ids.map(String);
  }
  if (keys === undefined) return [];
  if (keys.length > MAX_CORPORA)
    throw badUserInput(`\`corpusKeys\` may hold at most ${MAX_CORPORA} keys.`, 'corpusKeys');
  const malformed = keys.find((key) => !CORPUS_KEY.test(key));
  if (malformed !== undefined) {
    throw badUserInput(
      `Invalid corpus key ${JSON.stringify(malformed.slice(0, 60))}: corpus keys are 1–50 characters of letters, digits, \`_\`, \`=\` and \`-\`.`,
      'corpusKeys',
    );
  }
  const unusable = keys.find((key) => !upstream.corpusKey.pattern.test(key));
  if (unusable !== undefined) {
    throw badUserInput(
      `Corpus key ${JSON.stringify(unusable)} cannot be used here: ${upstream.corpusKey.unsupported}`,
      'corpusKeys',
    );
  }
  return [...keys];
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
  const filter = normaliseFilter(filterArgs, context.now(), context.capabilities);
  // A corpus's first page goes through the corpus loader, which batches many corpora into one call.
  const corpusKey = filter.corpusKeys?.length === 1 ? filter.corpusKeys[0] : undefined;
  if (
    filterArgs.batchByCorpus &&
    corpusKey !== undefined &&
    (args.after === undefined || args.after === null)
  ) {
    const { corpusKeys: _corpora, ...rest } = filter;
    return context.loaders.corpusJobs.load({ corpusKey, filter: rest, first });
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
        description: 'Which jobs to list (default: QUEUED and STARTED).',
      }),
    },
    resolve: (_root, args, context) => listJobsConnection(context, args, args.filter ?? {}),
  }),
);
