// The app's GraphQL operations. `npm run codegen` types them (src/gql/) and writes their manifest
// (src/gql/persisted-documents.json) for the gateway's persisted documents.
import { graphql } from './gql';

export const JobRowFields = graphql(`
  fragment JobRow on Job {
    id
    jobId
    type
    state
    isTerminal
    corpusKeys
    createdAt
    startedAt
    completedAt
  }
`);

export const JobsPageQuery = graphql(`
  query JobsPage($first: Int!, $after: String, $filter: JobFilter) {
    jobs(first: $first, after: $after, filter: $filter) {
      edges {
        cursor
        node {
          ...JobRow
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const JobUpdatedSubscription = graphql(`
  subscription JobUpdated($jobId: String!) {
    jobUpdated(jobId: $jobId) {
      ...JobRow
    }
  }
`);

export const ActiveJobsSubscription = graphql(`
  subscription ActiveJobs($first: Int) {
    jobsChanged(first: $first) {
      snapshot
      hasMore
      removedJobIds
      jobs {
        ...JobRow
      }
    }
  }
`);
