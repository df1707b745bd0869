// DateTime values: the gateway holds epoch seconds (the upstream's unit) and speaks ISO-8601 UTC.
import { createBoundedMemo } from '../bounded-memo';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Epoch seconds → "2026-11-29T07:31:58Z". */
export function serializeDateTime(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TypeError('DateTime must be epoch seconds');
  const seconds = Math.floor(value);
  // Years 1970..9999 by integer arithmetic: this runs three times per job on every page, and is several
  // times cheaper than Date#toISOString. Anything else takes the general path.
  if (seconds < 0 || seconds >= 253_402_300_800)
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const days = Math.floor(seconds / 86_400);
  const secondOfDay = seconds - days * 86_400;
  const minuteOfDay = Math.floor(secondOfDay / 60);
  // Three ready-made parts: two string joins per value (each join is an allocation the GC pays for).
  return datePart(days) + CLOCK[minuteOfDay] + SECONDS[secondOfDay - minuteOfDay * 60];
}

/** "00".."59". */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => (n < 10 ? `0${n}` : `${n}`));
/** "HH:MM:" of each minute of a day (1,440 short strings). */
const CLOCK = Array.from(
  { length: 1440 },
  (_, minute) => `${TWO_DIGITS[Math.floor(minute / 60)]}:${TWO_DIGITS[minute % 60]}:`,
);
/** "SSZ". */
const SECONDS = TWO_DIGITS.map((seconds) => `${seconds}Z`);

/** "YYYY-MM-DDT" of recent days: the jobs of a page were mostly created within a few days of each other. */
const datePartsMemo = createBoundedMemo<number, string>(4096);

function datePart(days: number): string {
  return datePartsMemo(days, () => {
    const [year, month, day] = civilFromDays(days);
    return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T`;
  });
}

/** Days since 1970-01-01 → [year, month, day] (H. Hinnant's civil_from_days). */
function civilFromDays(daysSinceEpoch: number): [number, number, number] {
  const z = daysSinceEpoch + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return [year, month, day];
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
