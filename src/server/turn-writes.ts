/**
 * Messages sent to one WebSocket within one event-loop turn leave in one socket write. When the
 * decode thread hands over several tokens of a client at once (its outbox coalesces under load),
 * or a last event is followed by its `complete`, they cost one write instead of one each; on a
 * busy machine a write (and the reader's wake-up it causes) costs far more than framing the
 * message, and it is taken from the cores onnxruntime decodes on. Order is the socket's own.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export function coalesceWritesPerTurn(ws: WebSocket, socket: Duplex): void {
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  ws.send = ((...args: unknown[]) => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    send(...args);
  }) as WebSocket['send'];
}
