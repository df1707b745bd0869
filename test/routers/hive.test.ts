// Hive Gateway (@graphql-hive/gateway, its `hive-gateway` CLI as its own process) with docs/federation.md's
// gateway.config.ts as written, serving the composed supergraph in front of the gateway, the simulator and
// the owner subgraph. Subscriptions reach this subgraph over SSE (Hive's default HTTP transport).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/process';
import { routerChecks } from './support/checks';
import { routerConfig } from './support/docs';
import { startRouterProcess } from './support/router-process';
import { describeWithTools, toolPath, workFolder } from './support/tools';

describeWithTools('Hive Gateway', '.bin/hive-gateway', () => {
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
