// When a failed ListJobs attempt may be tried again, and how long to wait first. A list call is a read, so
// it is safe to repeat; only transient failures are retried, and never past the caller's deadline.
import type { UpstreamError } from './errors';

const TRANSIENT_HTTP = new Set([502, 503, 504]);
const TRANSIENT_CODES = new Set(['UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
const RATE_LIMIT_CODES = new Set(['RESOURCE_EXHAUSTED', 'TOO_MANY_REQUESTS']);

export function isRateLimited(error: UpstreamError): boolean {
  return error.httpStatus === 429 || (error.code !== undefined && RATE_LIMIT_CODES.has(error.code));
}

/** Transient: worth another attempt if time remains. */
export function isTransient(error: UpstreamError): boolean {
  switch (error.kind) {
    case 'network':
    case 'timeout':
      return true;
    case 'http':
      return error.httpStatus !== undefined && TRANSIENT_HTTP.has(error.httpStatus);
    case 'status':
      return (
        isRateLimited(error) ||
        (error.httpStatus !== undefined && TRANSIENT_HTTP.has(error.httpStatus)) ||
        (error.code !== undefined && TRANSIENT_CODES.has(error.code))
      );
    default:
      return false;
  }
}

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 2000 };

/** Exponential backoff with full jitter: uniform in [0, min(cap, base·2^retry)). `retry` starts at 0. */
export function backoffDelayMs(
  retry: number,
  random: () => number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): number {
  return Math.floor(random() * Math.min(policy.capMs, policy.baseMs * 2 ** retry));
}

/** Sleeps `ms` (Infinity: until aborted), or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, ms)
      : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
