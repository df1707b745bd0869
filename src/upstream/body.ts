// Reading an upstream body with a hard size bound: a hostile or broken upstream cannot make the gateway
// buffer more than `maxBytes`. Works on any async iterable of bytes (a WHATWG ReadableStream or undici's
// Node stream); leaving the loop early cancels the stream, so the socket is released at once.

/** Upstream response bytes read at most (16 MiB): a 100-job page is ~40 KB. */
export const MAX_UPSTREAM_BODY_BYTES = 16 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`The upstream's response is larger than ${Math.round(maxBytes / 1024)} KiB.`);
  }
}

/** The body as UTF-8 text, or BodyTooLargeError as soon as it (or its declared length) passes `maxBytes`. */
export async function readTextCapped(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null | undefined,
  maxBytes: number,
  declaredLength?: string | null,
): Promise<string> {
  if (!body) return '';
  const chunksOf = Symbol.asyncIterator in body ? body : readerIterable(body);
  if (declaredLength && Number(declaredLength) > maxBytes) {
    await cancel(chunksOf);
    throw new BodyTooLargeError(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunksOf) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new BodyTooLargeError(maxBytes); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** A ReadableStream without async iteration (some fetch implementations): read it through its reader. */
async function* readerIterable(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

async function cancel(body: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    await body[Symbol.asyncIterator]().return?.();
  } catch {
    // the stream is gone either way
  }
}
