// Property tests (fast-check): malformed cursors and argument values never cause a 500, never reach the
// upstream, and always fail as BAD_USER_INPUT.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFigure } from '../support/figures';
import { type Harness, startHarness } from '../support/gateway';

let harness: Harness;
let realCursor: string;
beforeAll(async () => {
  // v1: its 180-day window makes more argument values invalid (the generator counts on it).
  harness = startHarness({ apiVersion: 'v1' });
  const result = await harness.query(
    '{ jobs(first: 3, filter: { states: [COMPLETED] }) { pageInfo { endCursor } } }',
  );
  realCursor = result.data.jobs.pageInfo.endCursor;
});
afterAll(async () => {
  reportFigure('fuzz', { ...tally, everyFailure: 'BAD_USER_INPUT' });
  await harness.close();
});

const RUNS = 1000;
const LIST = `query($first: Int, $after: String, $filter: JobFilter) {
  jobs(first: $first, after: $after, filter: $filter) { edges { cursor } } }`;

const tally = { runs: 0, serverErrors: 0, upstreamCalls: 0 };

async function expectRejected(variables: Record<string, unknown>) {
  const before = harness.sim.calls;
  const result = await harness.query(LIST, variables);
  tally.runs++;
  if (result.status >= 500) tally.serverErrors++;
  tally.upstreamCalls += harness.sim.calls - before;
  expect(result.status).toBeLessThan(500);
  expect(result.errors?.length).toBeGreaterThan(0);
  for (const error of result.errors ?? []) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  expect(harness.sim.calls).toBe(before);
}

/** Mutations of a real cursor: truncation, a flipped character, insertion, segment swaps. */
const mutatedCursor = fc
  .tuple(
    fc.nat(),
    fc.constantFrom('truncate', 'flip', 'insert', 'swap', 'case'),
    fc.string({ minLength: 1, maxLength: 3 }),
  )
  .map(([at, how, text]) => {
    const cursor = realCursor;
    const index = at % cursor.length;
    switch (how) {
      case 'truncate':
        return cursor.slice(0, index);
      case 'flip': {
        const flipped = cursor[index] === 'A' ? 'B' : 'A';
        return cursor.slice(0, index) + flipped + cursor.slice(index + 1);
      }
      case 'insert':
        return cursor.slice(0, index) + text + cursor.slice(index);
      case 'swap': {
        const parts = cursor.split('.');
        const a = index % parts.length;
        const b = (a + 1) % parts.length;
        [parts[a], parts[b]] = [parts[b]!, parts[a]!];
        return parts.join('.');
      }
      default:
        return cursor.toLowerCase();
    }
  })
  .filter((cursor) => cursor !== realCursor);

const garbageCursor = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.base64String({ maxLength: 300 }),
  fc.stringMatching(
    /^v1\.[A-Za-z0-9_-]{0,20}\.[skbe]\d{1,3}\.\d{1,3}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{0,40}$/,
  ),
  fc.string({ minLength: 4097, maxLength: 5000 }),
  mutatedCursor,
);

describe('fuzz: cursors and arguments', () => {
  it(`rejects ${RUNS} malformed, truncated or forged cursors as BAD_USER_INPUT with no upstream call`, async () => {
    await fc.assert(
      fc.asyncProperty(garbageCursor, async (after) => {
        await expectRejected({ first: 3, after, filter: { states: ['COMPLETED'] } });
      }),
      { numRuns: RUNS },
    );
  });

  it(`rejects ${RUNS} invalid argument values as BAD_USER_INPUT with no upstream call`, async () => {
    const nowSecs = Math.floor(harness.clock.now() / 1000);
    const badFirst = fc.oneof(
      fc.integer({ max: 0 }),
      fc.integer({ min: 101 }),
      fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }),
      fc.string(),
      fc.boolean(),
    );
    const badDate = fc.oneof(
      fc.string({ maxLength: 40 }).filter((text) => !/^\d{4}-/.test(text)),
      fc
        .integer({ min: 181 * 86_400, max: 3650 * 86_400 })
        .map((ago) => new Date((nowSecs - ago) * 1000).toISOString()),
      fc.integer({ min: 120, max: 10 ** 8 }).map((ahead) => new Date((nowSecs + ahead) * 1000).toISOString()),
    );
    const badFilter = fc.oneof(
      fc.record({ states: fc.constant([]) }),
      fc.record({
        states: fc.array(
          fc.string({ minLength: 1 }).filter((s) => !/^[A-Z_]+$/.test(s)),
          { minLength: 1 },
        ),
      }),
      fc.record({ corpusIds: fc.array(fc.integer({ max: 0 }), { minLength: 1, maxLength: 5 }) }),
      fc.record({
        corpusIds: fc.array(fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
      fc.record({ createdAfter: badDate }),
    );
    const variables = fc.oneof(
      badFirst.map((first) => ({ first })),
      badFilter.map((filter) => ({ filter })),
      fc.tuple(badFirst, badFilter).map(([first, filter]) => ({ first, filter })),
    );
    await fc.assert(
      fc.asyncProperty(variables, async (vars) => {
        await expectRejected(vars);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts every valid first and the real cursor (control)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 100 }), async (first) => {
        const result = await harness.query(LIST, {
          first,
          after: realCursor,
          filter: { states: ['COMPLETED'] },
        });
        expect(result.errors).toBeUndefined();
      }),
      { numRuns: 25 },
    );
  });
});
