// Fair sharing of the upstream socket pool across tenants: at most `maxPerTenant` upstream calls of one
// credential run at once; the rest wait their turn (their deadline keeps running), so one tenant's fan-out
// cannot take every pooled socket from the others. Idle tenants hold no state.

export interface TenantLimiter {
  /** Runs `work` once this tenant has a free slot; rejects with the signal's reason if it aborts first. */
  run<T>(tenant: string, signal: AbortSignal, work: () => Promise<T>): Promise<T>;
}

interface Slots {
  active: number;
  waiting: (() => void)[];
}

export function createTenantLimiter(maxPerTenant: number): TenantLimiter {
  const tenants = new Map<string, Slots>();

  const acquire = (tenant: string, signal: AbortSignal): Promise<void> => {
    let slots = tenants.get(tenant);
    if (!slots) {
      slots = { active: 0, waiting: [] };
      tenants.set(tenant, slots);
    }
    if (slots.active < maxPerTenant) {
      slots.active++;
      return Promise.resolve();
    }
    const queue = slots;
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        queue.active++;
        resolve();
      };
      const onAbort = () => {
        const index = queue.waiting.indexOf(grant);
        if (index >= 0) queue.waiting.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      queue.waiting.push(grant);
    });
  };

  const release = (tenant: string) => {
    const slots = tenants.get(tenant);
    if (!slots) return;
    slots.active--;
    const next = slots.waiting.shift();
    if (next) next();
    else if (slots.active === 0) tenants.delete(tenant);
  };

  return {
    async run(tenant, signal, work) {
      if (signal.aborted) throw signal.reason;
      await acquire(tenant, signal);
      try {
        return await work();
      } finally {
        release(tenant);
      }
    },
  };
}
