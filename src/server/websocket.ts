/**
 * graphql-ws on the same path as HTTP, executed through yoga's envelop pipeline so every
 * plugin (error masking, request ids, cancellation) applies to WebSocket operations too.
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { TesseraYoga } from './yoga.js';
import { createOriginPolicy } from './origins.js';

export interface WebSocketEndpoint {
  /**
   * Stops new connections and closes the open ones with 1001 (going away), first giving
   * operations that are finishing up to `graceMs` to send their last message and `complete`.
   */
  close(graceMs?: number): Promise<void>;
}

/** graphql-ws deletes an operation from `subscriptions` only after its `complete` went out. */
interface ConnectionState {
  subscriptions: Record<string, unknown>;
}

export interface WebSocketOptions {
  /** Largest message accepted, like the HTTP body limit; a bigger one closes the socket (1009). */
  maxPayload: number;
  /** Browser origins allowed besides the server's own (CORS_ORIGINS). */
  allowedOrigins: readonly string[];
  path?: string;
}

export function attachWebSocket(server: HttpServer, yoga: TesseraYoga, options: WebSocketOptions): WebSocketEndpoint {
  const path = options.path ?? '/graphql';
  const origins = createOriginPolicy(options.allowedOrigins);
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload });
  const socketSignals = new WeakMap<WebSocket, AbortController>();
  const connections = new Set<ConnectionState>();

  server.on('upgrade', (request, socket, head) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname !== path) {
      socket.destroy();
      return;
    }
    // Browsers send Origin on every upgrade and apply no CORS to WebSockets: the check is ours.
    if (!origins.allows(request.headers.origin, request.headers.host)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  wss.on('connection', (ws) => {
    const controller = new AbortController();
    socketSignals.set(ws, controller);
    ws.once('close', () => controller.abort(new Error('The WebSocket closed.')));
  });

  type Enveloped = ReturnType<TesseraYoga['getEnveloped']>;
  interface RootValue {
    execute: Enveloped['execute'];
    subscribe: Enveloped['subscribe'];
  }

  const cleanup = useServer(
    {
      onConnect: (ctx) => {
        connections.add(ctx);
        return true;
      },
      onClose: (ctx) => {
        connections.delete(ctx);
      },
      execute: (args: ExecutionArgs) => (args.rootValue as RootValue).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as RootValue).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          socketSignal: socketSignals.get(ctx.extra.socket)?.signal,
          socketRequestId: randomUUID(),
        });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          // A bad document fails its own operation (an `error` message), never the socket.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies RootValue,
        };
        return args;
      },
    },
    wss,
  );

  return {
    async close(graceMs = 2000) {
      const deadline = Date.now() + graceMs;
      const busy = () => [...connections].some((ctx) => Object.keys(ctx.subscriptions).length > 0);
      while (busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
