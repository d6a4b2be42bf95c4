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
import type { Authenticator } from '../auth/authenticator.js';
import { isTesseraError } from '../errors.js';
import { codedError, markParseFailed } from './errors.js';

/** graphql-ws's own "Unauthorized" close code, used here for a connection_init without a valid key. */
const UNAUTHORIZED_CLOSE = 4401;
import { createOriginPolicy } from './origins.js';
import { coalesceWritesPerTurn } from './turn-writes.js';

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

function authorizationParam(params: Readonly<Record<string, unknown>> | undefined): string | null {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : null;
}

export interface WebSocketOptions {
  /** Largest message accepted, like the HTTP body limit; a bigger one closes the socket (1009). */
  maxPayload: number;
  /** Browser origins allowed besides the server's own (CORS_ORIGINS). */
  allowedOrigins: readonly string[];
  path?: string;
}

export function attachWebSocket(server: HttpServer, yoga: TesseraYoga, authenticator: Authenticator, options: WebSocketOptions): WebSocketEndpoint {
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
    wss.handleUpgrade(request, socket, head, (ws) => {
      coalesceWritesPerTurn(ws, socket);
      wss.emit('connection', ws, request);
    });
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
      onConnect: async (ctx) => {
        try {
          await authenticator.authenticate(authorizationParam(ctx.connectionParams));
        } catch (error) {
          if (!isTesseraError(error)) throw error;
          ctx.extra.socket.close(UNAUTHORIZED_CLOSE, `${error.code}: ${error.message}`.slice(0, 120));
          return false;
        }
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
          // Authenticated again for every operation, so a key revoked mid-connection stops working.
          connectionAuthorization: authorizationParam(ctx.connectionParams),
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(params.query);
        } catch (error) {
          // A bad document fails its own operation (an `error` message), never the socket.
          if (error instanceof GraphQLError) return [markParseFailed(error)];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          // An `error` message for this operation; the connection and its other operations go on.
          if (isTesseraError(error)) return [codedError(error)];
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const args: ExecutionArgs = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
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
