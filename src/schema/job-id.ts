// The one check of a job id taken from a client (`job(jobId:)`, `node(id:)`, `_entities`, `jobUpdated`),
// before any upstream call. Vectara's v2 API carries the id as a path segment (`GET /v2/jobs/{job_id}`):
// percent-encoding keeps `/`, `?`, `#` and `%` inside the segment, but `.` and `..` (and `%2E`, which URL
// parsers read as a dot) stay dot segments that change the path (`GET /v2/jobs/..` is `GET /v2/`). No
// real job has such an id, so they are refused on every API version alike, as are empty and oversize ids.
import { badUserInput } from '../errors';

/** Longest job id accepted (upstream ids are short; this bounds what one request can make us send). */
export const MAX_JOB_ID_LENGTH = 512;

/** Says why `jobId` cannot be a job id, or undefined when it can. */
export function jobIdProblem(jobId: unknown): string | undefined {
  if (typeof jobId !== 'string') return 'must be a string';
  if (jobId.trim() === '') return 'must not be empty';
  if (jobId.length > MAX_JOB_ID_LENGTH) return `must be at most ${MAX_JOB_ID_LENGTH} characters`;
  if (jobId === '.' || jobId === '..') return 'must not be `.` or `..`';
  return undefined;
}

/** The id itself, or BAD_USER_INPUT naming `field` (no upstream call is made for a refused id). */
export function checkJobId(jobId: unknown, field = 'jobId'): string {
  const problem = jobIdProblem(jobId);
  if (problem) {
    throw badUserInput(
      `\`${field}\` ${problem}: pass a non-empty job id of at most ${MAX_JOB_ID_LENGTH} characters (see \`Job.jobId\`).`,
      field,
    );
  }
  return jobId as string;
}
