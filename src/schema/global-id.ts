// Relay global IDs: base64url("Job:" + upstream id). Anything that does not decode to a known type is
// BAD_USER_INPUT before any upstream call.
import { badUserInput } from '../errors';
import { jobIdProblem } from './job-id';

export const NODE_TYPES = new Set(['Job']);

// The encoding lives with the model, which gives every Job its global id when it is made (createJob).
export { encodeGlobalId } from '../upstream/model';

export function decodeJobGlobalId(globalId: string): { typename: string; id: string } {
  const invalid = () =>
    badUserInput(
      `Invalid global ID ${JSON.stringify(globalId.slice(0, 80))}: pass the \`id\` of a Job as returned by this API.`,
      'id',
    );
  if (globalId.length === 0 || globalId.length > 512 || !/^[A-Za-z0-9_-]+$/.test(globalId)) throw invalid();
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = text.indexOf(':');
  const typename = text.slice(0, separator);
  const id = text.slice(separator + 1);
  if (separator < 1 || !NODE_TYPES.has(typename) || jobIdProblem(id)) throw invalid();
  return { typename, id };
}
