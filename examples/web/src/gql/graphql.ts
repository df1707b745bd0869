/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Which jobs to list; all given conditions must hold. */
export type JobFilter = {
  /**
   * Only jobs of these corpora, by numeric id (positive, at most 100). Not together with `corpusKeys`.
   * @deprecated Use `corpusKeys`. Numeric ids are Vectara API v1 identifiers; on v2 they are sent as the corpus keys "12", "34", … (which match only corpora whose key is that number).
   */
  corpusIds?: Array<number> | null | undefined;
  /** Only jobs of these corpora, by corpus key (1–50 characters of letters, digits, `_`, `=`, `-`; at most 100). Not together with `corpusIds`. On Vectara API v1 only keys that are decimal corpus ids can be used. */
  corpusKeys?: Array<string> | null | undefined;
  /** Only jobs created at or after this instant; not in the future. On Vectara API v1, at most 180 days ago (the upstream keeps no more); v2 has no such bound. */
  createdAfter?: string | null | undefined;
  /** Only jobs in these states; the default is the active ones (QUEUED, STARTED). Must not be empty. */
  states?: Array<JobState> | null | undefined;
};

/** Lifecycle state of a job. COMPLETED, FAILED and ABORTED are terminal. */
export type JobState =
  /** Cancelled before finishing (terminal). */
  | 'ABORTED'
  /** Finished successfully (terminal). */
  | 'COMPLETED'
  /** Finished with an error (terminal). */
  | 'FAILED'
  /** Waiting to start. */
  | 'QUEUED'
  /** Running. */
  | 'STARTED'
  /** Failed transiently; the upstream will retry it soon (not terminal). */
  | 'TRANSIENT_FAILURE_RETRY_IMMINENT'
  /** A state this gateway does not know (newer upstream value). */
  | 'UNKNOWN';

/** What a job does. */
export type JobType =
  /** Deletes many documents of a corpus (Vectara API v2 only). */
  | 'BULK_DELETE_DOCUMENTS'
  /** Updates the metadata of many documents of a corpus (Vectara API v2 only). */
  | 'BULK_UPDATE_DOCUMENT_METADATA'
  /** Rebuilds a corpus's vector index. */
  | 'CORPUS_REBUILD_VECTOR_INDEX'
  /** Replaces a corpus's filterable metadata attributes. */
  | 'CORPUS_REPLACE_FILTER_ATTRS'
  /** A job type this gateway does not know (newer upstream value). */
  | 'UNKNOWN';

export type JobRowFragment = { __typename: 'Job', id: string, jobId: string, type: JobType, state: JobState, isTerminal: boolean, corpusKeys: Array<string>, createdAt: string | null, startedAt: string | null, completedAt: string | null };

export type JobsPageQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  filter?: JobFilter | null | undefined;
}>;


export type JobsPageQuery = { __typename: 'Query', jobs: { __typename: 'JobConnection', edges: Array<{ __typename: 'JobEdge', cursor: string, node: { __typename: 'Job', id: string, jobId: string, type: JobType, state: JobState, isTerminal: boolean, corpusKeys: Array<string>, createdAt: string | null, startedAt: string | null, completedAt: string | null } }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } };

export type JobUpdatedSubscriptionVariables = Exact<{
  jobId: string;
}>;


export type JobUpdatedSubscription = { jobUpdated: { __typename: 'Job', id: string, jobId: string, type: JobType, state: JobState, isTerminal: boolean, corpusKeys: Array<string>, createdAt: string | null, startedAt: string | null, completedAt: string | null } };

export type ActiveJobsSubscriptionVariables = Exact<{
  first?: number | null | undefined;
}>;


export type ActiveJobsSubscription = { jobsChanged: { __typename: 'JobsChange', snapshot: boolean, hasMore: boolean, removedJobIds: Array<string>, jobs: Array<{ __typename: 'Job', id: string, jobId: string, type: JobType, state: JobState, isTerminal: boolean, corpusKeys: Array<string>, createdAt: string | null, startedAt: string | null, completedAt: string | null }> } };

export const JobRowFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"JobRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"isTerminal"}},{"kind":"Field","name":{"kind":"Name","value":"corpusKeys"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}}]}}]} as unknown as DocumentNode<JobRowFragment, unknown>;
export const JobsPageDocument = {"__meta__":{"hash":"cf3343b98ac2bd9c97fb1941d119dd948372eaa6c388548c1cd2cc633a1afee2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"JobsPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"JobFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"jobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"JobRow"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"JobRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"isTerminal"}},{"kind":"Field","name":{"kind":"Name","value":"corpusKeys"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}}]}}]} as unknown as DocumentNode<JobsPageQuery, JobsPageQueryVariables>;
export const JobUpdatedDocument = {"__meta__":{"hash":"ff255ef93ec28d1b69068964803cc4ac7d1d10f72cbc2c15f26188c0948a1f82"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"JobUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"jobId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"jobId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"jobId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"JobRow"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"JobRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"isTerminal"}},{"kind":"Field","name":{"kind":"Name","value":"corpusKeys"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}}]}}]} as unknown as DocumentNode<JobUpdatedSubscription, JobUpdatedSubscriptionVariables>;
export const ActiveJobsDocument = {"__meta__":{"hash":"f34feff1667197b7dc2842b4b50945fa4af28933fd8418c5871209d115eb5e08"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ActiveJobs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobsChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"snapshot"}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}},{"kind":"Field","name":{"kind":"Name","value":"removedJobIds"}},{"kind":"Field","name":{"kind":"Name","value":"jobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"JobRow"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"JobRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Job"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"isTerminal"}},{"kind":"Field","name":{"kind":"Name","value":"corpusKeys"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}}]}}]} as unknown as DocumentNode<ActiveJobsSubscription, ActiveJobsSubscriptionVariables>;