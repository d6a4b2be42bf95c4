/**
 * A stream's messages of one event-loop turn leave in one socket write: the socket (a WebSocket's)
 * or the response (an SSE stream's) is corked from the turn's first write until the turn is over,
 * and every message still arrives, in order.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
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
