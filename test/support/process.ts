// Processes the tests and benchmarks start: free loopback ports, and waiting until a gateway prints where it
// listens.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A loopback port nobody listens on right now (the process started next takes it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The base URL (`http://host:port`) a gateway process prints once it listens; rejects if it exits first. */
export function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      const match = /jobs-gateway on (http:\/\/\S+)\/graphql/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`the gateway exited early with ${code}: ${out.slice(0, 500)}`)),
    );
  });
}

/**
 * `node …` arguments that run the built gateway exactly as `npm start` does (its V8 flags, then the bundle),
 * read from package.json so that benchmarks, soak and tests measure what production runs.
 */
export function gatewayCommand(): string[] {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const match = /^exec node (.*)$/.exec(scripts.start);
  if (!match) throw new Error(`unexpected start script: ${scripts.start}`);
  return match[1]!.split(' ');
}
