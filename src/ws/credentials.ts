// The credentials of a graphql-ws connection and of each of its operations. A connection's come from its
// `connection_init` payload (connectionParams: x-api-key, authorization, customer-id in any letter case),
// else from the upgrade request's headers; an operation may override them header by header in its subscribe
// payload's `extensions.headers` (where Hive Gateway forwards a client's headers to a subgraph).
// Client-sent values become request headers, so each is checked first: a string of at most 8 KiB with no
// control character but tab (CR, LF or NUL would make `new Headers()` throw and could forge log lines).
import type { IncomingHttpHeaders } from 'node:http';

export const CREDENTIAL_HEADERS = ['x-api-key', 'authorization', 'customer-id'] as const;
export type CredentialHeader = (typeof CREDENTIAL_HEADERS)[number];

/** Longest credential value accepted (a JWT of a few KiB fits; Node's own limit for all headers is 16 KiB). */
export const MAX_CREDENTIAL_LENGTH = 8192;

/** What a header value may hold: tab, printable ASCII and Latin-1 (a subset of what `Headers` accepts), no C0 or C1 control character (U+0085 ends a line in some log viewers). */
const HEADER_VALUE = /^[\t\x20-\x7e\xa0-\xff]*$/;

export type HeadersOrInvalid = { headers: Headers } | { invalid: string };

/** The credential values of a client-sent object, by lower-case name; `invalid` names the first bad one. */
function readCredentials(
  source: unknown,
): { values: Map<CredentialHeader, string> } | { invalid: CredentialHeader } {
  const values = new Map<CredentialHeader, string>();
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return { values };
  for (const [name, value] of Object.entries(source)) {
    const header = name.toLowerCase() as CredentialHeader;
    if (!CREDENTIAL_HEADERS.includes(header)) continue;
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length > MAX_CREDENTIAL_LENGTH || !HEADER_VALUE.test(value)) {
      return { invalid: header };
    }
    if (value.trim() !== '') values.set(header, value);
  }
  return { values };
}

function invalidValue(where: string, header: CredentialHeader): { invalid: string } {
  return {
    invalid: `${where} ${header} is not a header value (a string, no control characters, at most ${MAX_CREDENTIAL_LENGTH})`,
  };
}

/** A connection's headers: credentials from connectionParams, else the upgrade's, plus its request id. */
export function connectionHeaders(params: unknown, upgrade: IncomingHttpHeaders): HeadersOrInvalid {
  const read = readCredentials(params);
  if ('invalid' in read) return invalidValue('connectionParams', read.invalid);
  const headers = new Headers();
  for (const name of CREDENTIAL_HEADERS) {
    const fromUpgrade = upgrade[name];
    // Upgrade headers went through Node's HTTP parser, which refuses CR, LF and NUL.
    const value = read.values.get(name) ?? (typeof fromUpgrade === 'string' ? fromUpgrade : undefined);
    if (value !== undefined && value.trim() !== '') headers.set(name, value);
  }
  const requestId = upgrade['x-request-id'];
  if (typeof requestId === 'string') headers.set('x-request-id', requestId);
  if (typeof upgrade.traceparent === 'string') headers.set('traceparent', upgrade.traceparent);
  return { headers };
}

/** An operation's headers: the connection's, each credential overridden by `extensions.headers` when sent there. */
export function operationHeaders(connection: Headers, extensions: unknown): HeadersOrInvalid {
  const forwarded =
    typeof extensions === 'object' && extensions !== null
      ? (extensions as { headers?: unknown }).headers
      : undefined;
  const read = readCredentials(forwarded);
  if ('invalid' in read) return invalidValue('extensions.headers', read.invalid);
  if (read.values.size === 0) return { headers: connection };
  const headers = new Headers(connection);
  for (const [name, value] of read.values) headers.set(name, value);
  return { headers };
}

/** The credential values, to redact them from anything logged about the connection. */
export function secretsOf(headers: Headers): string[] {
  return CREDENTIAL_HEADERS.map((name) => headers.get(name) ?? '').filter((value) => value !== '');
}
