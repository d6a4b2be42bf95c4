/**
 * Server-sent events as OpenAI streams them: one `data: <json>` per chunk, `data: [DONE]` at
 * the end, and a failure after the stream began as `data: {"error": …}` (the official clients
 * raise it as an APIError). Writes respect backpressure, so a slow client slows the pump
 * rather than growing the buffer.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export interface EventStream {
  send(data: unknown): Promise<void>;
  done(): void;
}

export function openEventStream(res: ServerResponse): EventStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // Proxies (nginx) would otherwise hold tokens back in their buffer.
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  return {
    async send(data) {
      if (res.destroyed) return;
      if (!res.write(`data: ${JSON.stringify(data)}\n\n`)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    },
    done() {
      if (!res.destroyed) res.end('data: [DONE]\n\n');
    },
  };
}
