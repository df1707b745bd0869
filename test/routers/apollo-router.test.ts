// Apollo Router has no npm package to run here, so docs/federation.md's router.yaml is checked as written
// against the router's own published configuration JSON schema (apollo-router-config.schema.json: the JSON
// body of apollographql/router v2.13.1's
// apollo-router/src/configuration/snapshots/apollo_router__configuration__tests__schema_generation.snap,
// the schema the router validates router.yaml with), with ajv and a YAML parser from test/routers/tools;
// then for what this subgraph needs from it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { routerConfig } from './support/docs';
import { describeWithTools, toolPath } from './support/tools';

interface Validator {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}
interface AjvInstance {
  compile(schema: unknown): Validator;
}

const SCHEMA = JSON.parse(
  readFileSync(resolve(import.meta.dirname, 'apollo-router-config.schema.json'), 'utf8'),
);

describeWithTools('Apollo Router configuration (router.yaml)', 'ajv/package.json', () => {
  const require = createRequire(toolPath('package.json'));
  const Ajv = require('ajv').default as new (options: object) => AjvInstance;
  const YAML = require('yaml') as { parse(text: string): any };
  // The router's schema is draft-07 with a few formats of its own ("uint", …): checked structurally.
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(SCHEMA);
  const explain = () => JSON.stringify(validate.errors?.slice(0, 5));

  it('is valid for Apollo Router 2.13', () => {
    const config = YAML.parse(routerConfig('apollo-router'));
    expect(validate(config), explain()).toBe(true);
  });

  it('is a real check: a misspelt option or a protocol the router does not know is refused', () => {
    const config = YAML.parse(routerConfig('apollo-router'));
    expect(validate({ ...config, subscriptions: config.subscription })).toBe(false);
    const wrongProtocol = structuredClone(config);
    wrongProtocol.subscription.mode.passthrough.subgraphs.jobs.protocol = 'graphql-transport-ws';
    expect(validate(wrongProtocol)).toBe(false);
    const wrongRule = structuredClone(config);
    wrongRule.headers.subgraphs.jobs.request[0] = { propagate: { name: 'x-api-key' } };
    expect(validate(wrongRule)).toBe(false);
  });

  it('gives this subgraph what it needs, and other subgraphs nothing', () => {
    const config = YAML.parse(routerConfig('apollo-router'));
    // Credentials propagated to `jobs` only (no `all:` rule that would reach the owner subgraph).
    expect(Object.keys(config.headers)).toEqual(['subgraphs']);
    expect(Object.keys(config.headers.subgraphs)).toEqual(['jobs']);
    const propagated = config.headers.subgraphs.jobs.request.map((rule: any) => rule.propagate?.named);
    expect(propagated).toEqual(expect.arrayContaining(['x-api-key', 'authorization', 'customer-id']));
    // UNAUTHENTICATED / UPSTREAM_* reach clients instead of "Subgraph errors redacted".
    expect(config.include_subgraph_errors.subgraphs.jobs).toBe(true);
    // graphql-ws's protocol on this subgraph's /graphql (the router's default is the legacy graphql_ws).
    expect(config.subscription.mode.passthrough.subgraphs.jobs).toEqual({
      path: '/graphql',
      protocol: 'graphql_transport_ws',
    });
  });
});
