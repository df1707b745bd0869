// DateTime values: the gateway holds epoch seconds (the upstream's unit) and speaks ISO-8601 UTC.

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Epoch seconds → "2026-11-29T07:31:58Z". */
export function serializeDateTime(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TypeError('DateTime must be epoch seconds');
  return new Date(value * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An ISO-8601 string with an explicit zone → epoch seconds (floored), or null when it is not one. */
export function parseDateTime(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40 || !ISO.test(value)) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls over impossible dates (Feb 30); require the date part to survive the round trip.
  const [date] = value.split('T');
  const offsetMatch = /(Z|[+-]\d{2}:\d{2})$/i.exec(value)?.[1] ?? 'Z';
  const offsetMinutes =
    offsetMatch.toUpperCase() === 'Z'
      ? 0
      : (offsetMatch.startsWith('-') ? -1 : 1) *
        (Number(offsetMatch.slice(1, 3)) * 60 + Number(offsetMatch.slice(4, 6)));
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10);
  if (local !== date) return null;
  return Math.floor(ms / 1000);
}
