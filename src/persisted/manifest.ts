// Persisted-document manifests: the JSON that GraphQL Code Generator's client preset writes
// (`persistedDocuments` with sha256 ids): `{ "<sha256 hex of the text>": "<document text>" }`. Each id is
// checked against its text, so a manifest cannot map an id to a document other than the one it names.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** At most this many bytes per manifest file and documents in all: a manifest is an app's operations. */
export const MANIFEST_LIMITS = { maxFileBytes: 16 * 1024 * 1024, maxDocuments: 10_000 } as const;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** True when `id` looks like a document id this gateway can know (sha256, lower-case hex). */
export function isDocumentId(id: unknown): id is string {
  return typeof id === 'string' && SHA256_HEX.test(id);
}

/** Reads and checks manifests; throws an Error whose one-line message names the file and the entry. */
export function readManifests(paths: readonly string[], maxDocumentChars: number): Map<string, string> {
  const documents = new Map<string, string>();
  for (const path of paths) {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw new Error(`${path} cannot be read (no such file?)`);
    }
    if (size > MANIFEST_LIMITS.maxFileBytes) {
      throw new Error(`${path} is ${size} bytes; at most ${MANIFEST_LIMITS.maxFileBytes} are read`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      throw new Error(`${path} is not JSON`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(
        `${path} must be a JSON object of sha256 ids to documents (codegen's persisted-documents.json)`,
      );
    }
    for (const [id, text] of Object.entries(parsed)) {
      const shown = id.length > 80 ? `${id.slice(0, 80)}…` : id;
      if (!SHA256_HEX.test(id)) {
        throw new Error(
          `${path}: "${shown}" is not a sha256 id (64 lower-case hex digits; generate the manifest with hashAlgorithm sha256)`,
        );
      }
      if (typeof text !== 'string') throw new Error(`${path}: the document of ${id} is not a string`);
      if (text.length > maxDocumentChars) {
        throw new Error(
          `${path}: the document of ${id} is ${text.length} characters long; at most ${maxDocumentChars}`,
        );
      }
      if (sha256Hex(text) !== id) throw new Error(`${path}: ${id} is not the sha256 of its document`);
      documents.set(id, text);
      if (documents.size > MANIFEST_LIMITS.maxDocuments) {
        throw new Error(`more than ${MANIFEST_LIMITS.maxDocuments} persisted documents`);
      }
    }
  }
  return documents;
}
