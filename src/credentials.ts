// Credentials taken from an incoming request (SPEC §6): exactly x-api-key, authorization and customer-id
// pass through; nothing else does. Their fingerprint is a keyed hash (HMAC with a per-process secret), used
// to keep caches, cursors and shared polls apart per credential without ever holding the secret itself.
import { createHmac, randomBytes } from 'node:crypto';
import type { Credentials } from './upstream/client';

function header(headers: Headers, name: string): string | undefined {
  const value = headers.get(name)?.trim();
  return value ? value : undefined;
}

/** The caller's credentials, or null when neither x-api-key nor authorization is present. */
export function credentialsFrom(headers: Headers, fallbackCustomerId?: string): Credentials | null {
  const apiKey = header(headers, 'x-api-key');
  const authorization = header(headers, 'authorization');
  if (apiKey === undefined && authorization === undefined) return null;
  const credentials: Credentials = {};
  if (apiKey !== undefined) credentials.apiKey = apiKey;
  if (authorization !== undefined) credentials.authorization = authorization;
  const customerId = header(headers, 'customer-id') ?? fallbackCustomerId;
  if (customerId !== undefined) credentials.customerId = customerId;
  return credentials;
}

export type Fingerprinter = (credentials: Credentials) => string;

/** A keyed hash of a credential set: equal for equal credentials, useless to anyone without the secret. */
export function createFingerprinter(secret: Uint8Array = randomBytes(32)): Fingerprinter {
  return (credentials) =>
    createHmac('sha256', secret)
      .update(
        `${credentials.apiKey ?? ''}\u0000${credentials.authorization ?? ''}\u0000${credentials.customerId ?? ''}`,
      )
      .digest('base64url')
      .slice(0, 22);
}

/**
 * One fingerprint per credential header present (x-api-key, authorization), for per-credential limits: a
 * caller that varies one header while keeping a working other one still counts against the working one.
 */
export function quotaKeysOf(fingerprint: Fingerprinter, credentials: Credentials): string[] {
  const keys: string[] = [];
  if (credentials.apiKey !== undefined) keys.push(fingerprint({ apiKey: credentials.apiKey }));
  if (credentials.authorization !== undefined)
    keys.push(fingerprint({ authorization: credentials.authorization }));
  return keys;
}
