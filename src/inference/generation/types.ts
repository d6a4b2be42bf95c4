/**
 * The text generation engine's public vocabulary: what a caller asks for and the
 * events a generation streams back. Nothing here knows GraphQL.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface GenerationRequest {
  /** Raw text to continue; exactly one of `prompt` and `messages`. */
  prompt?: string;
  /** A conversation rendered with the model's chat template (generation prompt appended). */
  messages?: ChatMessage[];
  /** Default: generation_config.json's max_new_tokens, else 128, capped by the room left in the context. */
  maxTokens?: number;
  /** 0 or absent: greedy. */
  temperature?: number;
  /** 0 or absent: off. */
  topK?: number;
  topP?: number;
  minP?: number;
  /** Multiplicative penalty on tokens already in the prompt or the output (1 = off). */
  repetitionPenalty?: number;
  /** Subtracted once from every token already generated. */
  presencePenalty?: number;
  /** Subtracted per occurrence of a token already generated. */
  frequencyPenalty?: number;
  /** Makes sampling reproducible; without it each request draws a fresh seed. */
  seed?: number;
  /** Texts that end the generation; the matched text is not part of the output. */
  stop?: string[];
  logprobs?: boolean;
  /** Alternatives per token (0-20); implies `logprobs`. */
  topLogprobs?: number;
}

export type FinishReason = 'STOP' | 'LENGTH' | 'CANCELLED' | 'ERROR';

export interface TokenLogprob {
  tokenId: number;
  text: string;
  logprob: number;
}

export interface GenerationTimings {
  queueMs: number;
  timeToFirstTokenMs: number | null;
  tokensPerSecond: number | null;
  computeMs: number;
  /** The largest batch this request's forward passes shared; null if it never ran. */
  batchSize: number | null;
}

export type GenerationEvent =
  | { type: 'started'; promptTokens: number; queueMs: number }
  | {
      type: 'token';
      /** Position of the token in the completion: every token gets an event, 0, 1, 2, ... */
      index: number;
      tokenId: number;
      /** The text this token completes; '' while a character or a possible stop string is pending. */
      text: string;
      /** The log-probability of this token. */
      logprob: number | null;
      topLogprobs: TokenLogprob[] | null;
    }
  | {
      type: 'completed';
      finishReason: FinishReason;
      text: string;
      usage: { promptTokens: number; completionTokens: number };
      timings: GenerationTimings;
      error?: { code: string; message: string };
    };

export type TokenEvent = Extract<GenerationEvent, { type: 'token' }>;
export type CompletedEvent = Extract<GenerationEvent, { type: 'completed' }>;

/** pino-compatible subset; every method optional so a bare object works. */
export interface GenerationLogger {
  debug?(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
  error?(obj: object, msg?: string): void;
}
