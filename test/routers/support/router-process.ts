// A router started as its own process (its own process group, so that a router that forks workers is
// stopped whole), ready once its GraphQL endpoint answers `{ __typename }`. Output is kept for failures.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface RouterProcess {
  /** The router's HTTP GraphQL endpoint. */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startRouterProcess(options: {
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  url: string;
  readyWithinMs?: number;
}): Promise<RouterProcess> {
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + String(chunk)).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    const gone = once(child, 'exit');
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (!exited && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, 5000);
    await gone;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.readyWithinMs ?? 45_000);
  for (;;) {
    if (exited) throw new Error(`${options.command} exited before it was ready:\n${output}`);
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      if (response.ok && ((await response.json()) as { data?: unknown }).data) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.command} was not ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url: options.url, output: () => output, stop };
}
