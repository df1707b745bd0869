// Reading an upstream body with a hard size bound: a hostile or broken upstream cannot make the gateway
// buffer more than `maxBytes`. Works on bytes already read, on undici's Node stream (read through its events)
// and on any async iterable of bytes (a WHATWG ReadableStream); past the bound the stream is cancelled or
// destroyed at once, so the socket is released.

/** Upstream response bytes read at most (16 MiB): a 100-job page is ~40 KB. */
export const MAX_UPSTREAM_BODY_BYTES = 16 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`The upstream's response is larger than ${Math.round(maxBytes / 1024)} KiB.`);
  }
}

type Body = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array> | null | undefined;

/** The body as UTF-8 text, or BodyTooLargeError as soon as it (or its declared length) passes `maxBytes`. */
export async function readTextCapped(
  body: Body,
  maxBytes: number,
  declaredLength?: string | null,
): Promise<string> {
  return (await readBytesCapped(body, maxBytes, declaredLength)).toString('utf8');
}

/** The body's bytes, or BodyTooLargeError as soon as they (or the declared length) pass `maxBytes`. */
export async function readBytesCapped(
  body: Body,
  maxBytes: number,
  declaredLength?: string | null,
): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  // Refused from the header alone; each kind of body is then released its own way.
  const declaredTooLarge = Boolean(declaredLength) && Number(declaredLength) > maxBytes;
  // Bytes already read (the production transport's answer): no asynchronous iteration needed.
  if (Array.isArray(body)) {
    if (declaredTooLarge) throw new BodyTooLargeError(maxBytes);
    return concatCapped(body as Uint8Array[], maxBytes);
  }
  if (isNodeReadable(body)) return readNodeStream(body, maxBytes, declaredTooLarge);
  const chunksOf =
    Symbol.asyncIterator in body || Symbol.iterator in body
      ? (body as AsyncIterable<Uint8Array> | Iterable<Uint8Array>)
      : readerIterable(body);
  if (declaredTooLarge) {
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
  return chunks.length === 1
    ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, size)
    : Buffer.concat(chunks, size);
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

async function cancel(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  if (!(Symbol.asyncIterator in body)) return;
  try {
    await body[Symbol.asyncIterator]().return?.();
  } catch {
    // the stream is gone either way
  }
}

function concatCapped(chunks: readonly Uint8Array[], maxBytes: number): Buffer {
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
  return chunks.length === 1
    ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, size)
    : Buffer.concat(chunks, size);
}

interface NodeReadable {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'end' | 'close', listener: () => void): unknown;
  destroy(error?: Error): unknown;
}

const isNodeReadable = (body: object): body is NodeReadable =>
  typeof (body as Partial<NodeReadable>).on === 'function' &&
  typeof (body as Partial<NodeReadable>).destroy === 'function';

/**
 * A Node stream (undici's body) read through its events: one callback per chunk instead of a promise per
 * chunk. Past the bound the stream is destroyed at once (its socket is not reused).
 */
function readNodeStream(body: NodeReadable, maxBytes: number, declaredTooLarge: boolean): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (declaredTooLarge) {
      body.destroy();
      reject(new BodyTooLargeError(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    body.on('data', (chunk) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        done = true;
        body.destroy();
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => {
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    // `on`, not `once`: a stream that errs twice must not crash the process with an unheard 'error'.
    body.on('error', (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
    // Destroyed without an error (neither 'end' nor 'error' comes): no caller waits forever.
    body.once('close', () => {
      if (done) return;
      done = true;
      reject(new Error('the upstream body ended before it was complete'));
    });
  });
}
