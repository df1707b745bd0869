// Hive Gateway (@graphql-hive/gateway, its `hive-gateway` CLI as its own process) with docs/federation.md's
// gateway.config.ts as written, serving the composed supergraph in front of the gateway, the simulator and
// the owner subgraph. Subscriptions reach this subgraph over SSE (Hive's default HTTP transport).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
import { freePort } from '../support/process';
import { routerChecks } from './support/checks';
import { routerConfig } from './support/docs';
import { startRouterProcess } from './support/router-process';
import { describeWithTools, toolPath, workFolder } from './support/tools';

describeWithTools('Hive Gateway', '.bin/hive-gateway', () => {
  it("the documented gateway.config.ts type-checks (strict) against Hive Gateway's own types", () => {
    const work = workFolder('hive-types');
    try {
      const file = join(work.path, 'gateway.config.ts');
      writeFileSync(file, routerConfig('hive-gateway'));
      const program = ts.createProgram([file], {
        strict: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        types: ['node'],
        typeRoots: [join(import.meta.dirname, '../../node_modules/@types')],
      });
      const problems = ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      expect(problems).toEqual([]);
    } finally {
      work.remove();
    }
  }, 60_000);

  routerChecks({
    name: 'Hive Gateway',
    async start(stack) {
      const work = workFolder('hive');
      writeFileSync(join(work.path, 'gateway.config.ts'), routerConfig('hive-gateway'));
      writeFileSync(join(work.path, 'supergraph.graphql'), stack.supergraphSdl);
      const port = await freePort();
      const router = await startRouterProcess({
        command: toolPath('.bin/hive-gateway'),
        args: ['supergraph', 'supergraph.graphql', '--port', String(port), '--host', '127.0.0.1'],
        cwd: work.path,
        env: { NODE_ENV: 'test' },
        url: `http://127.0.0.1:${port}/graphql`,
      });
      return {
        url: router.url,
        wsUrl: `ws://127.0.0.1:${port}/graphql`,
        sse: true,
        async stop() {
          await router.stop();
          work.remove();
        },
      };
    },
  });
});
