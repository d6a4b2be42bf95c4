/**
 * Server-sent events as an upstream streams them (OpenAI-compatible chat and completions,
 * KServe's generate_stream): the `data` of each event, in order. Comments and other fields
 * are skipped; multi-line data is joined with newlines as the SSE spec says.
 */
export async function* sseData(body: ReadableStream<Uint8Array>, onChunk: () => void): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      onChunk();
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // A lone CR at the end may be the first half of a CRLF still on its way.
        if (buffer[newline] === '\r' && newline === buffer.length - 1) break;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
      }
    }
  } finally {
    // Leaving early (the client gone, [DONE] read) closes the upstream's stream too.
    await reader.cancel().catch(() => undefined);
  }
  if (data.length > 0) yield data.join('\n');
}
