// Gateway processes as production runs them: wait until one prints where it listens.
import type { ChildProcess } from 'node:child_process';

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
