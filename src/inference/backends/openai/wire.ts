/**
 * The OpenAI chat-completions and completions wire format, both ways: our generation
 * request as the upstream's body, and its streamed chunks as what each one adds. Only
 * the fields these servers share are relied on; the sampling knobs OpenAI itself lacks
 * (top_k, min_p, repetition_penalty) are sent only when the client set them, which vLLM,
 * TGI, llama.cpp and LocalAI accept.
 */
import type { FinishReason, GenerationRequest, TokenLogprob } from '../../generation/types.js';

export function generationBody(model: string, request: GenerationRequest): { path: string; body: Record<string, unknown> } {
  const topLogprobs = request.topLogprobs ?? 0;
  const logprobs = request.logprobs === true || topLogprobs > 0;
  const body: Record<string, unknown> = {
    model,
    stream: true,
    stream_options: { include_usage: true },
    // Tessera's default is greedy; OpenAI's is temperature 1.
    temperature: request.temperature ?? 0,
    max_tokens: request.maxTokens,
    top_p: request.topP,
    top_k: request.topK || undefined,
    min_p: request.minP || undefined,
    repetition_penalty: request.repetitionPenalty,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    seed: request.seed,
    stop: request.stop,
  };
  if (request.messages) {
    Object.assign(body, { messages: request.messages, logprobs: logprobs || undefined, top_logprobs: logprobs ? topLogprobs : undefined });
    return { path: 'chat/completions', body };
  }
  Object.assign(body, { prompt: request.prompt, logprobs: logprobs ? topLogprobs : undefined });
  return { path: 'completions', body };
}

/** One piece of streamed output: its text and, when asked for, its log-probabilities. */
export interface Piece {
  text: string;
  logprob: number | null;
  topLogprobs: TokenLogprob[] | null;
}

export interface Chunk {
  pieces: Piece[];
  finishReason: FinishReason | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  error: string | null;
}

interface ChatLogprob {
  token: string;
  logprob: number;
  top_logprobs?: { token: string; logprob: number }[];
}

interface WireChoice {
  delta?: { content?: string | null };
  text?: string;
  finish_reason?: string | null;
  logprobs?: {
    content?: ChatLogprob[] | null;
    tokens?: string[];
    token_logprobs?: (number | null)[];
    top_logprobs?: (Record<string, number> | null)[];
  } | null;
}

interface WireChunk {
  choices?: WireChoice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: string | { message?: string };
}

const alternatives = (list: { token: string; logprob: number }[]): TokenLogprob[] => list.map((t) => ({ tokenId: -1, text: t.token, logprob: t.logprob }));

function piecesOf(choice: WireChoice): Piece[] {
  const chat = choice.logprobs?.content;
  if (chat && chat.length > 0) {
    return chat.map((t) => ({ text: t.token, logprob: t.logprob, topLogprobs: t.top_logprobs ? alternatives(t.top_logprobs) : null }));
  }
  const tokens = choice.logprobs?.tokens;
  if (tokens && tokens.length > 0) {
    return tokens.map((text, i) => {
      const top = choice.logprobs?.top_logprobs?.[i];
      const list = top ? Object.entries(top).map(([token, logprob]) => ({ token, logprob })) : null;
      return { text, logprob: choice.logprobs?.token_logprobs?.[i] ?? null, topLogprobs: list ? alternatives(list) : null };
    });
  }
  const text = choice.delta?.content ?? choice.text ?? '';
  return text === '' ? [] : [{ text, logprob: null, topLogprobs: null }];
}

function finishReasonOf(reason: string | null | undefined): FinishReason | null {
  if (!reason) return null;
  return reason === 'length' ? 'LENGTH' : 'STOP';
}

export function parseChunk(data: string): Chunk {
  const chunk = JSON.parse(data) as WireChunk;
  const choice = chunk.choices?.[0];
  const usage = chunk.usage ? { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 } : null;
  const error = chunk.error === undefined ? null : typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? 'upstream error');
  return { pieces: choice ? piecesOf(choice) : [], finishReason: finishReasonOf(choice?.finish_reason), usage, error };
}
