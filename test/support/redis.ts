// A real redis-server for the tests and attacks that need one, on a free loopback port, without persistence.
// Without redis-server on PATH those tests say so and skip, unless REQUIRE_REDIS_TESTS is set (.ci/run sets
// it): then they fail.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from './process';

export const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;

/** Throws when Redis tests are required but redis-server is missing; says once that they are skipped. */
export function requireRedisOrWarn(what: string): void {
  if (hasRedis) return;
  if (process.env.REQUIRE_REDIS_TESTS)
    throw new Error('redis-server is not on PATH, and REQUIRE_REDIS_TESTS is set');
  console.warn(`\n*** redis-server is not on PATH: ${what} SKIPPED (apt-get install redis-server) ***\n`);
}

export interface RunningRedis {
  process: ChildProcess;
  url: string;
  /** SIGKILLs it (resumed first if paused) and waits for its exit. */
  stop(): Promise<void>;
}

/** Starts redis-server on a free port and resolves once it accepts connections. */
export async function startRedis(port?: number): Promise<RunningRedis> {
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return {
    process: child,
    url: `redis://127.0.0.1:${chosen}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
