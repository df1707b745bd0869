// The routers live in test/routers/tools (own package.json and lock file, installed by .ci/run with
// `npm --prefix test/routers/tools ci`). Locally, without that install, the router suites are skipped with
// a message saying how to install; in CI (CI=true) a missing install fails them.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'vitest';

export const TOOLS_DIR = resolve(import.meta.dirname, '../tools');
export const INSTALL_COMMAND = 'npm --prefix test/routers/tools ci --no-audit --no-fund';

/** A path inside test/routers/tools/node_modules. */
export const toolPath = (...parts: string[]) => join(TOOLS_DIR, 'node_modules', ...parts);

/** describe() when the router tools are installed; otherwise a skip with the reason, or a failure in CI. */
export function describeWithTools(name: string, marker: string, body: () => void): void {
  if (existsSync(toolPath(marker))) {
    describe(name, body);
    return;
  }
  const reason = `test/routers/tools is not installed (${marker} missing): run \`${INSTALL_COMMAND}\``;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has its router installed', () => {
        throw new Error(reason);
      });
    });
  } else {
    // One line per suite, so that a local run says why these routers were not tried.
    console.warn(`${name}: skipped, ${reason}`);
    describe.skip(`${name} — skipped: ${reason}`, body);
  }
}

/**
 * A working folder for one router's files, removed when done: inside test/routers/tools for a config that
 * imports the router's package (Hive's gateway.config.ts resolves it from tools/node_modules), or beside it
 * for one that imports the project's own packages (@apollo/gateway from the root node_modules).
 */
export function workFolder(
  name: string,
  where: 'tools' | 'project' = 'tools',
): { path: string; remove(): void } {
  const parent = where === 'tools' ? TOOLS_DIR : resolve(TOOLS_DIR, '..');
  const path = mkdtempSync(join(parent, `.work-${name}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
