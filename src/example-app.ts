// The example frontend (examples/web) for `npm run demo`: built with Vite when its sources are newer than
// its build, then served by the demo's own server under /app/, on the gateway's origin (no CORS needed).
// Demo only: the production gateway serves no files.
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import sirv from 'sirv';
import { readManifests } from './persisted/manifest';
import { LIMITS } from './plugins/limits';

export const EXAMPLE_APP_PATH = '/app/';
export const EXAMPLE_APP_ROOT = resolve(import.meta.dirname, '../examples/web');
/** The manifest of the app's operations that `npm run codegen` writes (persisted documents). */
export const EXAMPLE_APP_MANIFEST = join(EXAMPLE_APP_ROOT, 'src/gql/persisted-documents.json');

/** The app's persisted documents (what its clients send by id); none when the manifest is not there. */
export function exampleAppManifest(path = EXAMPLE_APP_MANIFEST): Map<string, string> {
  return existsSync(path) ? readManifests([path], LIMITS.maxDocumentChars) : new Map();
}

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestChange(join(path, name))),
    stats.mtimeMs,
  );
}

/** Builds the app unless its build is newer than every source file; false when the app is not there. */
export async function buildExampleApp(root = EXAMPLE_APP_ROOT): Promise<boolean> {
  if (!existsSync(join(root, 'index.html'))) return false;
  const built = join(root, 'dist/index.html');
  const sources = Math.max(
    newestChange(join(root, 'src')),
    newestChange(join(root, 'index.html')),
    newestChange(join(root, 'vite.config.ts')),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return true;
  const { build } = await import('vite');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

/** `next` with the built app answering GET/HEAD under /app/ (and /app redirected there). */
export function withExampleApp(next: RequestListener, root = EXAMPLE_APP_ROOT): RequestListener {
  const files = sirv(join(root, 'dist'), { dev: false, etag: true, single: false });
  return (request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '/';
    if (url === '/app' || url === '/') {
      response.writeHead(302, { location: EXAMPLE_APP_PATH }).end();
      return;
    }
    if (!url.startsWith(EXAMPLE_APP_PATH)) {
      next(request, response);
      return;
    }
    request.url = url.slice(EXAMPLE_APP_PATH.length - 1);
    files(request, response, () => {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.\n');
    });
  };
}
