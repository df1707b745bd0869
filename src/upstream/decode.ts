// Tolerant decoding helpers shared by both API adapters: absent and null fields, numbers as strings,
// unknown enum names (kept, cut short, for the log) never fail a response.

export class WirePayloadError extends Error {
  override name = 'WirePayloadError';
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An array field; absent or null is empty, anything else is a malformed response. */
export function asArray(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new WirePayloadError(`field "${field}" is not an array`);
  return value;
}

/** Strings as they are, numbers written out, anything else ''. */
export function asString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return '';
}

/** 9999-12-31T23:59:59Z: later is no real timestamp (and no ISO-8601 DateTime). */
export const MAX_EPOCH_SECONDS = 253_402_300_799;

const MAX_ENUM_LOGGED = 64;

/**
 * Maps a wire enum name through `known` (wire name → domain name, matched case-insensitively); an
 * unrecognised one is UNKNOWN and is noted in `unknown` for the log, cut short so that an upstream
 * cannot make a log line large.
 */
export function decodeEnum<T extends string>(
  value: unknown,
  known: ReadonlyMap<string, T>,
  unknown: string[],
): T | 'UNKNOWN' {
  const raw = asString(value);
  if (raw === '') return 'UNKNOWN';
  // Wire names are upper case: look up as sent first, and fold the case only when that misses.
  const name = known.get(raw) ?? known.get(raw.toUpperCase());
  if (name !== undefined) return name;
  unknown.push(raw.length > MAX_ENUM_LOGGED ? `${raw.slice(0, MAX_ENUM_LOGGED)}…` : raw);
  return 'UNKNOWN';
}
