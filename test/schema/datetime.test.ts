// The DateTime scalar's fast formatter agrees with Date#toISOString everywhere, and parsing is strict.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDateTime, serializeDateTime } from '../../src/schema/datetime';

const reference = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('DateTime', () => {
  it('formats epoch seconds exactly like Date#toISOString (second precision)', () => {
    for (const seconds of [
      0, 1, 59, 86_399, 86_400, 951_782_400, 1_795_937_518, 4_107_542_399, 253_402_300_799,
    ]) {
      expect(serializeDateTime(seconds)).toBe(reference(seconds));
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799 }),
        (seconds) => serializeDateTime(seconds) === reference(seconds),
      ),
      { numRuns: 20_000 },
    );
  });

  it('parses ISO-8601 with a zone and round-trips', () => {
    expect(parseDateTime('2026-11-29T07:31:58Z')).toBe(1_795_937_518);
    expect(parseDateTime('2026-11-29T08:31:58+01:00')).toBe(1_795_937_518);
    expect(parseDateTime('2026-11-29T07:31:58.999Z')).toBe(1_795_937_518);
    for (const bad of [
      '2026-11-29',
      '2026-11-29T07:31:58',
      '2026-02-30T00:00:00Z',
      'yesterday',
      1_795_937_518,
      null,
    ]) {
      expect(parseDateTime(bad)).toBeNull();
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799 }),
        (seconds) => parseDateTime(serializeDateTime(seconds)) === seconds,
      ),
      { numRuns: 5_000 },
    );
  });
});
