// What production exposes to federation tooling: `_service { sdl }` answers by default in every mode (the
// committed schema/schema.graphql, SPEC §8) and FEDERATION_SDL=false refuses it on every Yoga transport,
// aliased or through a fragment, while `_entities` keeps working for routers.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { FEDERATION_SDL_OFF_MESSAGE } from '../../src/plugins/federation-sdl';
import { gatewayOptionsFrom } from '../../src/server';
import { type Harness, HEADERS_A, startHarness } from '../support/gateway';

let harness: Harness;
afterEach(() => harness?.close());

const COMMITTED_SDL = readFileSync('schema/schema.graphql', 'utf8');
const SERVICE_QUERIES = [
  '{ _service { sdl } }',
  '{ schema: _service { sdl } }',
  '{ ...Sdl } fragment Sdl on Query { _service { sdl } }',
];

describe('FEDERATION_SDL', () => {
  it('is on by default, in production too, and reads true/false', () => {
    expect(loadConfig({}).federationSdl).toBe(true);
    const production = loadConfig({ NODE_ENV: 'production', CURSOR_SECRET: 'x'.repeat(32) });
    expect(production.federationSdl).toBe(true);
    // Production hides introspection but keeps the published SDL for routers and composition tools.
    expect(production.introspection).toBe(false);
    expect(gatewayOptionsFrom(loadConfig({ FEDERATION_SDL: 'false' })).federationSdl).toBe(false);
    expect(() => loadConfig({ FEDERATION_SDL: 'maybe' })).toThrow(/FEDERATION_SDL/);
  });

  it('serves the committed subgraph SDL when on, with introspection off', async () => {
    harness = startHarness({ introspection: false });
    const result = await harness.query('{ _service { sdl } }', {}, {});
    expect(result.errors).toBeUndefined();
    // The SDL a router composes is the committed contract (same types, keys and fields).
    expect(result.data._service.sdl).toContain('type Job implements Node');
    for (const line of ['@key(fields: "jobId")', '@key(fields: "key")', '@key(fields: "id")']) {
      expect(result.data._service.sdl).toContain(line);
      expect(COMMITTED_SDL).toContain(line);
    }
  });

  it('refuses _service when off, however it is selected, without touching _entities', async () => {
    harness = startHarness({ federationSdl: false });
    for (const query of SERVICE_QUERIES) {
      const result = await harness.query(query, {}, {});
      expect(result.data).toBeUndefined();
      expect(result.errors).toEqual([
        expect.objectContaining({ message: FEDERATION_SDL_OFF_MESSAGE, extensions: { code: 'FORBIDDEN' } }),
      ]);
    }
    // Over SSE too (Yoga's own transport; graphql-ws runs the same validation through yoga.getEnveloped).
    const sse = await harness.gateway.yoga.fetch(
      `http://gateway.test/graphql?query=${encodeURIComponent('{ _service { sdl } }')}`,
      { headers: { ...HEADERS_A, accept: 'text/event-stream' } },
    );
    expect(await sse.text()).toContain('FEDERATION_SDL=false');
    const entities = await harness.query(
      '{ _entities(representations: [{ __typename: "Corpus", key: "product_docs" }]) { ... on Corpus { key id } } }',
      {},
      {},
    );
    expect(entities).toMatchObject({ data: { _entities: [{ key: 'product_docs', id: null }] } });
    expect(harness.sim.calls).toBe(0);
  });
});
