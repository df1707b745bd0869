// Vitest global setup: builds dist/ once (the bundle `npm start` runs) before any test file that starts it,
// so that parallel test files never build it at the same time.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const result = spawnSync('npm', ['run', 'build'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run build failed: ${result.stderr}`);
}
