// A circuit breaker for the upstream. It watches the outcomes of the last `windowSize` calls; when at least
// `minimumCalls` of them are known and the share of transient failures (resets, timeouts, 502/503/504)
// reaches `failureRatio`, calls fail fast for `openMs` instead of piling onto a dead upstream. Then one trial
// call is let through (half-open) and its outcome closes or re-opens the circuit. A failure rate, not a run
// of consecutive failures, so that a busy gateway over a merely flaky upstream keeps serving.
// Fair across tenants: only transient failures count (a 401/403/4xx or 429 storm is the upstream answering),
// and the circuit opens only when failures come from at least `minimumTenants` different credentials (or from
// every credential in the window, when fewer used the gateway): one tenant's failures cannot cut off others.
import type { CallGuard } from './client';
import { UpstreamError } from './errors';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreaker extends CallGuard {
  state(): BreakerState;
}

export interface BreakerOptions {
  windowSize?: number;
  minimumCalls?: number;
  failureRatio?: number;
  openMs?: number;
  /** Distinct failing credentials needed to open (capped by the credentials seen in the window). */
  minimumTenants?: number;
  now?: () => number;
  onChange?: (state: BreakerState) => void;
}

export function createCircuitBreaker(options: BreakerOptions = {}): CircuitBreaker {
  const windowSize = options.windowSize ?? 20;
  const minimumCalls = Math.min(options.minimumCalls ?? 10, windowSize);
  const failureRatio = options.failureRatio ?? 0.5;
  const openMs = options.openMs ?? 5000;
  const now = options.now ?? Date.now;
  const minimumTenants = options.minimumTenants ?? 2;
  const outcomes: { failed: boolean; tenant: string }[] = []; // oldest first
  let failures = 0;
  let openUntil = 0;
  let current: BreakerState = 'closed';
  let trialInFlight = false;

  const set = (next: BreakerState) => {
    if (next === current) return;
    current = next;
    options.onChange?.(next);
  };
  const record = (failed: boolean, tenant: string) => {
    outcomes.push({ failed, tenant });
    if (failed) failures++;
    if (outcomes.length > windowSize && outcomes.shift()?.failed) failures--;
  };
  /** Failures from enough different credentials that the upstream, not one tenant, is the problem. */
  const widespread = () => {
    const tenants = new Set<string>();
    const failing = new Set<string>();
    for (const outcome of outcomes) {
      tenants.add(outcome.tenant);
      if (outcome.failed) failing.add(outcome.tenant);
    }
    return failing.size >= Math.min(minimumTenants, tenants.size);
  };
  const open = () => {
    openUntil = now() + openMs;
    outcomes.length = 0;
    failures = 0;
    set('open');
  };

  return {
    state() {
      if (current === 'open' && now() >= openUntil) return 'half-open';
      return current;
    },
    before() {
      if (current === 'closed') return;
      const waitMs = openUntil - now();
      if (current === 'open' && waitMs <= 0) set('half-open');
      if (current === 'half-open' && !trialInFlight) {
        trialInFlight = true;
        return;
      }
      throw new UpstreamError({
        kind: 'circuit-open',
        message: `The upstream is failing (${Math.round(failureRatio * 100)}%+ of recent calls); calls are paused for ${Math.max(1, Math.ceil(Math.max(waitMs, 0) / 1000))} s.`,
        code: 'CIRCUIT_OPEN',
        detail: 'circuit breaker open',
      });
    },
    after(upstreamUp, tenant = '') {
      if (upstreamUp === undefined) {
        trialInFlight = false;
        return;
      }
      if (current === 'half-open' && trialInFlight) {
        trialInFlight = false;
        if (upstreamUp) set('closed');
        else open();
        return;
      }
      if (current !== 'closed') return; // late answers of calls started before the circuit opened
      record(!upstreamUp, tenant);
      if (outcomes.length >= minimumCalls && failures / outcomes.length >= failureRatio && widespread())
        open();
    },
  };
}
