/**
 * A stream's messages of one event-loop turn leave in one socket write: the socket (a WebSocket's)
 * or the response (an SSE stream's) is corked from the turn's first write until the turn is over,
 * and every message still arrives, in order.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { buildSchema } from 'graphql';
import { createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { coalesceResponseWritesPerTurn, coalesceWritesPerTurn } from '../src/server/turn-writes.js';

describe('WebSocket writes coalesced per event-loop turn', () => {
  let server: Server;
  let serverSide: Promise<{ ws: WebSocket; socket: Duplex }>;
  let client: WebSocket;

  beforeAll(async () => {
    server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    serverSide = new Promise((resolve) => {
      server.on('upgrade', (request, socket, head) => {
        wss.handleUpgrade(request, socket, head, (ws) => {
          coalesceWritesPerTurn(ws, socket);
          resolve({ ws, socket });
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise((resolve) => client.once('open', resolve));
  });

  afterAll(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('holds a turn’s messages in the socket until the turn ends, then delivers all in order', async () => {
    const { ws, socket } = await serverSide;
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (data) => {
        received.push(String(data));
        if (received.length === 6) resolve();
      }),
    );
    for (const turn of [0, 1]) {
      for (let i = 0; i < 3; i += 1) ws.send(`turn ${turn} message ${i}`);
      // Still corked: nothing of this turn has been written yet.
      expect(socket.writableCorked).toBeGreaterThan(0);
      expect(socket.writableLength).toBeGreaterThan(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(socket.writableCorked).toBe(0);
    }
    await all;
    expect(received).toEqual([0, 1].flatMap((turn) => [0, 1, 2].map((i) => `turn ${turn} message ${i}`)));
  });
});

describe('graphql-ws events coalesced per event-loop turn', () => {
  it('sends a subscription’s events of one turn in one socket write, though graphql-ws waits for each write', async () => {
    const schema = buildSchema('type Query { ok: Boolean } type Subscription { tokens: Int! }');
    // Three events ready in one turn, then three in the next: what the decode thread's outbox hands over under load.
    const roots = {
      async *tokens() {
        for (const turn of [0, 1]) {
          if (turn > 0) await nextTurn();
          for (let i = 0; i < 3; i += 1) yield { tokens: turn * 3 + i };
        }
      },
    };
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    let writes = 0;
    server.on('upgrade', (request, socket, head) => {
      wss.handleUpgrade(request, socket, head, (ws) => {
        coalesceWritesPerTurn(ws, socket);
        // Every write the socket makes to the kernel, one chunk or several.
        const raw = socket as Duplex & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
        for (const method of ['_write', '_writev'] as const) {
          const original = raw[method].bind(raw);
          raw[method] = (...args: unknown[]) => {
            writes += 1;
            original(...args);
          };
        }
        wss.emit('connection', ws, request);
      });
    });
    const cleanup = useServer({ schema, roots: { subscription: roots } }, wss);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let connected!: () => void;
    const ready = new Promise<void>((resolve) => (connected = resolve));
    const client = createClient({
      url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      on: { connected: () => connected() },
    });
    try {
      await ready;
      writes = 0;
      const seen: number[] = [];
      for await (const result of client.iterate<{ tokens: number }>({ query: 'subscription { tokens }' })) seen.push(result.data!.tokens);
      expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
      // One write per turn (the second turn's also carries `complete`); graphql-ws waiting for
      // each write's callback would make it one per message, seven.
      expect(writes).toBeLessThanOrEqual(3);
    } finally {
      await client.dispose();
      await cleanup.dispose();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('still makes a slow client’s sender wait: past the socket’s high-water mark a send calls back only once written', async () => {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const serverSide = new Promise<{ ws: WebSocket; socket: Duplex }>((resolve) => {
      server.on('upgrade', (request, socket, head) => {
        wss.handleUpgrade(request, socket, head, (ws) => {
          coalesceWritesPerTurn(ws, socket);
          resolve({ ws, socket });
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      await new Promise((resolve) => client.once('open', resolve));
      const { ws, socket } = await serverSide;
      const big = 'x'.repeat(socket.writableHighWaterMark * 0.6);
      const calledBack: number[] = [];
      for (let i = 0; i < 3; i += 1) ws.send(big, () => calledBack.push(i));
      // The first two fit under the mark and are answered at once; the second passed it, so the third waits for its write.
      expect(calledBack).toEqual([0, 1]);
      await new Promise<void>((resolve) => {
        const poll = () => (calledBack.length === 3 ? resolve() : setTimeout(poll, 5));
        poll();
      });
      expect(calledBack).toEqual([0, 1, 2]);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('SSE response writes coalesced per event-loop turn', () => {
  it('holds a turn’s events in the response until the turn ends, then delivers all in order, and ends cleanly', async () => {
    const corkedDuringTurn: number[] = [];
    const server = createServer(async (_req, res) => {
      coalesceResponseWritesPerTurn(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const turn of [0, 1]) {
        for (let i = 0; i < 3; i += 1) res.write(`data: turn ${turn} event ${i}\n\n`);
        corkedDuringTurn.push(res.writableCorked);
        await new Promise((resolve) => setImmediate(resolve));
        corkedDuringTurn.push(res.writableCorked);
      }
      res.write('data: last\n\n');
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const events = (await response.text()).split('\n\n').filter(Boolean).map((e) => e.slice('data: '.length));
      expect(events).toEqual([...[0, 1].flatMap((turn) => [0, 1, 2].map((i) => `turn ${turn} event ${i}`)), 'last']);
      expect(corkedDuringTurn).toEqual([1, 0, 1, 0]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
