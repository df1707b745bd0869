// The simulator's page keys: a small JSON document that carries the original filters, the page size and the
// position after the last job served (creation time + id), so a key keeps working while jobs change state.
// v1 keys are standard padded base64 (proto bytes; every other request field is ignored beside one);
// v2 keys are URL-safe base64 without padding, and must come with the same filters they were made for.
import { isPaddedBase64 } from '../upstream/model';

export interface PageFilter {
  jobId?: string;
  /** v1 corpus ids. */
  corpusIds?: number[];
  /** v2 corpus keys. */
  corpusKeys?: string[];
  states: string[];
  /** Epoch seconds: jobs created at or after it. */
  since: number;
}

export interface PageKey {
  customerId: string;
  filter: PageFilter;
  pageSize: number;
  after: [createdAt: number, id: string];
}

type KeyVersion = 'v1' | 'v2';

export function encodePageKey(key: PageKey, version: KeyVersion = 'v1'): string {
  const json = Buffer.from(JSON.stringify({ v: version === 'v1' ? 1 : 2, ...key }), 'utf8');
  return version === 'v1' ? json.toString('base64') : json.toString('base64url');
}

/** The decoded key, or null when it is not a key this simulator issued for that version. */
export function decodePageKey(text: string, version: KeyVersion = 'v1'): PageKey | null {
  if (version === 'v1' ? !isPaddedBase64(text) : !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const value = JSON.parse(
      Buffer.from(text, version === 'v1' ? 'base64' : 'base64url').toString('utf8'),
    ) as Partial<PageKey> & {
      v?: number;
    };
    if (
      value.v !== (version === 'v1' ? 1 : 2) ||
      typeof value.customerId !== 'string' ||
      typeof value.pageSize !== 'number' ||
      !Array.isArray(value.after) ||
      typeof value.filter !== 'object' ||
      value.filter === null ||
      !Array.isArray(value.filter.states)
    ) {
      return null;
    }
    return value as PageKey;
  } catch {
    return null;
  }
}
