/**
 * Worker-thread side of a session host: owns one SessionSet and answers load, run and
 * release requests in order. Runs block this thread, not the server's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { SessionSet } from './session-set.js';
import { fromWire, mapTensors, toWire } from './tensor-wire.js';
import type { HostReply, HostRequest } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('session-worker.ts must run on a worker thread');

const sessions = new SessionSet();

async function answer(request: HostRequest): Promise<HostReply> {
  switch (request.op) {
    case 'load':
      return { id: request.id, ok: true, load: await sessions.load(request.files, request.settings) };
    case 'run': {
      const outputs = await sessions.run(request.key, mapTensors(request.feeds, fromWire));
      return { id: request.id, ok: true, outputs: mapTensors(outputs, toWire) };
    }
    case 'release':
      await sessions.release();
      return { id: request.id, ok: true };
  }
}

// One request at a time: a session must not be released while a run is still scheduled on it.
let previous: Promise<void> = Promise.resolve();

port.on('message', (request: HostRequest) => {
  previous = previous.then(() =>
    answer(request).then(
      (reply) => port.postMessage(reply),
      (error: unknown) => port.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) }),
    ),
  );
});
