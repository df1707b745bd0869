// Processes the tests and benchmarks start: free loopback ports, and waiting until a gateway prints where it
// listens.
import { type ChildProcess, spawn } from 'node:child_process';
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

export interface RunningProcess {
  child: ChildProcess;
  /** The base URL the process printed (`http://host:port`). */
  url: string;
  /** Everything it wrote on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Its exit: the code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal to the process, or to its whole group when it was started `detached` (a terminal's Ctrl+C). */
  signal(signal: NodeJS.Signals, target?: 'process' | 'group'): void;
  /** SIGKILL to what is still running (test cleanup). */
  kill(): void;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Its own process group, so that `signal(…, 'group')` reaches npm and node alike. */
  detached?: boolean;
  /** How the process says where it listens: the first group is the base URL. */
  ready?: RegExp;
}

/** Starts a launcher (node or npm) and resolves once it prints where it listens; rejects if it exits first. */
export function startProcess(
  command: string,
  args: string[],
  options: StartOptions = {},
): Promise<RunningProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: options.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    err += String(chunk);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const ready = options.ready ?? /jobs-gateway on (http:\/\/\S+)\/graphql/;
  return new Promise<RunningProcess>((resolve, reject) => {
    const look = () => {
      const match = ready.exec(out);
      if (!match) return;
      child.stdout?.off('data', look);
      resolve({
        child,
        url: match[1]!,
        stdout: () => out,
        stderr: () => err,
        exited,
        signal(signal, target = 'process') {
          if (target === 'group') process.kill(-child.pid!, signal);
          else child.kill(signal);
        },
        kill() {
          if (!running) return;
          if (options.detached) {
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // the group is gone already
            }
          } else child.kill('SIGKILL');
        },
      });
    };
    child.stdout?.on('data', look);
    void exited.then(({ code, signal }) =>
      reject(
        new Error(`${command} exited early (${code ?? signal}): ${out.slice(0, 500)} ${err.slice(0, 500)}`),
      ),
    );
  });
}

/** The JSON log lines a process wrote on stdout (other lines, such as the banner, are skipped). */
export function logLines(stdout: string): { level: number; msg: string; [field: string]: unknown }[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
}
