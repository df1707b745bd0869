// Router configurations come from docs/federation.md as written: the fenced block right after a
// `<!-- router-config: NAME -->` marker. Docs and tests cannot drift.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const FEDERATION_DOC = resolve(import.meta.dirname, '../../../docs/federation.md');

export function routerConfig(name: string): string {
  const doc = readFileSync(FEDERATION_DOC, 'utf8');
  const marker = `<!-- router-config: ${name} -->`;
  const at = doc.indexOf(marker);
  if (at < 0) throw new Error(`docs/federation.md has no ${marker}`);
  const block = /^```[^\n]*\n([\s\S]*?)^```$/m.exec(doc.slice(at + marker.length));
  if (!block) throw new Error(`docs/federation.md has no code block after ${marker}`);
  return block[1]!;
}

/** Replaces an address the docs use by the test's, insisting it is there (a silent no-op would test nothing). */
export function pointAt(config: string, documented: string, actual: string): string {
  if (!config.includes(documented)) throw new Error(`the documented config no longer mentions ${documented}`);
  return config.replaceAll(documented, actual);
}
