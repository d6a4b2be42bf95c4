/**
 * Counts HTTP responses still being written. A request whose work settled during the drain
 * still has to send its answer; closing its connection first would lose a result the
 * history already shows as completed.
 */
import type { Server } from 'node:http';

export interface OpenResponses {
  /** Resolves once every response has finished, or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void>;
}

export function trackOpenResponses(server: Server): OpenResponses {
  let open = 0;
  let wake: (() => void) | undefined;
  server.on('request', (_req, res) => {
    open++;
    res.once('close', () => {
      open--;
      if (open === 0) wake?.();
    });
  });
  return {
    async settled(timeoutMs) {
      if (open === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      wake = undefined;
    },
  };
}
