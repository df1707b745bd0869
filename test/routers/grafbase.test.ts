// Grafbase Gateway (`grafbase dev` from @grafbase/cli-x86_64-unknown-linux-musl, its own process) with
// docs/federation.md's grafbase.toml as written — only the two documented subgraph addresses pointed at
// the test's ports. It composes the graph from each subgraph's `_service { sdl }` and reaches this
// subgraph's subscriptions over WebSocket (`websocket_url`), the only way a graphql-ws client's
// connectionParams reach a subgraph through Grafbase; the gateway runs with WS_CREDENTIALS_PER_OPERATION=true,
// as the docs say, so that a subscription without credentials reaches the client as UNAUTHENTICATED.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../support/process';
import { routerChecks } from './support/checks';
import { pointAt, routerConfig } from './support/docs';
import { startRouterProcess } from './support/router-process';
import { describeWithTools, toolPath, workFolder } from './support/tools';

const GRAFBASE = '@grafbase/cli-x86_64-unknown-linux-musl/grafbase';

describeWithTools('Grafbase Gateway', GRAFBASE, () => {
  routerChecks({
    name: 'Grafbase Gateway',
    gateway: { wsCredentialsPerOperation: docsAskForCredentialsPerOperation() },
    async start(stack) {
      const work = workFolder('grafbase');
      let config = routerConfig('grafbase');
      config = pointAt(config, 'http://localhost:4000/graphql', stack.jobsUrl);
      config = pointAt(config, 'http://localhost:4001/graphql', stack.corporaUrl);
      config = pointAt(config, 'ws://localhost:4000/graphql', stack.jobsUrl.replace(/^http/, 'ws'));
      writeFileSync(join(work.path, 'grafbase.toml'), config);
      const port = await freePort();
      const router = await startRouterProcess({
        command: toolPath(GRAFBASE),
        args: ['--home', work.path, 'dev', '--config', 'grafbase.toml', '--port', String(port)],
        cwd: work.path,
        url: `http://127.0.0.1:${port}/graphql`,
      });
      return {
        url: router.url,
        wsUrl: `ws://127.0.0.1:${port}/ws`,
        sse: true,
        async stop() {
          await router.stop();
          work.remove();
        },
      };
    },
  });
});

/** The Grafbase section of docs/federation.md tells its users to set WS_CREDENTIALS_PER_OPERATION=true. */
function docsAskForCredentialsPerOperation(): boolean {
  const docs = readFileSync(new URL('../../docs/federation.md', import.meta.url), 'utf8');
  const section = docs.slice(
    docs.indexOf('## Grafbase Gateway'),
    docs.indexOf('<!-- router-config: grafbase -->'),
  );
  return section.includes('WS_CREDENTIALS_PER_OPERATION=true');
}
