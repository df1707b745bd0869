// `npm run simulator`: the upstream simulator alone, on loopback (SIMULATOR_PORT, default 4010). It stops
// like the gateway (lifecycle.ts): one drain however many SIGINT/SIGTERM arrive, in-flight requests finish.
import { loadDotEnv, loadOrExit, loadSimulatorConfig } from '../config';
import { exitOnListenError } from '../http';
import { drainOnSignal, exitOnFatalErrors } from '../lifecycle';
import { DEMO_ACCOUNTS } from './dataset';
import { createSimulator } from './handler';
import { listenSimulator } from './server';

loadOrExit(() => loadDotEnv());
const config = loadOrExit(() => loadSimulatorConfig());
exitOnFatalErrors();
const simulator = createSimulator();
simulator.configure({ latencyMs: config.latencyMs });
const running = await listenSimulator(simulator, config.port, config.host).catch((error: unknown) =>
  exitOnListenError(error, 'the simulator (SIMULATOR_PORT, SIMULATOR_HOST)', config.port, config.host),
);
// Nothing sits in front of the simulator to wait for (delay 0); a request still running after 5 s is cut.
drainOnSignal({ server: running.server, delayMs: 0, timeoutMs: 5000 });
process.stdout.write(
  `Vectara Jobs API simulator on ${running.url}: GET /v2/jobs, GET /v2/jobs/{id}, POST /v1/list-jobs\n`,
);
for (const account of DEMO_ACCOUNTS) {
  process.stdout.write(
    `  customer-id ${account.customerId}: x-api-key ${account.apiKeys.join(', ')} | Bearer ${account.bearerTokens.join(', ')}\n`,
  );
}
process.stdout.write(
  `  faults and quirks: POST ${running.url}/_simulator/config, stats: GET ${running.url}/_simulator/stats\n`,
);
