// The subscription caps every watched stream counts against (SPEC §5): open subscriptions per credential
// and in total, one counter shared by `jobUpdated` (job-watcher.ts) and `jobsChanged` (list-watcher.ts), so
// that a caller cannot hold twice the limit by mixing the two.
import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors';

export const SUBSCRIPTION_LIMITS = { perCredential: 50, total: 5000 } as const;

export interface SubscriptionCapsOptions {
  /** Open subscriptions per credential (each of x-api-key and authorization counts on its own). */
  perCredential?: number;
  /** Open subscriptions in this process. */
  total?: number;
}

export interface SubscriptionCaps {
  /**
   * Takes a slot for a subscription holding these credential fingerprints (every one of them counts, so
   * varying a second, junk header does not escape the limit), or says which limit is reached.
   */
  admit(quotaKeys: readonly string[]): GraphQLError | undefined;
  /** Gives back the slot `admit` took with the same keys. */
  release(quotaKeys: readonly string[]): void;
  /** Subscriptions holding a slot now, of every kind. */
  readonly active: number;
}

export function createSubscriptionCaps(options: SubscriptionCapsOptions = {}): SubscriptionCaps {
  const maxPerCredential = options.perCredential ?? SUBSCRIPTION_LIMITS.perCredential;
  const maxTotal = options.total ?? SUBSCRIPTION_LIMITS.total;
  const perCredential = new Map<string, number>();
  let active = 0;
  return {
    admit(quotaKeys) {
      if (active >= maxTotal) return limitError('total', maxTotal);
      if (quotaKeys.some((key) => (perCredential.get(key) ?? 0) >= maxPerCredential)) {
        return limitError('per-credential', maxPerCredential);
      }
      active++;
      for (const key of quotaKeys) perCredential.set(key, (perCredential.get(key) ?? 0) + 1);
      return undefined;
    },
    release(quotaKeys) {
      active--;
      for (const key of quotaKeys) {
        const left = (perCredential.get(key) ?? 1) - 1;
        if (left > 0) perCredential.set(key, left);
        else perCredential.delete(key);
      }
    },
    get active() {
      return active;
    },
  };
}

function limitError(limit: 'per-credential' | 'total', max: number): GraphQLError {
  return gatewayError(
    'RATE_LIMITED',
    limit === 'total'
      ? `This gateway is watching its maximum of ${max} subscriptions; try again later.`
      : `These credentials already hold ${max} open subscriptions (the most allowed); end some before starting more.`,
    { reason: 'SUBSCRIPTION_LIMIT', limit },
  );
}
