// Fault and quirk knobs of the simulator. Faults break a request (status codes, resets, hangs); quirks keep
// it successful but exercise the undocumented corners a client must tolerate. Both can be set
// programmatically (tests, benchmarks), over the admin endpoint, or per request with `x-simulator-*` headers.

export const FAULTS = [
  'rate-limit', // 429 + Retry-After + rpc code 8
  'unavailable', // 503 + rpc code 14
  'status-unavailable', // 200 + status[] UNAVAILABLE
  'status-error', // 200 + status[] with `statusCode` (default INVALID_ARGUMENT)
  'internal', // 500 + rpc code 13
  'bad-gateway', // 502 with an HTML body (a proxy in front of the upstream)
  'html-500', // 500 with an HTML body
  'not-json', // 200 with a body that is not JSON
  'reset', // the connection is reset before any response
  'hang', // no response until the caller gives up
] as const;
export type Fault = (typeof FAULTS)[number];

export const QUIRKS = [
  'trailing-empty-page', // the last non-empty page still carries a key; the next page is empty
  'short-pages', // pages hold about half of numResults while more remain
  'unknown-enums', // some jobs carry enum names this client has never seen
  'int64-numbers', // int64 fields as JSON numbers instead of strings
  'omit-empty', // unset fields absent instead of "0" / "" / []
  'null-fields', // unset fields as null
  'status-ok', // success reported as status: [{code: "OK"}] instead of []
] as const;
export type Quirk = (typeof QUIRKS)[number];

export interface FaultSettings {
  /** Added before every answer. */
  latencyMs: number;
  /** Seconds for Retry-After on 'rate-limit'. */
  retryAfterSeconds: number;
  /** Vectara status code for 'status-error'. */
  statusCode: string;
  /** A fault applied at random to this fraction of requests (0..1). */
  random: { fault: Fault; probability: number } | null;
  /** A fault applied to every n-th request (deterministic "one in n"). */
  periodic: { fault: Fault; every: number } | null;
  quirks: Quirk[];
}

export const DEFAULT_FAULT_SETTINGS: FaultSettings = {
  latencyMs: 0,
  retryAfterSeconds: 1,
  statusCode: 'INVALID_ARGUMENT',
  random: null,
  periodic: null,
  quirks: [],
};

const isFault = (value: string): value is Fault => (FAULTS as readonly string[]).includes(value);
const isQuirk = (value: string): value is Quirk => (QUIRKS as readonly string[]).includes(value);

/** Validates a partial settings object from the admin endpoint; throws with a readable message. */
export function parseFaultSettings(input: unknown): Partial<FaultSettings> {
  if (typeof input !== 'object' || input === null) throw new Error('settings must be a JSON object');
  const raw = input as Record<string, unknown>;
  const out: Partial<FaultSettings> = {};
  if (raw.latencyMs !== undefined) out.latencyMs = nonNegative(raw.latencyMs, 'latencyMs');
  if (raw.retryAfterSeconds !== undefined)
    out.retryAfterSeconds = nonNegative(raw.retryAfterSeconds, 'retryAfterSeconds');
  if (raw.statusCode !== undefined) out.statusCode = String(raw.statusCode);
  if (raw.quirks !== undefined) out.quirks = parseQuirks(raw.quirks);
  if (raw.periodic !== undefined) {
    if (raw.periodic === null) out.periodic = null;
    else {
      const periodic = raw.periodic as { fault?: unknown; every?: unknown };
      const every = Number(periodic.every);
      if (!Number.isInteger(every) || every < 1) throw new Error('periodic.every must be a whole number ≥ 1');
      out.periodic = { fault: parseFault(String(periodic.fault)), every };
    }
  }
  if (raw.random !== undefined) {
    if (raw.random === null) out.random = null;
    else {
      const random = raw.random as { fault?: unknown; probability?: unknown };
      const fault = parseFault(String(random.fault));
      const probability = Number(random.probability);
      if (!(probability >= 0 && probability <= 1)) throw new Error('random.probability must be in 0..1');
      out.random = { fault, probability };
    }
  }
  return out;
}

export function parseFault(value: string): Fault {
  if (!isFault(value)) throw new Error(`unknown fault "${value}" (known: ${FAULTS.join(', ')})`);
  return value;
}

export function parseQuirks(value: unknown): Quirk[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      if (!isQuirk(item)) throw new Error(`unknown quirk "${item}" (known: ${QUIRKS.join(', ')})`);
      return item;
    });
}

function nonNegative(value: unknown, name: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new Error(`${name} must be a non-negative number`);
  return number;
}
