// The simulator's page keys: standard padded base64 of a small JSON document that carries the original
// filters, the page size and the position after the last job served (creation time + id), so a key keeps
// working while jobs change state, and every other request field is ignored when a key is sent.

import { isPaddedBase64 } from '../upstream/wire';

export interface PageFilter {
  jobId?: string;
  corpusIds?: number[];
  states: string[];
  since: number;
}

export interface PageKey {
  customerId: string;
  filter: PageFilter;
  pageSize: number;
  after: [createdAt: number, id: string];
}

export function encodePageKey(key: PageKey): string {
  return Buffer.from(JSON.stringify({ v: 1, ...key }), 'utf8').toString('base64');
}

/** The decoded key, or null when it is not valid padded base64 of a key this simulator issued. */
export function decodePageKey(text: string): PageKey | null {
  if (!isPaddedBase64(text)) return null;
  try {
    const value = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as Partial<PageKey> & {
      v?: number;
    };
    if (
      value.v !== 1 ||
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
