// Relay cursors over the upstream's opaque pageKey (SPEC §4).
//
// A cursor names a position in a listing: "the jobs of upstream page K, from index S on", where K is the
// page key that fetches that page ('s' = the first page of the filter itself, 'e' = past the end). Format:
//
//   v1.<filter>.<mode><pageSize>.<skip>.<tag>.<key>
//
//   filter    base64url fingerprint of the normalised filter (→ "cursor belongs to a different filter")
//   mode      s (start: re-run the filter), e (end of the list), or continue with page key, carried as
//             b (the key is padded base64, as documented: transcoded to base64url, same length) or
//             k (any other key: base64url of its UTF-8 bytes)
//   pageSize  the numResults the page was fetched with (a key fixes it upstream)
//   skip      how many jobs of that page come before the position (0..9999)
//   tag       16 chars: HMAC-SHA256 of everything but skip, keyed by a server secret and bound to the
//             caller's credentials; then 6 chars: a check of skip keyed by the HMAC's undisclosed rest
//   key       base64url of the upstream page key (empty unless mode k)
//
// All parts are URL-safe. The HMAC is computed once per upstream page and the per-edge skip check is a
// 32-bit FNV-1a over a secret salt, so making a cursor per edge stays cheap. A forged, truncated, edited or
// foreign cursor fails a check and is BAD_USER_INPUT: the gateway never sends the upstream a key it did not
// receive from it for these same credentials, and never skips to a position it did not hand out.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createBoundedMemo } from '../bounded-memo';
import { badUserInput } from '../errors';
import { MAX_PAGE_KEY_BYTES } from '../upstream/client';
import { isPaddedBase64 } from '../upstream/model';

/**
 * Upper bound on an accepted cursor's length (`after`): the fixed parts (< 128 characters) plus the
 * base64url form of the longest page key the client accepts from the upstream (16 KiB: 21,976 characters
 * in all), so every cursor handed out round-trips; a longer `after` is BAD_USER_INPUT before any check.
 */
export const MAX_CURSOR_LENGTH = 128 + Math.ceil(MAX_PAGE_KEY_BYTES / 3) * 4;

export type Position =
  | { mode: 's'; pageSize: number; skip: number }
  | { mode: 'k'; pageSize: number; skip: number; pageKey: string }
  | { mode: 'e' };

export interface CursorCodec {
  /** A function making the cursor of each position within one upstream page (tag computed once). */
  forPage(filterPrint: string, credentialPrint: string, page: PageRef): (skip: number) => string;
  endCursor(filterPrint: string, credentialPrint: string): string;
  decode(cursor: string, filterPrint: string, credentialPrint: string): Position;
}

export type PageRef = { mode: 's'; pageSize: number } | { mode: 'k'; pageSize: number; pageKey: string };

/** Canonical form only (no leading zeros), so that every position has exactly one cursor. */
const CURSOR =
  /^v1\.([A-Za-z0-9_-]{1,32})\.([skbe])(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,3})\.([A-Za-z0-9_-]{16})([A-Za-z0-9_-]{6})\.([A-Za-z0-9_-]*)$/;

/** A stable fingerprint of a normalised filter (order-insensitive lists, fixed field order). */
export function filterFingerprint(filter: FilterFields): string {
  const key = filterKey(filter);
  const hash = () => createHash('sha256').update(key).digest('base64url').slice(0, 12);
  return key.length > MAX_CACHED_KEY_LENGTH ? hash() : filterPrints(key, hash);
}

/** Fingerprints of recent filters, at most 4,096 (a dashboard asks for the same few filters all day). */
const filterPrints = createBoundedMemo<string, string>(4096);

export interface FilterFields {
  corpusKeys?: readonly string[];
  states: readonly string[];
  createdAfter?: number;
}

/** One string per filter, whatever the order or repetition of its lists (cache keys, fingerprints). */
export function filterKey(filter: FilterFields): string {
  return JSON.stringify([
    [...new Set(filter.corpusKeys ?? [])].sort(),
    [...new Set(filter.states)].sort(),
    filter.createdAfter ?? null,
  ]);
}

