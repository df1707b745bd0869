// Sharing upstream calls between requests of the same credentials (never across credentials: the key starts
// with the caller's keyed fingerprint):
// - in flight: identical calls that overlap in time share one call (a dashboard open in 20 tabs costs one
//   upstream call per refresh). The shared call is cancelled only when every caller waiting for it has gone;
//   a caller that leaves early gets its own cancellation at once.
// - optionally, for `ttlMs` after it answered (RESPONSE_CACHE_TTL_MS; off by default): a short response cache,
//   bounded to `maxEntries`, dropped per credential when a watched job of theirs changes (invalidate).

export interface CallSharingOptions {
  /** How long an answer is reused after it arrived (0: not at all, only in-flight sharing). */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
  /** Identical calls in flight share one call (default true; UPSTREAM_CALL_SHARING=false turns it off). */
  inFlight?: boolean;
}

export interface CallSharing {
  /**
   * Runs `work` for `key`, or joins the identical call already running (or answered within the TTL, unless
   * `fresh`: a poll that must see the upstream as it is now).
   */
  run<T>(
    key: string,
    signal: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
    fresh?: boolean,
  ): Promise<T>;
  /** Forgets every answer kept for keys that start with `prefix` (a credential's fingerprint). */
  invalidate(prefix: string): void;
}

interface InFlight {
  promise: Promise<unknown>;
  controller: AbortController;
  waiters: number;
}

export function createCallSharing(options: CallSharingOptions = {}): CallSharing {
  const ttlMs = options.ttlMs ?? 0;
  const maxEntries = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  const joinInFlight = options.inFlight !== false;
  const inFlight = new Map<string, InFlight>();
  const answers = new Map<string, { value: unknown; expires: number }>();

  const start = (key: string, work: (signal: AbortSignal) => Promise<unknown>): InFlight => {
    const controller = new AbortController();
    const entry: InFlight = { controller, waiters: 0, promise: Promise.resolve() };
    entry.promise = work(controller.signal).then(
      (value) => {
        if (inFlight.get(key) === entry) inFlight.delete(key);
        if (ttlMs > 0) {
          answers.delete(key);
          answers.set(key, { value, expires: now() + ttlMs });
          // Bounded: the oldest answer goes first (Map keeps insertion order).
          if (answers.size > maxEntries) answers.delete(answers.keys().next().value as string);
        }
        return value;
      },
      (error: unknown) => {
        if (inFlight.get(key) === entry) inFlight.delete(key);
        throw error;
      },
    );
    // Owned here: every waiter attaches its own handlers; this one keeps an unwatched failure quiet.
    entry.promise.catch(() => undefined);
    inFlight.set(key, entry);
    return entry;
  };

  return {
    run(key, signal, work, fresh = false) {
      // A caller already gone neither starts nor joins a call.
      if (signal?.aborted) return Promise.reject(signal.reason);
      const kept = answers.get(key);
      if (kept && !fresh && kept.expires > now()) return Promise.resolve(kept.value as never);
      if (kept) answers.delete(key);
      const entry =
        (joinInFlight ? inFlight.get(key) : undefined) ??
        start(key, work as (signal: AbortSignal) => Promise<unknown>);
      entry.waiters++;
      return new Promise((resolve, reject) => {
        let waiting = true;
        const leave = () => {
          if (!waiting) return;
          waiting = false;
          entry.waiters--;
          if (entry.waiters > 0) return;
          // The last waiter left: nobody wants the answer any more. Later callers start afresh.
          if (inFlight.get(key) === entry) inFlight.delete(key);
          entry.controller.abort(signal?.reason);
        };
        const onAbort = () => {
          leave();
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        entry.promise.then(
          (value) => {
            signal?.removeEventListener('abort', onAbort);
            if (waiting) entry.waiters--;
            waiting = false;
            resolve(value as never);
          },
          (error: unknown) => {
            signal?.removeEventListener('abort', onAbort);
            if (waiting) entry.waiters--;
            waiting = false;
            reject(error);
          },
        );
      });
    },
    invalidate(prefix) {
      for (const key of [...answers.keys()]) if (key.startsWith(prefix)) answers.delete(key);
    },
  };
}
