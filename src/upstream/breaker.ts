// A circuit breaker for the upstream: after `failureThreshold` consecutive transient failures (resets,
// timeouts, 502/503/504), calls fail fast for `openMs` instead of piling onto a dead upstream; then one
// trial call is let through (half-open) and its outcome closes or re-opens the circuit.
import type { CallGuard } from './client';
import { UpstreamError } from './errors';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreaker extends CallGuard {
  state(): BreakerState;
}

export interface BreakerOptions {
  failureThreshold?: number;
  openMs?: number;
  now?: () => number;
  onChange?: (state: BreakerState) => void;
}

export function createCircuitBreaker(options: BreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? 5;
  const openMs = options.openMs ?? 5000;
  const now = options.now ?? Date.now;
  let failures = 0;
  let openUntil = 0;
  let current: BreakerState = 'closed';
  let trialInFlight = false;

  const set = (next: BreakerState) => {
    if (next === current) return;
    current = next;
    options.onChange?.(next);
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
        message: `The upstream failed ${threshold} times in a row; calls are paused for ${Math.max(1, Math.ceil(Math.max(waitMs, 0) / 1000))} s.`,
        code: 'CIRCUIT_OPEN',
        detail: 'circuit breaker open',
      });
    },
    after(upstreamUp) {
      trialInFlight = false;
      if (upstreamUp === undefined) return;
      if (upstreamUp) {
        failures = 0;
        set('closed');
        return;
      }
      failures++;
      if (current === 'half-open' || failures >= threshold) {
        openUntil = now() + openMs;
        set('open');
      }
    },
  };
}
