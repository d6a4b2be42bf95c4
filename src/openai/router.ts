/**
 * The OpenAI-compatible API under `/v1`, on GraphQL's server and port: finds the endpoint,
 * admits the caller (key, scope, budget) and lets it answer. Every refusal, before or during
 * the work, is answered in OpenAI's error shape with GraphQL's status for the same code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../contracts/context.js';
import { TesseraError } from '../errors.js';
import { admit } from './access.js';
import { createCorsGate } from './cors.js';
import { chatCompletions } from './chat-completions.js';
import { completions } from './completions.js';
import { embeddings } from './embeddings.js';
import type { Endpoint } from './endpoint.js';
import { asCodedError, sendError } from './errors.js';
import { getModel, listModels } from './models.js';
import { transcriptions } from './transcription/transcriptions.js';

export const OPENAI_PREFIX = '/v1/';

const ENDPOINTS: Endpoint[] = [listModels, getModel, chatCompletions, completions, embeddings, transcriptions];

function route(method: string, pathname: string): { endpoint: Endpoint; params: string[] } {
  const matching = ENDPOINTS.map((endpoint) => ({ endpoint, match: endpoint.path.exec(pathname) })).filter(({ match }) => match);
  const found = matching.find(({ endpoint }) => endpoint.method === method);
  if (found) return { endpoint: found.endpoint, params: found.match!.slice(1) };
  if (matching.length > 0) throw new TesseraError('BAD_USER_INPUT', `${pathname} does not answer ${method}; use ${matching[0]!.endpoint.method}.`);
  throw new TesseraError('NOT_FOUND', `No endpoint ${method} ${pathname} in this OpenAI-compatible API.`);
}

export function createOpenAiHandler(services: Services) {
  const cors = createCorsGate(services.config.CORS_ORIGINS);
  return async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    try {
      if (cors(req, res)) return;
      const { endpoint, params } = route(req.method ?? 'GET', pathname);
      const ctx = await admit(services, req, res, endpoint.access);
      await endpoint.handle(ctx, req, res, params);
    } catch (error) {
      const { coded, unexpected } = asCodedError(error);
      if (unexpected) services.logger.error({ err: error, path: pathname }, 'OpenAI-compatible request failed');
      if (res.headersSent) return void res.end();
      // The rest of an unread body would otherwise be parsed as the next request on this connection.
      if (!req.complete) res.setHeader('connection', 'close');
      sendError(res, coded);
    }
  };
}
