// A raw GraphQL-over-SSE subscription on a real socket, read to its end: what a restart looks like from a
// client that does not retry (every event, whether `complete` came, whether the stream was cut abruptly).
export interface StreamEnd {
  /** The `next` payloads, in order. */
  events: { data?: any; errors?: { extensions?: { code?: string } }[] }[];
  /** The server sent `event: complete`. */
  completed: boolean;
  /** The response ended with an error (reset, truncated chunk) rather than cleanly. */
  cut: boolean;
}

export interface OpenStream {
  /** Resolves with the first `next` payload. */
  first: Promise<StreamEnd['events'][number]>;
  /** Resolves once the response has ended, however it ended. */
  end: Promise<StreamEnd>;
}

export function subscribeRaw(url: string, query: string, headers: Record<string, string>): OpenStream {
  let onFirst!: (event: StreamEnd['events'][number]) => void;
  let onFirstFailed!: (error: unknown) => void;
  const first = new Promise<StreamEnd['events'][number]>((resolve, reject) => {
    onFirst = resolve;
    onFirstFailed = reject;
  });
  const end = (async (): Promise<StreamEnd> => {
    const result: StreamEnd = { events: [], completed: false, cut: false };
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query }),
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          if (/^event: ?complete/m.test(block)) result.completed = true;
          const data = /^data: ?(.+)$/m.exec(block)?.[1];
          if (/^event: ?next/m.test(block) && data) {
            result.events.push(JSON.parse(data));
            if (result.events.length === 1) onFirst(result.events[0]!);
          }
        }
      }
    } catch {
      result.cut = true;
    }
    if (result.events.length === 0) onFirstFailed(new Error('the stream ended before its first event'));
    return result;
  })();
  end.catch(onFirstFailed);
  return { first, end };
}
