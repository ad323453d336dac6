/** An open server-sent event stream, read frame by frame as the frames arrive. */
export interface EventStreamReader {
  res: Response;
  /** The next complete frame (without its blank line), or null once the server ends the stream. */
  next(): Promise<string | null>;
  /** Leaves, as a browser closing the page does. */
  close(): void;
}

/** Opens `url` as a browser's EventSource would, for specs that check the frames themselves. */
export async function openEventStream(url: string): Promise<EventStreamReader> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    res,
    close: () => controller.abort(),
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return frame;
        }
        const { value, done } = await reader.read();
        if (done) return null;
        buffer += value;
      }
    },
  };
}
