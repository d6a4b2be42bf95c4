/**
 * graphql-sse's protocol, both of its modes, on its own endpoint, executed through yoga's envelop
 * pipeline so every plugin applies. `/graphql` answers SSE itself, but only in the
 * distinct-connections mode; graphql-sse's single-connection mode needs this handler.
 *
 * Not yoga's graphql-sse plugin: when an operation's results throw, graphql-sse ends the whole
 * event stream (in single-connection mode every operation on it) and the rejection goes
 * unhandled. Here a stream that fails ends with its error as a last result instead, as it does
 * over yoga's own SSE and graphql-ws.
 */
import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/fetch';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';

export interface GraphQLSSEStreamOptions {
  /** Where graphql-sse's clients connect. @default '/graphql/stream' */
  endpoint?: string;
}

function asGraphQLError(error: unknown): GraphQLError {
  // Masking has already run: whatever reaches here unmasked was not meant for the client.
  return error instanceof GraphQLError ? error : new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * Yields `results`, then, if they throw, one result carrying the error. `return` reaches
 * `results` at once; it has `throw` too, as graphql-sse stops only what looks like a generator.
 */
export function endingInErrors<T>(results: AsyncIterable<T>): AsyncIterableIterator<T | ExecutionResult> {
  const inner = results[Symbol.asyncIterator]();
  let failed = false;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (failed) return { done: true, value: undefined };
      try {
        return await inner.next();
      } catch (error) {
        failed = true;
        return { done: false, value: { errors: [asGraphQLError(error)] } };
      }
    },
    async return() {
      await inner.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      if (inner.throw) return inner.throw(error);
      await inner.return?.();
      throw error;
    },
  };
}

export function useGraphQLSSEStream(options: GraphQLSSEStreamOptions = {}): Plugin<YogaInitialContext> {
  const endpoint = options.endpoint ?? '/graphql/stream';
  // The HTTP server's context for each request, for the operations that request carries.
  const serverContexts = new WeakMap<Request, Record<string, unknown>>();
  let handle: ((request: Request) => Promise<Response>) | undefined;

  return {
    onYogaInit({ yoga }) {
      handle = createHandler(
        {
          async onSubscribe(request, params) {
            try {
              const enveloped = yoga.getEnveloped({ ...serverContexts.get(request.raw), request: request.raw, params });
              const document = enveloped.parse(params.query);
              const errors = enveloped.validate(enveloped.schema, document);
              if (errors.length > 0) return { errors };
              const args: ExecutionArgs = {
                schema: enveloped.schema,
                document,
                contextValue: await enveloped.contextFactory(),
                variableValues: params.variables,
                operationName: params.operationName,
              };
              const subscription = getOperationAST(document, params.operationName)?.operation === 'subscription';
              const result = await (subscription ? enveloped.subscribe(args) : enveloped.execute(args));
              return Symbol.asyncIterator in result ? endingInErrors(result) : result;
            } catch (error) {
              return { errors: [asGraphQLError(error)] };
            }
          },
        },
        yoga.fetchAPI,
      );
    },
    async onRequest({ request, url, serverContext, endResponse }) {
      if (url.pathname !== endpoint || !handle) return;
      serverContexts.set(request, serverContext as Record<string, unknown>);
      endResponse(await handle(request));
    },
  };
}
