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
    "query JobsPage($first: Int, $after: String, $filter: JobFilter) {\n  jobs(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        jobId\n        type\n        state\n        isTerminal\n        corpusIds\n        createdAt\n        startedAt\n        completedAt\n        userHandle\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}\n\nquery JobById($jobId: String!) {\n  job(jobId: $jobId) {\n    id\n    jobId\n    state\n    isTerminal\n  }\n}\n\nsubscription WatchJob($jobId: String!) {\n  jobUpdated(jobId: $jobId) {\n    jobId\n    state\n    isTerminal\n    startedAt\n    completedAt\n  }\n}\n\nsubscription ActiveJobs($filter: JobFilter, $first: Int) {\n  jobsChanged(filter: $filter, first: $first) {\n    snapshot\n    hasMore\n    removedJobIds\n    jobs {\n      id\n      jobId\n      type\n      state\n      isTerminal\n      createdAt\n      startedAt\n      completedAt\n    }\n  }\n}": typeof types.JobsPageDocument,
};
const documents: Documents = {
    "query JobsPage($first: Int, $after: String, $filter: JobFilter) {\n  jobs(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        jobId\n        type\n        state\n        isTerminal\n        corpusIds\n        createdAt\n        startedAt\n        completedAt\n        userHandle\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}\n\nquery JobById($jobId: String!) {\n  job(jobId: $jobId) {\n    id\n    jobId\n    state\n    isTerminal\n  }\n}\n\nsubscription WatchJob($jobId: String!) {\n  jobUpdated(jobId: $jobId) {\n    jobId\n    state\n    isTerminal\n    startedAt\n    completedAt\n  }\n}\n\nsubscription ActiveJobs($filter: JobFilter, $first: Int) {\n  jobsChanged(filter: $filter, first: $first) {\n    snapshot\n    hasMore\n    removedJobIds\n    jobs {\n      id\n      jobId\n      type\n      state\n      isTerminal\n      createdAt\n      startedAt\n      completedAt\n    }\n  }\n}": types.JobsPageDocument,
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
export function graphql(source: "query JobsPage($first: Int, $after: String, $filter: JobFilter) {\n  jobs(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        jobId\n        type\n        state\n        isTerminal\n        corpusIds\n        createdAt\n        startedAt\n        completedAt\n        userHandle\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}\n\nquery JobById($jobId: String!) {\n  job(jobId: $jobId) {\n    id\n    jobId\n    state\n    isTerminal\n  }\n}\n\nsubscription WatchJob($jobId: String!) {\n  jobUpdated(jobId: $jobId) {\n    jobId\n    state\n    isTerminal\n    startedAt\n    completedAt\n  }\n}\n\nsubscription ActiveJobs($filter: JobFilter, $first: Int) {\n  jobsChanged(filter: $filter, first: $first) {\n    snapshot\n    hasMore\n    removedJobIds\n    jobs {\n      id\n      jobId\n      type\n      state\n      isTerminal\n      createdAt\n      startedAt\n      completedAt\n    }\n  }\n}"): (typeof documents)["query JobsPage($first: Int, $after: String, $filter: JobFilter) {\n  jobs(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        jobId\n        type\n        state\n        isTerminal\n        corpusIds\n        createdAt\n        startedAt\n        completedAt\n        userHandle\n      }\n    }\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n  }\n}\n\nquery JobById($jobId: String!) {\n  job(jobId: $jobId) {\n    id\n    jobId\n    state\n    isTerminal\n  }\n}\n\nsubscription WatchJob($jobId: String!) {\n  jobUpdated(jobId: $jobId) {\n    jobId\n    state\n    isTerminal\n    startedAt\n    completedAt\n  }\n}\n\nsubscription ActiveJobs($filter: JobFilter, $first: Int) {\n  jobsChanged(filter: $filter, first: $first) {\n    snapshot\n    hasMore\n    removedJobIds\n    jobs {\n      id\n      jobId\n      type\n      state\n      isTerminal\n      createdAt\n      startedAt\n      completedAt\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;