// Vitest global setup: builds dist/ once (the bundle `npm start` runs) and the example app (what `npm run
// demo` serves) before any test file that starts them, so that parallel test files never build them at the
// same time.
import { spawnSync } from 'node:child_process';
import { buildExampleApp } from '../../src/example-app';

export default async function setup(): Promise<void> {
  const result = spawnSync('npm', ['run', 'build'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed: ${result.stderr}`);
  await buildExampleApp();
}
