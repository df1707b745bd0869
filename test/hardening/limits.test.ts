// Operation limits and web safety: each graphql-armor limit accepted at the limit and rejected at limit+1
// (as BAD_USER_INPUT, with no upstream call), body size, CSRF prevention, batching, and the production
// switches for introspection and GraphiQL.
import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/plugins/limits';
import { reportFigure } from '../support/figures';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const ANONYMOUS = {};
const isLimitError = (result: { errors?: { extensions?: Record<string, unknown> }[] }, limit: string) =>
  result.errors?.some(
    (error) => error.extensions?.reason === 'OPERATION_LIMIT' && error.extensions?.limit === limit,
  ) ?? false;

/** A chain of `depth` nested fields: jobs → edges → node → corpora → jobs → … → __typename. */
function depthQuery(depth: number): string {
  const cycle = ['jobs(first: 1)', 'edges', 'node', 'corpora'];
  const open = Array.from({ length: depth - 1 }, (_, index) => `${cycle[index % cycle.length]} {`).join(' ');
  return `{ ${open} __typename ${'}'.repeat(depth - 1)} }`;
}

const aliasQuery = (count: number) =>
  `{ ${Array.from({ length: count }, (_, index) => `a${index}: job(jobId: "j${index}") { jobId }`).join(' ')} }`;
const directiveQuery = (count: number) => `{ __typename ${'@skip(if: false) '.repeat(count)}}`;
/** Exactly `count` lexer tokens including <EOF>: 16 fixed tokens plus one per list element. */
const tokenQuery = (count: number) =>
  `{ jobs(filter: { corpusIds: [${Array.from({ length: count - 16 }, () => '1').join(' ')}] }) { __typename } }`;
/**
 * Cost = fields the response may hold: jobs 1 + edges 1 + 100 × (node, corpora, Corpus.jobs, edges) +
 * 100 × first × (node, jobId) = 402 + 200 × first.
 */
const costQuery = (first: number) =>
  `{ jobs(first: 100) { edges { node { corpora { jobs(first: ${first}) { edges { node { jobId } } } } } } } }`;
/** Exactly `length` characters: one operation name takes what `{ __typename }` leaves (one token, however long). */
const lengthQuery = (length: number) => `query N${'x'.repeat(length - 22)} { __typename }`;
const costAtLimit = Math.floor((LIMITS.maxCost - 402) / 200);

describe('operation limits', () => {
  const cases: [string, (n: number) => string, number, number][] = [
    ['depth', depthQuery, LIMITS.maxDepth, LIMITS.maxDepth + 1],
    ['aliases', aliasQuery, LIMITS.maxAliases, LIMITS.maxAliases + 1],
    ['directives', directiveQuery, LIMITS.maxDirectives, LIMITS.maxDirectives + 1],
    ['token', tokenQuery, LIMITS.maxTokens, LIMITS.maxTokens + 1],
    ['cost', costQuery, costAtLimit, costAtLimit + 1],
    ['document-length', lengthQuery, LIMITS.maxDocumentChars, LIMITS.maxDocumentChars + 1],
  ];

  it.each(cases)(
    '%s: accepted at the limit, BAD_USER_INPUT one past it',
    async (limit, build, atLimit, pastLimit) => {
      harness = startHarness();
      const accepted = await harness.query(build(atLimit), {}, ANONYMOUS);
      expect(isLimitError(accepted, limit), JSON.stringify(accepted.errors)).toBe(false);
      const rejected = await harness.query(build(pastLimit), {}, ANONYMOUS);
      expect(rejected.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'OPERATION_LIMIT',
        limit,
      });
      expect(rejected.status).toBeLessThan(500);
      expect(harness.sim.calls).toBe(0);
      reportFigure(`limit ${limit}`, {
        accepted: atLimit,
        rejected: pastLimit,
        message: rejected.errors?.[0]?.message,
      });
    },
  );

  it('allows the full 100-job page with every field (within the cost limit)', async () => {
    harness = startHarness();
    const result = await harness.query(
      '{ jobs(first: 100, filter: { states: [COMPLETED] }) { edges { cursor node { id jobId type state isTerminal corpusIds corpora { id } createdAt startedAt completedAt userHandle } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.jobs.edges).toHaveLength(100);
  });
});

/** A raw JSON POST with the demo credentials (bodies GraphQL clients would not send). */
const postJson = (body: unknown) =>
  harness.gateway.yoga.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...HEADERS_A },
    body: JSON.stringify(body),
  });

describe('web safety', () => {
  it('answers a 2 MB body with 413 and never calls the upstream', async () => {
    harness = startHarness();
    const padding = 'x'.repeat(2 * 1024 * 1024);
    const response = await postJson({ query: '{ __typename }', variables: { padding } });
    expect(response.status).toBe(413);
    expect(harness.sim.calls).toBe(0);
    reportFigure('body limit', {
      limitBytes: LIMITS.maxBodyBytes,
      sentBytes: padding.length,
      status: response.status,
    });
  });

  it('refuses simple (non-preflighted) cross-site requests: CSRF prevention', async () => {
    harness = startHarness();
    const get = (headers: Record<string, string>) =>
      harness.gateway.yoga.fetch(
        `http://gateway.test/graphql?query=${encodeURIComponent('{ __typename }')}`,
        { headers },
      );
    const refused = await get({ accept: 'application/json' });
    // Refused before execution; without credentials the refusal is UNAUTHENTICATED (credentials-first.ts).
    const body = (await refused.json()) as {
      data?: unknown;
      errors: { message: string; extensions: Record<string, unknown> }[];
    };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((await get({ 'x-api-key': 'demo-api-key', 'customer-id': '1234567890' })).status).toBe(200);
    expect((await get({ 'x-graphql-yoga-csrf': '1' })).status).toBe(200);
    const form = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=%7B__typename%7D',
    });
    expect(((await form.json()) as { data?: unknown }).data).toBeUndefined();
  });

  it('does not accept batched operations', async () => {
    harness = startHarness();
    const response = await postJson([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(response.status).toBe(400);
    expect(harness.sim.calls).toBe(0);
  });

  it('can turn introspection, field suggestions and GraphiQL off for production', async () => {
    harness = startHarness({ introspection: false });
    const introspection = await harness.query('{ __schema { queryType { name } } }');
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await harness.query('{ jobz { edges { cursor } } }');
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const page = await harness.gateway.yoga.fetch('http://gateway.test/graphql', {
      headers: { accept: 'text/html' },
    });
    expect(await page.text()).not.toContain('graphiql');
    const open = startHarness();
    const suggestion = await open.query('{ jobz { edges { cursor } } }');
    expect(suggestion.errors?.[0]?.message).toMatch(/Did you mean/);
    const graphiql = await open.gateway.yoga.fetch('http://gateway.test/graphql', {
      headers: { accept: 'text/html' },
    });
    expect(await graphiql.text()).toContain('jobs-gateway');
    await open.close();
  });
});
