// `npm run simulator`: the upstream simulator alone, on loopback (SIMULATOR_PORT, default 4010).
import { loadOrExit, loadSimulatorConfig } from '../config';
import { exitOnListenError } from '../http';
import { DEMO_ACCOUNTS } from './dataset';
import { createSimulator } from './handler';
import { listenSimulator } from './server';

const config = loadOrExit(() => loadSimulatorConfig());
const simulator = createSimulator();
simulator.configure({ latencyMs: config.latencyMs });
const running = await listenSimulator(simulator, config.port, config.host).catch((error: unknown) =>
  exitOnListenError(error, 'the simulator (SIMULATOR_PORT, SIMULATOR_HOST)', config.port, config.host),
);
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
const stop = () => void running.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
