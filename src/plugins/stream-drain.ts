// Ends event streams on shutdown the way SPEC §5 asks: a stream the gateway ends because it is restarting
// is not a finished stream, so it ends without `event: complete` (graphql-sse, Apollo and urql clients,
// and EventSource, then subscribe again, on another replica). Every text/event-stream response (Yoga's SSE
// at /graphql and graphql-sse's single connection mode at /graphql/stream) passes through here; end()
// closes each one cleanly at the next event boundary and cancels what feeds it, which releases the
// subscription (its poll loop, its slot). A stream that completes by itself (terminal job) is untouched.
import type { Plugin } from 'graphql-yoga';

export interface StreamDrainPlugin extends Plugin {
  /** Ends every open event stream without `complete`; later ones end as soon as they start. */
  end(): void;
  /** Event streams open now. */
  readonly open: number;
}

const NEWLINE = 10;

export function useStreamDrain(): StreamDrainPlugin {
  const open = new Set<() => void>();
  let ended = false;
  return {
    onResponse({ response, setResponse, fetchAPI }) {
      // The content type first: reading `body` of a JSON answer would turn its string into a stream.
      if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return;
      const body = response.body;
      if (!body) return;
      const reader = body.getReader();
      let closed = false;
      // An event is written in several chunks; the stream is only ever ended between two events.
      let atBoundary = true;
      let endRequested = false;
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const close = () => {
        open.delete(requestEnd);
        if (closed) return;
        closed = true;
        controller.close();
        reader.cancel().catch(() => undefined);
      };
      const requestEnd = () => {
        endRequested = true;
        if (atBoundary) close();
      };
      // The source is read as fast as it produces (events are small and few), not on the consumer's pull:
      // graphql-sse's single-connection stream stalls when read through another stream's pull.
      const pump = async () => {
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (error) {
            open.delete(requestEnd);
            if (!closed) {
              closed = true;
              controller.error(error);
            }
            return;
          }
          if (closed) return;
          if (chunk.done) {
            open.delete(requestEnd);
            closed = true;
            controller.close();
            return;
          }
          const bytes = chunk.value;
          try {
            controller.enqueue(bytes);
          } catch {
            // The consumer is gone (its cancel() stops the source too).
            return;
          }
          atBoundary =
            bytes.length >= 2 && bytes[bytes.length - 1] === NEWLINE && bytes[bytes.length - 2] === NEWLINE;
          if (endRequested && atBoundary) close();
        }
      };
      const stream = new fetchAPI.ReadableStream<Uint8Array>({
        start(streamController) {
          controller = streamController;
          if (ended) requestEnd();
          else open.add(requestEnd);
          void pump();
        },
        cancel(reason) {
          open.delete(requestEnd);
          closed = true;
          return reader.cancel(reason);
        },
      });
      setResponse(
        new fetchAPI.Response(stream, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        }),
      );
    },
    end() {
      ended = true;
      for (const requestEnd of [...open]) requestEnd();
    },
    get open() {
      return open.size;
    },
  };
}
