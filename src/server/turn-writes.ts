/**
 * A stream's writes of one event-loop turn leave in one socket write. When the decode thread
 * hands over several tokens of a client at once (its outbox coalesces under load), or a last event
 * is followed by its `complete`, they cost one write instead of one each; on a busy machine a
 * write (and the reader's wake-up it causes) costs far more than framing the message, and it is
 * taken from the cores onnxruntime decodes on. Order is the socket's own.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Wraps `send` so that the first call of a turn corks `target` and the turn's end uncorks it. */
function corkedPerTurn<A extends unknown[], R>(target: Corkable, isOpen: () => boolean, send: (...args: A) => R): (...args: A) => R {
  let corked = false;
  const uncork = () => {
    corked = false;
    if (isOpen()) target.uncork();
  };
  return (...args: A) => {
    if (!corked && isOpen()) {
      corked = true;
      target.cork();
      setImmediate(uncork);
    }
    return send(...args);
  };
}

type SendCallback = (error?: Error) => void;

/**
 * graphql-ws messages: the WebSocket's raw socket is corked for the turn.
 *
 * graphql-ws sends a subscription's next event only once the previous one's write has called
 * back, and a corked socket calls back only after the turn's uncork: on its own, corking would
 * give every event a turn and a write of its own. So while the socket's buffer is below its
 * high-water mark the callback is answered as soon as the message is queued; a client that
 * reads slowly fills the buffer, and from then on each event waits for its write as before
 * (backpressure). A failed write still closes the socket, which ends its operations.
 */
export function coalesceWritesPerTurn(ws: WebSocket, socket: Duplex): void {
  const send = ws.send.bind(ws) as (data: unknown, options?: unknown, cb?: SendCallback) => void;
  const sendQueued = (data: unknown, options?: unknown, cb?: SendCallback) => {
    if (typeof options === 'function') [options, cb] = [{}, options as SendCallback];
    if (cb === undefined || ws.readyState !== ws.OPEN || socket.writableNeedDrain) return send(data, options, cb);
    send(data, options);
    cb();
  };
  ws.send = corkedPerTurn(socket, () => !socket.destroyed, sendQueued) as WebSocket['send'];
}

/** SSE events (yoga's subscriptions over HTTP, the OpenAI-compatible stream): the response is corked for the turn. */
export function coalesceResponseWritesPerTurn(res: ServerResponse): void {
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  // end() uncorks fully by itself; after it, and on a destroyed response, there is nothing to uncork.
  res.write = corkedPerTurn(res, () => !res.writableEnded && !res.destroyed, write) as ServerResponse['write'];
}
