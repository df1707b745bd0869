// @apollo/gateway in Apollo Server, run as its own process from docs/federation.md's module as written
// (tsx, the project's own @apollo/* packages), serving the composed supergraph in front of the gateway, the
// simulator and the owner subgraph. It serves queries only: the subscription checks are skipped for it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/process';
import { routerChecks } from './support/checks';
import { routerConfig } from './support/docs';
import { startRouterProcess } from './support/router-process';
import { workFolder } from './support/tools';

routerChecks({
  name: '@apollo/gateway',
  async start(stack) {
    const work = workFolder('apollo-gateway', 'project');
    writeFileSync(join(work.path, 'gateway.ts'), routerConfig('apollo-gateway'));
    writeFileSync(join(work.path, 'supergraph.graphql'), stack.supergraphSdl);
    const port = await freePort();
    const router = await startRouterProcess({
      command: process.execPath,
      args: ['--import', 'tsx', 'gateway.ts'],
      cwd: work.path,
      env: { PORT: String(port), NODE_ENV: 'test' },
      url: `http://127.0.0.1:${port}/`,
    });
    return {
      url: router.url,
      sse: false,
      async stop() {
        await router.stop();
        work.remove();
      },
    };
  },
});
