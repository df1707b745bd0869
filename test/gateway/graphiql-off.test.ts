// With GraphiQL off (production's default), a browser opening /graphql gets a short page saying so and how
// to turn it on (404, HTML), not a CSRF 403 or an empty 406; GraphQL requests to the same URL are unchanged.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { gatewayOptionsFrom } from '../../src/server';
import { type Harness, startHarness } from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const openInBrowser = (path = '/graphql') =>
  harness.gateway.yoga.fetch(`http://gateway.test${path}`, {
    headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
  });

describe('GraphiQL off', () => {
  it('production settings: a browser gets a page saying GraphiQL is off and how to turn it on', async () => {
    harness = startHarness(gatewayOptionsFrom(loadConfig({ NODE_ENV: 'production' })));
    const page = await openInBrowser();
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('GraphiQL is off');
    expect(html).toContain('GRAPHIQL=true INTROSPECTION=true');
    expect(harness.sim.calls).toBe(0);
  });

  it.each([
    ['GRAPHIQL=false', { graphiql: false }],
    ['INTROSPECTION=false', { introspection: false }],
  ])('%s alone gives the same page', async (_name, options) => {
    harness = startHarness(options);
    const page = await openInBrowser();
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('GraphiQL is off');
  });

  it('GraphQL requests to /graphql are answered as before', async () => {
    harness = startHarness({ graphiql: false, introspection: false });
    const post = await harness.query('{ jobs(first: 1) { edges { node { jobId } } } }');
    expect(post.errors).toBeUndefined();
    expect(post.data.jobs.edges).toHaveLength(1);
    const get = await harness.gateway.yoga.fetch(
      `http://gateway.test/graphql?query=${encodeURIComponent('{ __typename }')}`,
      { headers: { accept: 'text/html, application/json', 'x-api-key': 'demo-api-key' } },
    );
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    // A GET without any preflight header is still refused before execution (without a credential the
    // refusal is UNAUTHENTICATED: plugins/credentials-first.ts), and other paths are untouched.
    const bare = await harness.gateway.yoga.fetch('http://gateway.test/graphql?query=%7B__typename%7D');
    expect(await bare.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await openInBrowser('/health')).status).toBe(200);
  });

  it('with GraphiQL on, the browser gets GraphiQL', async () => {
    harness = startHarness();
    const page = await openInBrowser();
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('jobs-gateway');
    expect(html).not.toContain('GraphiQL is off');
  });
});
