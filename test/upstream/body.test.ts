// Reading upstream bodies with a bound, on each kind of body the client sees: bytes already read, a Node
// stream (undici's) read through its events, and a WHATWG stream.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, readBytesCapped } from '../../src/upstream/body';

describe('readBytesCapped', () => {
  it('reads a Node stream to its end, and takes bytes already read as they are', async () => {
    const stream = new PassThrough();
    const reading = readBytesCapped(stream, 100);
    stream.write('{"job":');
    stream.end('[]}');
    expect((await reading).toString()).toBe('{"job":[]}');
    expect((await readBytesCapped([Buffer.from('ab'), Buffer.from('c')], 3)).toString()).toBe('abc');
    await expect(readBytesCapped([Buffer.from('abcd')], 3)).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('destroys a Node stream at the bound, or at once when its declared length is past it', async () => {
    const stream = new PassThrough();
    const reading = readBytesCapped(stream, 10);
    stream.write(Buffer.alloc(8));
    stream.write(Buffer.alloc(8));
    await expect(reading).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(stream.destroyed).toBe(true);
    const declared = new PassThrough();
    await expect(readBytesCapped(declared, 10, '11')).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(declared.destroyed).toBe(true);
  });

  it('rejects when a Node stream is destroyed before its end, with or without an error', async () => {
    const silent = new PassThrough();
    const reading = readBytesCapped(silent, 100);
    silent.write('{"jo');
    silent.destroy();
    await expect(reading).rejects.toThrow(/ended before it was complete/);
    const failing = new PassThrough();
    const failed = readBytesCapped(failing, 100);
    failing.destroy(new Error('socket hang up'));
    await expect(failed).rejects.toThrow('socket hang up');
  });

  it('reads a WHATWG stream and cancels it at the bound', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(8));
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(readBytesCapped(stream, 20)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(cancelled).toBe(true);
  });
});
