// The committed schema/schema.graphql is the printed subgraph SDL of the code: this fails on drift
// (fix with `npm run codegen`). Also checks SPEC §2's contract: names, nullability and descriptions.
import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLNamedType, isInputObjectType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index';
import { printSchemaSdl, SCHEMA_FILE } from '../src/schema/sdl';
import { createGateway } from '../src/server';

describe('schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run codegen` after a schema change)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printSchemaSdl());
  });

  it('has SPEC §2 fields with their exact types', () => {
    const field = (type: string, name: string) => {
      const named = schema.getType(type);
      if (!isObjectType(named) && !isInputObjectType(named)) throw new Error(type);
      return String(named.getFields()[name]?.type);
    };
    expect(
      Object.fromEntries(
        [
          ['Job', 'id', 'ID!'],
          ['Job', 'jobId', 'String!'],
          ['Job', 'type', 'JobType!'],
          ['Job', 'state', 'JobState!'],
          ['Job', 'isTerminal', 'Boolean!'],
          ['Job', 'corpusKeys', '[String!]!'],
          ['Job', 'corpusIds', '[Int!]!'],
          ['Job', 'corpora', '[Corpus!]!'],
          ['Job', 'createdAt', 'DateTime'],
          ['Job', 'startedAt', 'DateTime'],
          ['Job', 'completedAt', 'DateTime'],
          ['Job', 'userHandle', 'String'],
          ['Job', 'comment', 'String'],
          ['Corpus', 'key', 'String!'],
          ['Corpus', 'id', 'Int'],
          ['Corpus', 'jobs', 'JobConnection!'],
          ['JobConnection', 'edges', '[JobEdge!]!'],
          ['JobConnection', 'pageInfo', 'PageInfo!'],
          ['JobEdge', 'cursor', 'String!'],
          ['JobEdge', 'node', 'Job!'],
          ['PageInfo', 'hasNextPage', 'Boolean!'],
          ['PageInfo', 'hasPreviousPage', 'Boolean!'],
          ['PageInfo', 'startCursor', 'String'],
          ['PageInfo', 'endCursor', 'String'],
          ['Query', 'jobs', 'JobConnection!'],
          ['Query', 'job', 'Job'],
          ['Query', 'node', 'Node'],
          ['Query', 'nodes', '[Node]!'],
          ['Subscription', 'jobUpdated', 'Job!'],
          ['JobFilter', 'corpusKeys', '[String!]'],
          ['JobFilter', 'corpusIds', '[Int!]'],
          ['JobFilter', 'states', '[JobState!]'],
          ['JobFilter', 'createdAfter', 'DateTime'],
        ].map(([type, name]) => [`${type}.${name}`, field(type!, name!)]),
      ),
    ).toMatchInlineSnapshot(`
      {
        "Corpus.id": "Int",
        "Corpus.jobs": "JobConnection",
        "Corpus.key": "String!",
        "Job.comment": "String",
        "Job.completedAt": "DateTime",
        "Job.corpora": "[Corpus!]!",
        "Job.corpusIds": "[Int!]!",
        "Job.corpusKeys": "[String!]!",
        "Job.createdAt": "DateTime",
        "Job.id": "ID!",
        "Job.isTerminal": "Boolean!",
        "Job.jobId": "String!",
        "Job.startedAt": "DateTime",
        "Job.state": "JobState!",
        "Job.type": "JobType!",
        "Job.userHandle": "String",
        "JobConnection.edges": "[JobEdge!]!",
        "JobConnection.pageInfo": "PageInfo!",
        "JobEdge.cursor": "String!",
        "JobEdge.node": "Job!",
        "JobFilter.corpusIds": "[Int!]",
        "JobFilter.corpusKeys": "[String!]",
        "JobFilter.createdAfter": "DateTime",
        "JobFilter.states": "[JobState!]",
        "PageInfo.endCursor": "String",
        "PageInfo.hasNextPage": "Boolean!",
        "PageInfo.hasPreviousPage": "Boolean!",
        "PageInfo.startCursor": "String",
        "Query.job": "Job",
        "Query.jobs": "JobConnection!",
        "Query.node": "Node",
        "Query.nodes": "[Node]!",
        "Subscription.jobUpdated": "Job!",
      }
    `);
  });

  it('keeps SPEC §2 argument defaults and federation keys in the printed SDL', () => {
    const sdl = printSchemaSdl();
    expect(sdl).toContain('first: Int = 20');
    expect(sdl).toContain('states: [JobState!] = [QUEUED, STARTED]');
    expect(sdl).toMatch(/type Job implements Node\s+@key\(fields: "jobId"\)/);
    expect(sdl).toMatch(/type Corpus\s+@key\(fields: "key"\)\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/enum JobType[^}]*BULK_DELETE_DOCUMENTS[^}]*BULK_UPDATE_DOCUMENT_METADATA/);
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/');
  });

  it('is the same whichever upstream API version is configured (what a router composes never changes)', async () => {
    const printed = await Promise.all(
      (['v1', 'v2'] as const).map(async (apiVersion) => {
        const gateway = createGateway({
          apiVersion,
          upstreamUrl: 'http://upstream.test',
          fetch: () => Promise.reject(new Error('no call')),
        });
        const response = await gateway.yoga.fetch('http://gateway.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ _service { sdl } }' }),
        });
        await gateway.close();
        return ((await response.json()) as { data: { _service: { sdl: string } } }).data._service.sdl;
      }),
    );
    expect(printed[0]).toBe(printed[1]);
    expect(printed[0]).toContain('corpusKeys');
  });

  it('describes every type, field and argument of the public schema', () => {
    const sdl = buildSchema(readFileSync(SCHEMA_FILE, 'utf8').replace(/extend schema[\s\S]*?\)\n/, ''), {
      assumeValidSDL: true,
    });
    const missing: string[] = [];
    for (const type of Object.values(sdl.getTypeMap()) as GraphQLNamedType[]) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name))
        continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
