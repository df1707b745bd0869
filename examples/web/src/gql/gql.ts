/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment JobRow on Job {\n    id\n    jobId\n    type\n    state\n    isTerminal\n    corpusKeys\n    createdAt\n    startedAt\n    completedAt\n  }\n": typeof types.JobRowFragmentDoc,
    "\n  query JobsPage($first: Int!, $after: String, $filter: JobFilter) {\n    jobs(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          ...JobRow\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.JobsPageDocument,
    "\n  subscription JobUpdated($jobId: String!) {\n    jobUpdated(jobId: $jobId) {\n      ...JobRow\n    }\n  }\n": typeof types.JobUpdatedDocument,
    "\n  subscription ActiveJobs($first: Int) {\n    jobsChanged(first: $first) {\n      snapshot\n      hasMore\n      removedJobIds\n      jobs {\n        ...JobRow\n      }\n    }\n  }\n": typeof types.ActiveJobsDocument,
};
const documents: Documents = {
    "\n  fragment JobRow on Job {\n    id\n    jobId\n    type\n    state\n    isTerminal\n    corpusKeys\n    createdAt\n    startedAt\n    completedAt\n  }\n": types.JobRowFragmentDoc,
    "\n  query JobsPage($first: Int!, $after: String, $filter: JobFilter) {\n    jobs(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          ...JobRow\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.JobsPageDocument,
    "\n  subscription JobUpdated($jobId: String!) {\n    jobUpdated(jobId: $jobId) {\n      ...JobRow\n    }\n  }\n": types.JobUpdatedDocument,
    "\n  subscription ActiveJobs($first: Int) {\n    jobsChanged(first: $first) {\n      snapshot\n      hasMore\n      removedJobIds\n      jobs {\n        ...JobRow\n      }\n    }\n  }\n": types.ActiveJobsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment JobRow on Job {\n    id\n    jobId\n    type\n    state\n    isTerminal\n    corpusKeys\n    createdAt\n    startedAt\n    completedAt\n  }\n"): (typeof documents)["\n  fragment JobRow on Job {\n    id\n    jobId\n    type\n    state\n    isTerminal\n    corpusKeys\n    createdAt\n    startedAt\n    completedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JobsPage($first: Int!, $after: String, $filter: JobFilter) {\n    jobs(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          ...JobRow\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query JobsPage($first: Int!, $after: String, $filter: JobFilter) {\n    jobs(first: $first, after: $after, filter: $filter) {\n      edges {\n        cursor\n        node {\n          ...JobRow\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription JobUpdated($jobId: String!) {\n    jobUpdated(jobId: $jobId) {\n      ...JobRow\n    }\n  }\n"): (typeof documents)["\n  subscription JobUpdated($jobId: String!) {\n    jobUpdated(jobId: $jobId) {\n      ...JobRow\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ActiveJobs($first: Int) {\n    jobsChanged(first: $first) {\n      snapshot\n      hasMore\n      removedJobIds\n      jobs {\n        ...JobRow\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ActiveJobs($first: Int) {\n    jobsChanged(first: $first) {\n      snapshot\n      hasMore\n      removedJobIds\n      jobs {\n        ...JobRow\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;