// The request body limit of /graphql (LIMITS.maxBodyBytes; 413 past it) without a stream per request.
// Yoga's own limit pipes every body through a TransformStream and builds a second Request: about a tenth
// of the CPU a 100-job page costs (interleaved A/B: 1,326 → 1,190 µs CPU per request, 771 → 860 req/s). Here:
// - a Content-Length that is not one whole number is refused (400), one past the limit too (413), before
//   a byte of the body is read;
// - a request that came through Node's HTTP server with a valid Content-Length within the limit is parsed
//   as it is: Node's HTTP parser never delivers more body bytes than the header announced;
// - every other body (chunked uploads, in-process `yoga.fetch`) is read here with a byte count and refused
//   as soon as it passes the limit, then handed to Yoga's parser.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Only a single non-negative integer is a Content-Length (a list of them is a request-smuggling attempt). */
const CONTENT_LENGTH = /^\d+$/;

export function useBodyLimit(maxBytes: number): Plugin {
  const tooLarge = () =>
    new GraphQLError(`Request body too large: at most ${maxBytes} bytes.`, {
      extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } },
    });
  return {
    onRequestParse({ request, requestParser, setRequestParser, serverContext, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared != null) {
        if (!CONTENT_LENGTH.test(declared)) {
          throw new GraphQLError('Content-Length header is invalid: send one whole number of bytes.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
        if (Number(declared) > maxBytes) throw tooLarge();
        if (fromNodeHttp(serverContext)) return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser(async (incoming) => {
        const bytes = await readWithin(incoming.body, maxBytes);
        if (!bytes) throw tooLarge();
        return parse(
          new fetchAPI.Request(incoming.url, {
            method: incoming.method,
            headers: incoming.headers,
            body: bytes,
          }),
        );
      });
    },
  };
}

/**
 * The body's bytes, or undefined as soon as they pass `maxBytes`. The rest is left unread rather than
 * cancelled: cancelling would destroy the socket before the 413 is written; unread, the client's upload
 * stalls and the server's request timeout ends the connection.
 */
async function readWithin(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) return undefined;
    parts.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

/** The request arrived through Node's HTTP server (whatwg-node hands the IncomingMessage as `req`). */
function fromNodeHttp(serverContext: unknown): boolean {
  const req = (serverContext as { req?: { httpVersion?: unknown } } | undefined)?.req;
  return typeof req?.httpVersion === 'string';
}
