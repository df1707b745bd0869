// The upstream client's error family. Every failure of an upstream call (either API version) is one of these, so the GraphQL
// layer maps them in one place (src/errors.ts). Messages never contain credentials: they are built from
// status codes and upstream details only, and details pass through `redact` before they are stored.

export type UpstreamErrorKind =
  | 'status' // the upstream answered with an error: v1 200 + status[] or rpc Status, v2 status + Error body
  | 'http' // non-2xx whose body is not an rpc Status (an HTML page from a proxy, say)
  | 'payload' // 2xx whose body is not a ListJobs response
  | 'network' // connect error, reset, DNS failure
  | 'timeout' // the per-attempt timeout or overall deadline passed
  | 'aborted' // the caller cancelled (client disconnect)
  | 'circuit-open'; // the breaker refuses calls for now

/** gRPC numeric codes to their canonical names (for `extensions.upstream.code` on the rpc path). */
export const GRPC_CODE_NAMES: Readonly<Record<number, string>> = {
  0: 'OK',
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

export interface UpstreamErrorInit {
  kind: UpstreamErrorKind;
  message: string;
  httpStatus?: number;
  /** Vectara status name (200 path) or gRPC code name (rpc path). */
  code?: string;
  detail?: string;
  retryAfterSeconds?: number;
  /** The upstream's id of the failed request (v2 `request_id`). */
  requestId?: string;
  /** Per-parameter messages of a 400 (v2 `field_errors`), redacted. */
  fieldErrors?: Record<string, string>;
  cause?: unknown;
}

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly kind: UpstreamErrorKind;
  readonly httpStatus: number | undefined;
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly requestId: string | undefined;
  readonly fieldErrors: Record<string, string> | undefined;
  /** How many attempts were made before giving up (set by the retry loop). */
  attempts = 1;

  constructor(init: UpstreamErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.detail = init.detail;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.requestId = init.requestId;
    this.fieldErrors = init.fieldErrors;
  }
}

const MAX_DETAIL = 300;
const MAX_CODE = 64;

/**
 * Removes every credential value (and a bearer token's body) from upstream-provided text, however the
 * upstream echoes it: in any letter case, or with blanks or separators between its characters. Then caps
 * the text at 300 characters, so that an upstream cannot make an error message or a log line large.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  // Bounded work first: only the start of a huge upstream text can be shown anyway.
  let out = text.length > 65_536 ? text.slice(0, 65_536) : text;
  for (const secret of secrets) {
    if (!secret) continue;
    const bare = secret.replace(/^Bearer\s+/i, '');
    for (const value of new Set([secret, bare])) {
      if (value.length >= 4) out = out.replace(echoPattern(value), '[redacted]');
    }
  }
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL)}…` : out;
}

/** The secret's characters in order, case-insensitive, with optional blanks or separators between them. */
function echoPattern(secret: string): RegExp {
  const characters = [...secret.replace(/\s+/g, '')].map((char) =>
    char.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'),
  );
  return new RegExp(characters.join('[\\s._:,;|/-]*'), 'gi');
}

/** An upstream status or error code as the gateway repeats it: redacted, word characters only, bounded. */
export function sanitizeCode(code: string, secrets: readonly (string | undefined)[]): string {
  const clean = redact(code, secrets)
    .replace(/\[redacted\]/g, 'REDACTED')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .slice(0, MAX_CODE);
  return clean === '' ? 'UNKNOWN' : clean;
}

/** A response's media type for messages (`text/html`), or 'unknown type' for anything else. */
export function describeContentType(value: string | null, secrets: readonly (string | undefined)[]): string {
  const type = value?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(type)) return 'unknown type';
  return redact(type, secrets) === type ? type : 'unknown type';
}

/** Parses `Retry-After` (seconds or an HTTP date) into whole seconds, or undefined. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