export function createCursorCodec(secret: Uint8Array = randomBytes(32)): CursorCodec {
  /** The page's public tag and the FNV state of its undisclosed salt, from one HMAC. */
  const sign = (
    filterPrint: string,
    credentialPrint: string,
    mode: string,
    pageSize: number,
    key: string,
  ) => {
    const digest = createHmac('sha256', secret)
      .update(`${filterPrint}|${credentialPrint}|${mode}|${pageSize}|${key}`)
      .digest();
    return { tag: digest.subarray(0, 12).toString('base64url'), salt: fnv(FNV_OFFSET, digest.subarray(12)) };
  };
  // The same pages are signed again and again (every first page of a filter, for each caller): signatures
  // of recent pages handed out are kept. Inputs hold fingerprints and short page keys only, never a
  // credential; cursors sent by clients are always checked afresh, so they cannot fill this.
  const signatures = createBoundedMemo<string, { tag: string; salt: number }>(MAX_CACHED_SIGNATURES);
  const signPage: typeof sign = (filterPrint, credentialPrint, mode, pageSize, key) => {
    const signThis = () => sign(filterPrint, credentialPrint, mode, pageSize, key);
    if (key.length > MAX_CACHED_KEY_LENGTH) return signThis();
    return signatures(`${filterPrint}|${credentialPrint}|${mode}|${pageSize}|${key}`, signThis);
  };

  return {
    forPage(filterPrint, credentialPrint, page) {
      const [mode, key] = page.mode === 'k' ? carryKey(page.pageKey) : (['s', ''] as const);
      const { tag, salt } = signPage(filterPrint, credentialPrint, mode, page.pageSize, key);
      const head = `v1.${filterPrint}.${mode}${page.pageSize}.`;
      const tail = `.${key}`;
      return (skip) => `${head}${skip}.${tag}${skipCheck(salt, skip)}${tail}`;
    },
    endCursor(filterPrint, credentialPrint) {
      const { tag, salt } = signPage(filterPrint, credentialPrint, 'e', 0, '');
      return `v1.${filterPrint}.e0.0.${tag}${skipCheck(salt, 0)}.`;
    },
    decode(cursor, filterPrint, credentialPrint) {
      const invalid = () =>
        badUserInput(
          'Invalid cursor: pass an unmodified `cursor` or `endCursor` from an earlier jobs page, or omit `after` to start from the beginning.',
          'after',
        );
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) throw invalid();
      const match = CURSOR.exec(cursor);
      if (!match) throw invalid();
      const [, print, mode, sizeText, skipText, mac, check, key] = match as unknown as [
        string,
        string,
        's' | 'k' | 'b' | 'e',
        string,
        string,
        string,
        string,
        string,
      ];
      const pageSize = Number(sizeText);
      const skip = Number(skipText);
      const expected = sign(print, credentialPrint, mode, pageSize, key);
      if (!timingSafeEqual(Buffer.from(expected.tag), Buffer.from(mac))) throw invalid();
      if (skipCheck(expected.salt, skip) !== check) throw invalid();
      if (print !== filterPrint) {
        throw badUserInput(
          'The cursor belongs to a different filter: use it with the same filter (corpusKeys or corpusIds, states, createdAfter) it came from, or omit `after`.',
          'after',
        );
      }
      if (mode === 'e') return { mode };
      // skip may exceed pageSize: an upstream that returns more jobs than asked for is still paged exactly.
      if (pageSize < 1 || pageSize > 100) throw invalid();
      if (mode === 's') {
        if (key !== '') throw invalid();
        return { mode, pageSize, skip };
      }
      const pageKey = mode === 'b' ? base64UrlToBase64(key) : Buffer.from(key, 'base64url').toString('utf8');
      if (pageKey === '') throw invalid();
      return { mode: 'k', pageSize, skip, pageKey };
    },
  };
}

/** How a page key travels inside a cursor: base64 keys are transcoded (no growth), others encoded. */
function carryKey(pageKey: string): readonly ['b' | 'k', string] {
  if (isPaddedBase64(pageKey)) {
    return ['b', pageKey.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')];
  }
  return ['k', Buffer.from(pageKey, 'utf8').toString('base64url')];
}

function base64UrlToBase64(text: string): string {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return base64 + '='.repeat((4 - (base64.length % 4)) % 4);
}

/** Page signatures kept per codec (each under 1 KB: ≤ 4096 × 1 KB in all). */
const MAX_CACHED_SIGNATURES = 4096;
/** Longer page keys (and filters) are signed (hashed) every time rather than kept. */
const MAX_CACHED_KEY_LENGTH = 512;
const FNV_OFFSET = 0x811c9dc5;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** 32-bit FNV-1a over bytes, continuing from `hash`. */
function fnv(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (const byte of bytes) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** 6 base64url characters binding `skip` to a page's secret salt. */
function skipCheck(salt: number, skip: number): string {
  let h = salt;
  for (let rest = skip + 1; rest > 0; rest = Math.floor(rest / 256))
    h = Math.imul(h ^ (rest & 0xff), 0x01000193) >>> 0;
  // The first 6 base64url characters of the 4 big-endian bytes of h (one per edge: no Buffer for it).
  return (
    BASE64URL[(h >>> 26) & 63]! +
    BASE64URL[(h >>> 20) & 63]! +
    BASE64URL[(h >>> 14) & 63]! +
    BASE64URL[(h >>> 8) & 63]! +
    BASE64URL[(h >>> 2) & 63]! +
    BASE64URL[(h & 3) << 4]!
  );
}
