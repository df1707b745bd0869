// Yoga caches parsed documents (and parse errors) by their query text, 1,024 of them: with 1 MiB bodies an
// anonymous client could make that cache hold a gigabyte of distinct huge queries. This cache keeps Yoga's
// LRU but only for query texts up to MAX_CACHED_QUERY_CHARS (real operations are far smaller: the token
// limit is 2,000), so the cache holds at most ~32 MiB whatever clients send.
import { createLRUCache } from 'graphql-yoga';

export const MAX_CACHED_QUERY_CHARS = 32 * 1024;

export function createDocumentCache<T extends object>(
  maxChars = MAX_CACHED_QUERY_CHARS,
): { get(key: string): T | undefined; set(key: string, value: T): void } {
  const lru = createLRUCache<T>();
  return {
    get: (key) => (key.length > maxChars ? undefined : lru.get(key)),
    set: (key, value) => {
      if (key.length <= maxChars) lru.set(key, value);
    },
  };
}
